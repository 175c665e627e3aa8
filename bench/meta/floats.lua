local function integrate(n)
  local sum, x = 0.0, 0.0
  for i = 0, n - 1 do sum = sum + x * x * 0.5; x = x + 0.000001 end
  return sum
end
print(integrate(10000000))
