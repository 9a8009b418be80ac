for i in 1:100000
  println("line ", i)
end