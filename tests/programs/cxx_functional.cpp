// std::function, lambdas with captures, std::bind, virtual dispatch,
// templates, recursion through std::function.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Shape {
	virtual ~Shape() = default;
	virtual double area() const = 0;
	virtual const char *name() const = 0;
};
struct Square : Shape {
	double s;
	explicit Square(double x) : s(x) {}
	double area() const override { return s * s; }
	const char *name() const override { return "square"; }
};
struct Rect : Shape {
	double w, h;
	Rect(double a, double b) : w(a), h(b) {}
	double area() const override { return w * h; }
	const char *name() const override { return "rect"; }
};

template <typename T, typename F> static T fold(const std::vector<T> &v, T init, F f)
{
	for (const auto &x : v)
		init = f(init, x);
	return init;
}

static int apply_twice(const std::function<int(int)> &f, int x) { return f(f(x)); }
static int sub(int a, int b) { return a - b; }

int main()
{
	int base = 10;
	auto add = [base](int x) { return x + base; };
	int counter = 0;
	auto bump = [&counter](int by) { counter += by; return counter; };
	bump(3);
	bump(4);
	std::printf("lambda: add(5)=%d counter=%d twice=%d\n", add(5), counter, apply_twice(add, 1));

	std::map<std::string, std::function<double(double, double)>> ops = {
		{ "+", [](double a, double b) { return a + b; } },
		{ "-", [](double a, double b) { return a - b; } },
		{ "*", std::multiplies<double>() },
		{ "/", [](double a, double b) { return a / b; } },
	};
	std::printf("ops:");
	for (auto &kv : ops)
		std::printf(" %s%g", kv.first.c_str(), kv.second(12, 4));
	std::printf("\n");

	auto minus_from_100 = std::bind(sub, 100, std::placeholders::_1);
	std::printf("bind: %d\n", minus_from_100(58));

	std::function<long(int)> fib = [&fib](int n) -> long { return n < 2 ? n : fib(n - 1) + fib(n - 2); };
	std::printf("recursive function: fib(25)=%ld\n", fib(25));

	std::vector<std::unique_ptr<Shape>> shapes;
	shapes.push_back(std::make_unique<Square>(3));
	shapes.push_back(std::make_unique<Rect>(2, 5));
	shapes.push_back(std::make_unique<Square>(1.5));
	std::sort(shapes.begin(), shapes.end(), [](auto &a, auto &b) { return a->area() < b->area(); });
	std::printf("virtual:");
	for (auto &s : shapes)
		std::printf(" %s=%g", s->name(), s->area());
	std::printf("\n");

	std::vector<int> v = { 1, 2, 3, 4, 5, 6 };
	std::printf("fold: sum=%d product=%d\n", fold(v, 0, std::plus<int>()), fold(v, 1, [](int a, int b) { return a * b; }));
	std::vector<std::function<int()>> thunks;
	for (int i = 0; i < 5; i++)
		thunks.push_back([i] { return i * i; });
	int ts = 0;
	for (auto &t : thunks)
		ts += t();
	auto make_counter = [] { auto n = std::make_shared<int>(0); return [n] { return ++*n; }; };
	auto c1 = make_counter(), c2 = make_counter();
	c1();
	c1();
	std::printf("thunks=%d closures c1=%d c2=%d\n", ts, c1(), c2());
	std::function<void()> empty;
	try {
		empty();
	} catch (const std::bad_function_call &) {
		std::printf("bad_function_call caught\n");
	}
	std::puts("ok cxx_functional");
	return 0;
}
