f(x) = x^2 + 1
map(f, 1:10)