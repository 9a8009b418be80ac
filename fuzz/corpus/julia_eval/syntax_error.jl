function f(
  x +
end