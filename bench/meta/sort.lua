local function make_data(n)
  local v, x = {}, 12345
  for i = 1, n do v[i] = x % 1000003; x = (x * 1103515245 + 12345) % 2147483648 end
  return v
end
local r
for k = 1, 5 do local v = make_data(200000); table.sort(v, function(a, b) return a < b end); r = v[100001] end
print(r)
