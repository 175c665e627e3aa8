// iostreams: cout formatting, stringstreams, file streams, manipulators.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>

int main()
{
	std::cout << "hello from iostream " << 42 << ' ' << 3.5 << std::endl;
	std::cout << std::hex << 255 << ' ' << std::oct << 8 << ' ' << std::dec << 10 << '\n';
	std::cout << std::setw(8) << std::setfill('*') << 123 << '|' << std::left << std::setw(6) << "ab" << "|\n";
	std::cout << std::setfill(' ') << std::right;
	std::cout << std::fixed << std::setprecision(3) << 3.14159265 << ' ' << std::scientific << 12345.678 << '\n';
	std::cout << std::defaultfloat << std::setprecision(6) << 0.1 + 0.2 << ' ' << 1e100 << '\n';
	std::cout << std::boolalpha << true << ' ' << false << '\n';

	std::istringstream in("10 20 30 forty 50");
	int a, sum = 0;
	while (in >> a)
		sum += a;
	std::cout << "parsed sum=" << sum << " failed=" << in.fail() << '\n';

	std::ostringstream os;
	os << "built " << 7 << '/' << 2.25;
	std::cout << os.str() << " len=" << os.str().size() << '\n';

	const char *tmp = std::getenv("TMPDIR");
	std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/iostream." + std::to_string(getpid());
	{
		std::ofstream f(path);
		for (int i = 0; i < 100; i++)
			f << "row " << i << ' ' << i * i << '\n';
	}
	std::ifstream f(path);
	std::string word;
	int idx, sq;
	long total = 0;
	int rows = 0;
	while (f >> word >> idx >> sq) {
		total += sq;
		rows++;
	}
	std::cout << "file rows=" << rows << " total=" << total << '\n';
	f.close();
	std::remove(path.c_str());

	std::string line;
	std::istringstream lines("first line\nsecond line\n\nfourth");
	int count = 0;
	while (std::getline(lines, line))
		count++;
	std::cout << "getline count=" << count << " last=" << line << '\n';
	std::cerr << "this goes to stderr\n";
	std::cout << "ok cxx_iostream" << std::endl;
	return 0;
}
