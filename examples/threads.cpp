// Four std::threads share work through std::atomic counters and a mutex;
// the result is deterministic however the threads interleave.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

int main()
{
	const int nthreads = 4, per_thread = 250000;
	std::atomic<long> hits{0};
	std::atomic<long> sum{0};
	std::mutex mu;
	std::vector<int> finished;
	std::vector<std::thread> pool;
	for (int t = 0; t < nthreads; t++)
		pool.emplace_back([&, t] {
			long local = 0;
			for (int i = 0; i < per_thread; i++) {
				hits.fetch_add(1, std::memory_order_relaxed);
				local += i % 7;
			}
			sum += local;
			std::lock_guard<std::mutex> g(mu);
			finished.push_back(t);
		});
	for (auto &th : pool)
		th.join();
	std::printf("%d threads: %ld atomic increments, sum %ld, %zu finished\n", nthreads, hits.load(), sum.load(),
		    finished.size());
	return hits == long(nthreads) * per_thread ? 0 : 1;
}
