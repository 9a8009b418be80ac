x = 10
@show x
"$(x)-$(x + 1)"