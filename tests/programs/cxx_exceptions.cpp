// C++ exceptions: throw/catch across frames, std::runtime_error, rethrow,
// nested try, destructors run during unwinding, noexcept, std::exception_ptr.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

static int destroyed;

struct Guard {
	int id;
	explicit Guard(int i) : id(i) {}
	~Guard() { destroyed += id; }
};

struct MyError : std::runtime_error {
	int code;
	MyError(const std::string &m, int c) : std::runtime_error(m), code(c) {}
};

static int depth3(int x)
{
	Guard g(100);
	if (x > 2)
		throw MyError("too deep: " + std::to_string(x), x);
	return x;
}

static int depth2(int x) { Guard g(10); return depth3(x + 1) + 1; }
static int depth1(int x) { Guard g(1); return depth2(x + 1) + 1; }

int main()
{
	try {
		depth1(5);
		std::puts("FAILED: no throw");
	} catch (const MyError &e) {
		std::printf("caught MyError: %s code=%d destroyed=%d\n", e.what(), e.code, destroyed);
	}
	std::printf("no throw: %d\n", depth1(0));

	try {
		try {
			throw std::out_of_range("inner");
		} catch (const std::logic_error &e) {
			std::printf("inner caught logic_error: %s\n", e.what());
			throw;
		}
	} catch (const std::out_of_range &e) {
		std::printf("rethrown as out_of_range: %s\n", e.what());
	}

	try {
		std::vector<int> v(3);
		v.at(10) = 1;
	} catch (const std::exception &e) {
		std::printf("vector::at threw: %s\n", e.what()[0] ? "yes" : "no");
	}

	try {
		throw 42;
	} catch (int i) {
		std::printf("caught int %d\n", i);
	}
	try {
		throw "c string";
	} catch (const char *s) {
		std::printf("caught const char* %s\n", s);
	}

	std::exception_ptr ep;
	try {
		throw std::runtime_error("stored");
	} catch (...) {
		ep = std::current_exception();
	}
	try {
		std::rethrow_exception(ep);
	} catch (const std::runtime_error &e) {
		std::printf("exception_ptr: %s\n", e.what());
	}

	int caught = 0;
	for (int i = 0; i < 1000; i++) {
		try {
			if (i % 3 == 0)
				throw MyError("loop", i);
		} catch (const MyError &e) {
			caught += e.code;
		}
	}
	std::printf("loop caught sum: %d\n", caught);

	try {
		std::string s("abc");
		s.substr(10);
	} catch (const std::out_of_range &) {
		std::printf("substr out_of_range\n");
	}
	std::puts("ok cxx_exceptions");
	return 0;
}
