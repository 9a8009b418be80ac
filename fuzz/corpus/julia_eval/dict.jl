d = Dict("a" => 1, "b" => 2)
d["c"] = 3
sort(collect(keys(d)))