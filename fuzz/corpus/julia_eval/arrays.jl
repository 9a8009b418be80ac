A = [1 2; 3 4]
B = A * A
sum(B), size(B), A'
