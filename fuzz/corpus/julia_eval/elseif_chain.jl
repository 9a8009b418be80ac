x = 7
if x == 1
1
elseif x == 2
2
elseif x == 3
3
elseif x == 4
4
elseif x == 5
5
elseif x == 6
6
elseif x == 7
7
else
0
end