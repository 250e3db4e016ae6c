// Routing statistics against Monte Carlo counts and a trace-driven cache simulation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "moesim/model/quantile.h"
#include "moesim/model/routing.h"

using namespace moesim;

TEST_CASE("routing: expected distinct experts matches a Monte Carlo count (uniform top-k)") {
  std::mt19937_64 rng(7);
  for (const auto& [E, K, T] : {std::tuple{8, 2, 1}, {8, 2, 4}, {64, 8, 16}, {256, 8, 32}, {128, 1, 200}}) {
    INFO("E=" << E << " K=" << K << " T=" << T);
    double total = 0;
    const int trials = 4000;
    std::vector<int> experts(static_cast<std::size_t>(E));
    for (int t = 0; t < trials; ++t) {
      std::set<int> touched;
      for (int token = 0; token < T; ++token) {  // K distinct experts per token, uniformly
        std::iota(experts.begin(), experts.end(), 0);
        std::shuffle(experts.begin(), experts.end(), rng);
        touched.insert(experts.begin(), experts.begin() + K);
      }
      total += static_cast<double>(touched.size());
    }
    // E(1 - (1 - K/E)^T), REFERENCE.md §3; Monte Carlo standard error is below 0.5%.
    CHECK(expected_distinct_experts(E, K, T) == Approx(total / trials).epsilon(0.01));
  }
}

TEST_CASE("routing: uniform shares reproduce the closed form; skew lowers the count") {
  const auto uniform = expert_shares(64, RoutingSkew{});
  CHECK(expected_distinct_experts(uniform, 8, 16) == Approx(expected_distinct_experts(64, 8, 16)).epsilon(1e-12));
  const auto skewed = expert_shares(64, RoutingSkew{1.2, {}, {}});
  CHECK(expected_distinct_experts(skewed, 8, 16) < expected_distinct_experts(64, 8, 16));
  CHECK(skewed.front() > skewed.back());
  double sum = 0;
  for (double p : skewed) sum += p;
  CHECK(sum == Approx(1));
}

// Property: the experts of the devices' ranges add up to the whole; under skew the first
// device (the most popular experts) touches at least its even share, and capped experts
// (picked by every token) count once each.
TEST_CASE("routing: distinct experts per device add up, the busiest device touching the most") {
  for (double s : {0.0, 0.8, 1.5, 3.0})
    for (double tokens : {1.0, 4.0, 64.0}) {
      INFO("zipf " << s << ", " << tokens << " tokens");
      const auto shares = expert_shares(64, RoutingSkew{s, {}, {}});
      const double all = expected_distinct_experts(shares, 8, tokens);
      double sum = 0, first = 0;
      for (std::size_t d = 0; d < 8; ++d) {  // contiguous placement: device d holds [8d, 8d + 8)
        std::vector<std::size_t> held(8);
        std::iota(held.begin(), held.end(), d * 8);
        const double here = expected_distinct_experts(shares, 8, tokens, held);
        CHECK(here <= 8 + 1e-12);
        if (d == 0) first = here;
        sum += here;
      }
      CHECK(sum == Approx(all).epsilon(1e-12));
      CHECK(first >= all / 8 - 1e-12);
      CHECK(expected_distinct_experts(shares, 8, tokens, std::vector<std::size_t>{}) == 0);
    }
}

TEST_CASE("routing: the cache hit rate matches a trace-driven simulation") {
  for (double skew : {0.0, 0.8, 1.2}) {
    const auto shares = expert_shares(64, RoutingSkew{skew, {}, {}});
    for (std::int64_t capacity : {4, 16, 32}) {
      INFO("skew " << skew << " capacity " << capacity);
      // Che's approximation for LRU is accurate to about a percentage point (Fricker et al. 2012).
      CHECK(cache_hit_rate(64, shares, static_cast<double>(capacity), CachePolicy::lru) ==
            Approx(simulate_cache_hit_rate(shares, capacity, CachePolicy::lru, 200000, 11)).margin(0.015));
      CHECK(cache_hit_rate(64, shares, static_cast<double>(capacity), CachePolicy::lfu) ==
            Approx(simulate_cache_hit_rate(shares, capacity, CachePolicy::lfu, 200000, 11)).margin(0.015));
    }
  }
  CHECK(cache_hit_rate(64, {}, 16, CachePolicy::lru) == Approx(0.25));  // uniform: C/E
}

TEST_CASE("routing: device load under expert parallelism") {
  // One device holds everything: its load is all the copies.
  const DeviceLoad one = expected_device_load(64, {}, 1000, 1, 0);
  CHECK(one.expected_max == Approx(1000));
  // Eight devices: the busiest exceeds the mean 125 by about sigma*sqrt(2 ln 8).
  const DeviceLoad eight = expected_device_load(64, {}, 1000, 8, 0);
  CHECK(eight.mean == Approx(125));
  CHECK(eight.expected_max == Approx(125 + std::sqrt(1000 * (1.0 / 8) * (7.0 / 8)) * std::sqrt(2 * std::log(8.0))));
  // A capacity factor of 1 caps each device at the mean and drops the excess.
  const DeviceLoad capped = expected_device_load(64, {}, 1000, 8, 1.0);
  CHECK(capped.expected_max == Approx(125));
  CHECK(capped.dropped_fraction > 0.01);
  CHECK(capped.dropped_fraction < 0.2);
  // Skew concentrates load on the first device.
  const auto shares = expert_shares(64, RoutingSkew{1.0, {}, {}});
  CHECK(expected_device_load(64, shares, 1000, 8, 0).expected_max > eight.expected_max);
}

// Placement by hand: shares 0.4, 0.3, 0.2, 0.1 on two devices of two experts. Contiguous: the
// busiest holds {0, 1}, 0.7 of the copies. Balanced (longest processing time first): 0.4 to
// device 0, 0.3 to device 1, 0.2 to the lighter device 1 (now full), 0.1 to device 0: both 0.5,
// the first {0, 3}. Of 1000 copies the busiest device then expects its mean plus
// sigma sqrt(2 ln 2): 700 + sqrt(1000 x 0.7 x 0.3) x 1.17741 = 717.06 and 500 + sqrt(250) x
// 1.17741 = 518.62.
TEST_CASE("routing: a balanced placement spreads the popular experts, and its busiest device carries less") {
  const std::vector<double> shares{0.4, 0.3, 0.2, 0.1};
  CHECK(busiest_device_experts(shares, 2, ExpertPlacement::contiguous) == std::vector<std::size_t>{0, 1});
  const std::vector<std::size_t> balanced = busiest_device_experts(shares, 2, ExpertPlacement::balanced);
  CHECK(balanced == std::vector<std::size_t>{0, 3});
  CHECK(expected_device_load(4, shares, 1000, 2, 0).expected_max == Approx(717.06).epsilon(1e-4));
  CHECK(expected_device_load(4, shares, 1000, 2, 0, balanced).expected_max == Approx(518.62).epsilon(1e-4));
  CHECK(expected_distinct_experts(shares, 1, 1, balanced) == Approx(0.5));
  // Over Zipf skews and device counts: the busiest balanced device holds E/n experts, carries no
  // more than the contiguous one, and no less than the mean 1/n or the most popular expert.
  for (const double zipf : {0.3, 1.0, 2.0}) {
    for (const std::int64_t n : {2, 4, 8, 32}) {
      INFO("zipf " << zipf << ", " << n << " devices");
      const auto z = expert_shares(64, RoutingSkew{zipf, {}, {}});
      const auto held = busiest_device_experts(z, n, ExpertPlacement::balanced);
      REQUIRE(held.size() == static_cast<std::size_t>(64 / n));
      double q = 0, contiguous = 0;
      for (const std::size_t i : held) q += z[i];
      for (const std::size_t i : busiest_device_experts(z, n, ExpertPlacement::contiguous)) contiguous += z[i];
      CHECK(q <= contiguous + 1e-12);
      CHECK(q >= std::max(1.0 / static_cast<double>(n), z[0]) - 1e-12);
    }
  }
}

// MaxVio (Wang et al. 2024): max load / mean load - 1; given, the Zipf shape whose busiest
// expert carries 1 + MaxVio times the mean share.
TEST_CASE("routing: a max violation is the busiest expert's load over the mean, minus one") {
  for (const std::int64_t experts : {8, 64, 256})
    for (const double x : {0.0, 0.04, 0.5, 2.0, 7.0}) {
      RoutingSkew skew;
      skew.max_violation = x;
      const auto p = expert_shares(experts, skew);
      CHECK(p.front() * static_cast<double>(experts) - 1 == Approx(x).margin(1e-8));
      CHECK(std::accumulate(p.begin(), p.end(), 0.0) == Approx(1));
    }
  RoutingSkew none;
  none.max_violation = 0;  // balanced: the uniform closed forms
  CHECK_FALSE(none.skewed());
  // The busiest of 8 expert-parallel devices carries more as the violation grows.
  double last = 0;
  for (const double x : {0.0, 0.1, 0.5, 1.0, 3.0}) {
    RoutingSkew skew;
    skew.max_violation = x;
    const auto p = expert_shares(64, skew);
    const double busiest = expected_device_load(64, p, 4096 * 8.0, 8, 0).expected_max;
    CHECK(busiest >= last);
    last = busiest;
  }
}

TEST_CASE("quantile: Hyndman & Fan type 7, by hand") {
  // 1 2 3 4: the median is 2.5; q = 0.9 gives h = 2.7, 3 + 0.7 * (4 - 3) = 3.7
  CHECK(quantile({4, 1, 3, 2}, 0.5) == Approx(2.5));
  CHECK(quantile({4, 1, 3, 2}, 0.9) == Approx(3.7));
  CHECK(quantile({4, 1, 3, 2}, 0) == 1);
  CHECK(quantile({4, 1, 3, 2}, 1) == 4);
  CHECK(quantile({7}, 0.3) == 7);
  CHECK(quantile({}, 0.5) == 0);
}
