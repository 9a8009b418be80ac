g(n) = g(n + 1)
g(1)