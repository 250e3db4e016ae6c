#pragma once
// Routing statistics, the heart of MoE cost: which experts a batch touches, how unevenly the
// load falls on devices, and how often an expert cache hits. REFERENCE.md §3.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace moesim {

// How tokens spread over experts: uniform, Zipf with exponent s (p_i ~ 1/i^s), a measured
// per-expert histogram (shares, normalised here), or the imbalance papers report, MaxVio =
// max load / mean load - 1 (Wang et al. 2024, arXiv 2408.15664 §4.1), as the Zipf exponent
// whose busiest expert has that load.
struct RoutingSkew {
  double zipf_exponent = 0;          // 0 = uniform
  std::vector<double> histogram;     // if non-empty, overrides zipf_exponent
  std::optional<double> max_violation;  // MaxVio; excludes the other two
  bool skewed() const { return zipf_exponent > 0 || !histogram.empty() || (max_violation && *max_violation > 0); }
};

// The Zipf exponent s at which E experts' busiest one carries (1 + MaxVio) times the mean
// share: E p_1(s) = 1 + MaxVio with p_1 = 1 / sum_i i^-s, increasing in s (bisection). With
// top-K routing the busiest expert's load is K p_1 of the tokens while it stays below 1, so
// MaxVio is at most E / K - 1 (validate(Deployment, Architecture)).
double zipf_exponent_for_max_violation(std::int64_t experts, double max_violation);

// Per-expert probability that one routing pick lands on it, sorted descending, summing to 1.
std::vector<double> expert_shares(std::int64_t experts, const RoutingSkew& skew);

// The probability that one token's K picks include expert i, for `shares` sorted descending:
// the capped inclusion probabilities pi_i = min(1, s p_i) with sum pi_i = K (Sarndal,
// Swensson & Wretman 1992, Model Assisted Survey Sampling §3.6); the `capped` most popular
// experts are picked by every token.
struct InclusionProbabilities {
  double scale = 0;
  std::size_t capped = 0;
  double at(std::span<const double> shares, std::size_t i) const { return i < capped ? 1 : std::min(1.0, scale * shares[i]); }
};
InclusionProbabilities inclusion_probabilities(std::span<const double> shares, double top_k);

// Expected distinct experts touched when `tokens` tokens each pick `top_k` of E experts.
// Uniform: E*(1 - (1 - K/E)^T) (REFERENCE.md §3); skewed: sum_i 1 - (1 - pi_i)^T with pi_i the
// capped inclusion probabilities min(1, s p_i), sum pi_i = K (so one token reads K experts).
// `shares` sorted descending, as expert_shares() returns them. With `held` (indices into
// `shares`), only those experts are counted: one device's (busiest_device_experts).
double expected_distinct_experts(std::int64_t experts, double top_k, double tokens);
double expected_distinct_experts(std::span<const double> shares, double top_k, double tokens);
double expected_distinct_experts(std::span<const double> shares, double top_k, double tokens, std::span<const std::size_t> held);

// Which experts share a device when E experts of `shares` (sorted descending) are placed E/n
// on each of n expert-parallel devices:
// - contiguous: device d holds [d E/n, (d + 1) E/n), the most popular together (the worst case;
//   experts placed by index whatever their load);
// - balanced: each expert, most popular first, goes to the least-loaded device that has room
//   (longest processing time first, Graham 1969, SIAM J. Appl. Math. 17(2), with E/n experts
//   per device: DeepSeek's EPLB balanced_packing, DeepSeek-V3 report arXiv 2412.19437 §3.4).
enum class ExpertPlacement : std::uint8_t { contiguous, balanced };
std::string_view to_string(ExpertPlacement v);  // enum_names.cpp
// The experts of the device whose shares sum highest (the lowest such device), ascending.
std::vector<std::size_t> busiest_device_experts(std::span<const double> shares, std::int64_t devices, ExpertPlacement placement);

struct DeviceLoad {
  double mean = 0;          // routed token-copies per device
  double expected_max = 0;  // on the busiest device, after capacity capping
  double dropped_fraction = 0;  // of all copies, beyond capacity (0 when dropless)
};

// `copies` = tokens * K routed copies spread over `devices` devices holding E/devices experts
// each (contiguous placement, unless `busiest_experts` names the busiest device's). Expected
// maximum by the Gaussian extreme-value approximation mean + sigma*sqrt(2 ln n) of balls into
// bins (Raab & Steger 1998, Theorem 1, the heavily loaded case). capacity_factor > 0 caps each expert at cf * copies / E (Fedus et al. 2021,
// Switch Transformer §2.2); 0 = dropless.
// Empty `shares` means uniform routing over `experts` (closed form, no allocation).
DeviceLoad expected_device_load(std::int64_t experts, std::span<const double> shares, double copies,
                                std::int64_t devices, double capacity_factor, std::span<const std::size_t> busiest_experts = {});

enum class CachePolicy : std::uint8_t { lru, lfu };
std::string_view to_string(CachePolicy v);  // enum_names.cpp

// Hit rate of a cache of `capacity` experts under independent requests with these shares.
// LRU: Che's approximation (Che, Tung & Wang 2002, IEEE JSAC 20(7), Eq. 2-3): the
// characteristic time t solves sum_i (1 - e^{-p_i t}) = C, hit = sum_i p_i (1 - e^{-p_i t}).
// LFU (perfect, static popularity): the C most popular experts stay, hit = their share sum.
// Empty `shares` means uniform over `experts`: both policies give capacity / E.
double cache_hit_rate(std::int64_t experts, std::span<const double> shares, double capacity, CachePolicy policy);

// Trace-driven check of cache_hit_rate: `requests` draws from `shares`, warm-up excluded.
double simulate_cache_hit_rate(std::span<const double> shares, std::int64_t capacity, CachePolicy policy,
                               std::int64_t requests, std::uint64_t seed);

}  // namespace moesim
