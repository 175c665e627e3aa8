local function run(n)
  local h = {}
  for i = 0, n - 1 do h[(i * 7919) % 1000003] = i end
  local sum = 0
  for i = 0, n - 1 do sum = sum + (h[(i * 7919) % 1000003] or 0) end
  return sum
end
print(run(500000) + run(500000))
