// std::thread with std::atomic, std::mutex, std::condition_variable,
// std::async/future, thread_local.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <numeric>
#include <queue>
#include <thread>
#include <vector>

static thread_local int tl = 0;

int main()
{
	std::atomic<long> acount{0};
	long mcount = 0;
	std::mutex mu;
	std::vector<std::thread> ts;
	for (int t = 0; t < 4; t++)
		ts.emplace_back([&, t] {
			tl = t;
			for (int i = 0; i < 10000; i++) {
				acount.fetch_add(1, std::memory_order_relaxed);
				std::lock_guard<std::mutex> g(mu);
				mcount++;
			}
		});
	for (auto &t : ts)
		t.join();
	std::printf("atomic=%ld mutex=%ld tl_main=%d\n", acount.load(), mcount, tl);

	std::queue<int> q;
	std::condition_variable cv;
	bool done = false;
	long consumed = 0;
	std::thread consumer([&] {
		std::unique_lock<std::mutex> lk(mu);
		for (;;) {
			cv.wait(lk, [&] { return !q.empty() || done; });
			while (!q.empty()) {
				consumed += q.front();
				q.pop();
			}
			if (done)
				break;
		}
	});
	for (int i = 1; i <= 500; i++) {
		{
			std::lock_guard<std::mutex> g(mu);
			q.push(i);
		}
		cv.notify_one();
	}
	{
		std::lock_guard<std::mutex> g(mu);
		done = true;
	}
	cv.notify_one();
	consumer.join();
	std::printf("condition_variable: consumed=%ld\n", consumed);

	std::vector<std::future<long>> fs;
	for (int k = 0; k < 4; k++)
		fs.push_back(std::async(std::launch::async, [k] {
			long s = 0;
			for (int i = k * 1000; i < (k + 1) * 1000; i++)
				s += i;
			return s;
		}));
	long total = 0;
	for (auto &f : fs)
		total += f.get();
	std::printf("async: total=%ld\n", total);

	std::atomic<int> flag{0};
	std::thread spinner([&] { while (flag.load() == 0) std::this_thread::yield(); flag = 2; });
	flag = 1;
	spinner.join();
	std::printf("spin handoff: %d hw_concurrency>0=%d\n", flag.load(), std::thread::hardware_concurrency() > 0);
	bool ok = acount == 40000 && mcount == 40000 && consumed == 125250 && total == 7998000;
	std::puts(ok ? "ok cxx_threads" : "FAILED cxx_threads");
	return ok ? 0 : 1;
}
