local function build(n)
  local parts = {}
  for i = 0, n - 1 do parts[#parts + 1] = tostring(i) end
  return table.concat(parts, ",")
end
local total = 0
for k = 1, 10 do total = total + #build(100000) end
print(total)
