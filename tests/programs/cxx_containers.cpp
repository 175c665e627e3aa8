// The standard library: vector, map, unordered_map, set, string, sort,
// algorithms, smart pointers.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

int main()
{
	std::vector<int> v;
	unsigned x = 7;
	for (int i = 0; i < 10000; i++) {
		x = x * 1103515245u + 12345u;
		v.push_back((x >> 8) % 100000);
	}
	std::sort(v.begin(), v.end());
	std::printf("sort: sorted=%d front=%d back=%d sum=%ld\n", std::is_sorted(v.begin(), v.end()), v.front(),
		    v.back(), std::accumulate(v.begin(), v.end(), 0L));
	auto last = std::unique(v.begin(), v.end());
	v.erase(last, v.end());
	std::printf("unique: %zu\n", v.size());
	std::printf("binary_search 4242: %d lower_bound idx>0: %d\n", (int)std::binary_search(v.begin(), v.end(), 4242),
		    std::lower_bound(v.begin(), v.end(), 50000) - v.begin() > 0);

	std::map<std::string, int> m;
	const char *text = "the cat and the dog and the bird";
	std::string w;
	for (const char *p = text;; p++) {
		if (*p == ' ' || !*p) {
			m[w]++;
			w.clear();
			if (!*p)
				break;
		} else
			w += *p;
	}
	std::printf("map:");
	for (auto &kv : m)
		std::printf(" %s=%d", kv.first.c_str(), kv.second);
	std::printf("\n");

	std::unordered_map<int, std::string> um;
	for (int i = 0; i < 1000; i++)
		um[i] = std::to_string(i * i);
	std::printf("unordered_map: size=%zu um[31]=%s count(1000)=%zu\n", um.size(), um[31].c_str(), um.count(1000));

	std::set<int> s = { 5, 1, 4, 1, 5, 9, 2, 6 };
	std::printf("set:");
	for (int i : s)
		std::printf(" %d", i);
	std::printf("\n");

	std::string str = "Hello, World";
	std::string up = str;
	std::transform(up.begin(), up.end(), up.begin(), ::toupper);
	std::reverse(str.begin(), str.end());
	std::printf("string: %s %s find=%zu substr=%s\n", up.c_str(), str.c_str(), up.find("WORLD"),
		    up.substr(0, 5).c_str());
	std::string big;
	for (int i = 0; i < 1000; i++)
		big += "abc";
	std::printf("string grow: %zu\n", big.size());

	std::vector<std::unique_ptr<std::vector<int>>> owners;
	for (int i = 0; i < 100; i++)
		owners.push_back(std::make_unique<std::vector<int>>(i, i));
	long total = 0;
	for (auto &o : owners)
		total += std::accumulate(o->begin(), o->end(), 0L);
	auto sp = std::make_shared<std::string>("shared");
	auto sp2 = sp;
	std::printf("smart pointers: total=%ld use_count=%ld\n", total, sp.use_count());

	std::vector<std::pair<int, std::string>> pairs = { { 3, "c" }, { 1, "a" }, { 2, "b" }, { 1, "z" } };
	std::stable_sort(pairs.begin(), pairs.end(), [](auto &a, auto &b) { return a.first < b.first; });
	std::printf("stable_sort:");
	for (auto &p : pairs)
		std::printf(" %d%s", p.first, p.second.c_str());
	std::printf("\n");
	std::vector<int> perm = { 1, 2, 3 };
	int nperm = 0;
	do
		nperm++;
	while (std::next_permutation(perm.begin(), perm.end()));
	std::printf("permutations: %d\n", nperm);
	std::puts("ok cxx_containers");
	return 0;
}
