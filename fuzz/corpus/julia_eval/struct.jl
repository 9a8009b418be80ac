struct P
  x::Int
  y::Float64
end
p = P(1, 2.5)
p.x + p.y