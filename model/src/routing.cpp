#include "moesim/model/routing.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <list>
#include <numeric>
#include <queue>
#include <random>
#include <unordered_map>

namespace moesim {

double zipf_exponent_for_max_violation(std::int64_t experts, double max_violation) {
  const double target = (1 + max_violation) / static_cast<double>(experts);  // p_1
  std::vector<double> log_rank(static_cast<std::size_t>(std::max<std::int64_t>(experts, 0)));
  for (std::size_t i = 0; i < log_rank.size(); ++i) log_rank[i] = std::log(static_cast<double>(i + 1));
  auto first_share = [&](double s) {
    double sum = 0;
    for (double l : log_rank) sum += std::exp(-s * l);
    return 1 / sum;
  };
  double lo = 0, hi = 60;  // p_1(60) = 1 - 1e-18 for any E: every MaxVio below E - 1
  for (int i = 0; i < 100 && hi - lo > 1e-10; ++i) {
    const double mid = 0.5 * (lo + hi);
    (first_share(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

std::vector<double> expert_shares(std::int64_t experts, const RoutingSkew& skew) {
  std::vector<double> p;
  if (!skew.histogram.empty()) {
    p = skew.histogram;
  } else {
    const double s = skew.max_violation ? zipf_exponent_for_max_violation(experts, *skew.max_violation) : skew.zipf_exponent;
    p.resize(static_cast<std::size_t>(std::max<std::int64_t>(experts, 0)));
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::pow(static_cast<double>(i + 1), -s);
  }
  const double sum = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= sum;
  std::sort(p.begin(), p.end(), std::greater<>());
  return p;
}

double expected_distinct_experts(std::int64_t experts, double top_k, double tokens) {
  const double E = static_cast<double>(experts);
  return E * (1 - std::pow(1 - top_k / E, tokens));
}

InclusionProbabilities inclusion_probabilities(std::span<const double> shares, double top_k) {
  // A token picks K distinct experts, so expert i is among its picks with probability
  // pi_i = min(1, s p_i), s chosen so that sum pi_i = K: the capped inclusion probabilities of
  // sampling K without replacement in proportion to size. Shares are sorted descending, so the
  // capped experts are a prefix; with min(1, K p_i) alone a skewed router would read fewer
  // than K experts.
  const double n = static_cast<double>(shares.size());
  const double k = std::min(top_k, n);
  double rest = 0;  // the shares not yet capped
  for (double p : shares) rest += p;
  InclusionProbabilities pi;
  pi.scale = rest > 0 ? k / rest : 0;
  while (pi.capped < shares.size() && shares[pi.capped] * pi.scale > 1) {
    rest -= shares[pi.capped++];
    pi.scale = rest > 0 ? (k - static_cast<double>(pi.capped)) / rest : 0;
  }
  return pi;
}

namespace {

// the capped prefix is picked by every token
double distinct_term(std::span<const double> shares, const InclusionProbabilities& pi, std::size_t i, double tokens) {
  return i < pi.capped ? 1 : 1 - std::pow(1 - pi.at(shares, i), tokens);
}

}  // namespace

double expected_distinct_experts(std::span<const double> shares, double top_k, double tokens) {
  const InclusionProbabilities pi = inclusion_probabilities(shares, top_k);
  double distinct = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) distinct += distinct_term(shares, pi, i, tokens);
  return distinct;
}

double expected_distinct_experts(std::span<const double> shares, double top_k, double tokens, std::span<const std::size_t> held) {
  const InclusionProbabilities pi = inclusion_probabilities(shares, top_k);
  double distinct = 0;
  for (const std::size_t i : held) distinct += distinct_term(shares, pi, i, tokens);
  return distinct;
}

std::vector<std::size_t> busiest_device_experts(std::span<const double> shares, std::int64_t devices, ExpertPlacement placement) {
  const std::size_t n = static_cast<std::size_t>(std::max<std::int64_t>(devices, 1)), per = shares.size() / n;
  std::vector<std::size_t> held;
  if (placement == ExpertPlacement::contiguous) {  // device 0 holds the most popular
    for (std::size_t i = 0; i < per; ++i) held.push_back(i);
    return held;
  }
  // Longest processing time first: a min-heap of (load, device) over the devices with room.
  using Slot = std::pair<double, std::size_t>;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<>> lightest;
  for (std::size_t d = 0; d < n; ++d) lightest.push({0.0, d});
  std::vector<std::size_t> device(shares.size()), count(n);
  std::vector<double> load(n);
  for (std::size_t i = 0; i < n * per; ++i) {
    const std::size_t d = lightest.top().second;
    lightest.pop();
    device[i] = d;
    load[d] += shares[i];
    if (++count[d] < per) lightest.push({load[d], d});
  }
  const auto busiest = static_cast<std::size_t>(std::max_element(load.begin(), load.end()) - load.begin());
  for (std::size_t i = 0; i < n * per; ++i)
    if (device[i] == busiest) held.push_back(i);
  return held;
}

namespace {

double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI); }
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// E[(X - cap)+] for X ~ N(mu, sigma^2).
double expected_excess(double mu, double sigma, double cap) {
  if (sigma <= 0) return std::max(0.0, mu - cap);
  const double z = (cap - mu) / sigma;
  return sigma * normal_pdf(z) + (mu - cap) * (1 - normal_cdf(z));
}

}  // namespace

DeviceLoad expected_device_load(std::int64_t experts, std::span<const double> shares, double copies,
                                std::int64_t devices, double capacity_factor, std::span<const std::size_t> busiest_experts) {
  DeviceLoad load;
  const auto n = static_cast<std::size_t>(std::max<std::int64_t>(devices, 1));
  const bool uniform = shares.empty();
  const std::size_t E = uniform ? static_cast<std::size_t>(std::max<std::int64_t>(experts, 0)) : shares.size();
  load.mean = copies / static_cast<double>(n);
  load.expected_max = load.mean;
  if (E == 0 || copies <= 0) return load;
  // The busiest device's share of the copies: its named experts' (another placement), else the
  // largest under contiguous placement, device d holding experts [d*E/n, (d+1)*E/n) (uniform:
  // every device alike when n divides E).
  double q = 0;
  if (!uniform && !busiest_experts.empty()) {
    for (const std::size_t i : busiest_experts) q += shares[i];
  } else {
    for (std::size_t d = 0; d < n; ++d) {
      double q_d = 0;
      if (uniform) q_d = static_cast<double>((d + 1) * E / n - d * E / n) / static_cast<double>(E);
      else for (std::size_t i = d * E / n; i < (d + 1) * E / n; ++i) q_d += shares[i];
      q = std::max(q, q_d);
      if (uniform) break;
    }
  }
  const double busiest = copies * q, busiest_sigma = std::sqrt(copies * q * (1 - q));
  const double spread = n > 1 ? busiest_sigma * std::sqrt(2 * std::log(static_cast<double>(n))) : 0;
  load.expected_max = std::min(copies, busiest + spread);
  if (capacity_factor > 0) {
    const double cap = capacity_factor * copies / static_cast<double>(E);  // per expert
    double dropped = 0;
    if (uniform) {
      const double p = 1 / static_cast<double>(E);
      dropped = static_cast<double>(E) * expected_excess(copies * p, std::sqrt(copies * p * (1 - p)), cap);
    } else {
      for (double p : shares) dropped += expected_excess(copies * p, std::sqrt(copies * p * (1 - p)), cap);
    }
    load.dropped_fraction = dropped / copies;
    load.expected_max = std::min(load.expected_max, cap * static_cast<double>(E) / static_cast<double>(n));
  }
  return load;
}

double cache_hit_rate(std::int64_t experts, std::span<const double> shares, double capacity, CachePolicy policy) {
  if (shares.empty()) return experts > 0 ? std::clamp(capacity / static_cast<double>(experts), 0.0, 1.0) : 0.0;
  const double E = static_cast<double>(shares.size());
  if (capacity >= E) return 1.0;
  if (capacity <= 0) return 0.0;
  if (policy == CachePolicy::lfu) {
    // shares are sorted descending: the top C stay, a fractional last slot counts pro rata
    double hit = 0, room = capacity;
    for (double p : shares) {
      hit += p * std::min(1.0, room);
      room -= 1;
      if (room <= 0) break;
    }
    return hit;
  }
  auto occupancy = [&](double t) {
    double s = 0;
    for (double p : shares) s += 1 - std::exp(-p * t);
    return s;
  };
  double lo = 0, hi = 1;
  while (occupancy(hi) < capacity && hi < 1e300) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (occupancy(mid) < capacity ? lo : hi) = mid;
  }
  const double t = 0.5 * (lo + hi);
  double hit = 0;
  for (double p : shares) hit += p * (1 - std::exp(-p * t));
  return hit;
}

double simulate_cache_hit_rate(std::span<const double> shares, std::int64_t capacity, CachePolicy policy,
                               std::int64_t requests, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::discrete_distribution<std::size_t> pick(shares.begin(), shares.end());
  const auto C = static_cast<std::size_t>(std::max<std::int64_t>(capacity, 0));
  std::list<std::size_t> order;  // LRU: front = most recent
  std::unordered_map<std::size_t, std::list<std::size_t>::iterator> where;
  std::vector<std::int64_t> counts(shares.size(), 0);  // LFU: request counts so far
  std::vector<bool> cached(shares.size(), false);
  std::size_t cached_count = 0;
  std::int64_t hits = 0, counted = 0;
  const std::int64_t warmup = requests / 10;
  for (std::int64_t r = 0; r < requests; ++r) {
    const std::size_t e = pick(rng);
    bool hit = false;
    if (policy == CachePolicy::lru) {
      const auto it = where.find(e);
      hit = it != where.end();
      if (hit) order.erase(it->second);
      order.push_front(e);
      where[e] = order.begin();
      if (order.size() > C) {
        where.erase(order.back());
        order.pop_back();
      }
    } else {
      ++counts[e];
      hit = cached[e];
      if (!hit && C > 0) {
        if (cached_count < C) {
          cached[e] = true;
          ++cached_count;
        } else {  // evict the least frequently requested cached expert if e is now more popular
          std::size_t victim = shares.size();
          for (std::size_t i = 0; i < shares.size(); ++i)
            if (cached[i] && (victim == shares.size() || counts[i] < counts[victim])) victim = i;
          if (counts[e] > counts[victim]) {
            cached[victim] = false;
            cached[e] = true;
          }
        }
      }
    }
    if (r >= warmup) {
      hits += hit;
      ++counted;
    }
  }
  return counted > 0 ? static_cast<double>(hits) / static_cast<double>(counted) : 0;
}

}  // namespace moesim
