write("/user/a.txt", "data")
read("/user/a.txt", String)