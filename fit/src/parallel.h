#pragma once
// The one parallel loop of moesim::fit (multi-start and bootstrap): body(i) for every i in
// [0, n) on `threads` threads (this one included), indices handed out one at a time so that
// slow starts do not hold up fast ones. Not an interface.
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace moesim::fit::detail {

template <class Body>
void parallel_for(std::size_t n, int threads, const Body& body) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) body(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace moesim::fit::detail
