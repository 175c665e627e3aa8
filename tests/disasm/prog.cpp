// A small C++ program for the disassembler comparison (tests/disasm):
// exceptions, templates, threads and iostreams, linked statically.
#include <atomic>
#include <cmath>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

int main()
{
    std::map<std::string, double> m;
    std::atomic<long> n{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
        ts.emplace_back([&n, i] { n += i; });
    for (auto &t : ts)
        t.join();
    m["sqrt"] = std::sqrt(static_cast<double>(n.load()));
    try {
        throw std::runtime_error("caught");
    } catch (const std::exception &e) {
        std::cout << e.what() << ' ' << m["sqrt"] << '\n';
    }
    return 0;
}
