local function make_adder(n) return function(x) return x + n end end
local function compose(f, g) return function(x) return f(g(x)) end end
local function run(n)
  local acc = 0
  for i = 0, n - 1 do local f = compose(make_adder(i), make_adder(1)); acc = f(acc) end
  return acc
end
print(run(3000000) % 1000007)
