#include "moesim/fit/optimize.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <optional>
#include <tuple>

#include "family_table.h"

namespace moesim::fit {
namespace {

using detail::WidthPoint;

// One member of the space: (K, G, format, E) with its width grid, and the placements found
// for its widths (computed on demand, kept across budgets).
struct Column {
  Family family;
  std::int64_t experts = 0;
  double sparsity = 0;
  bool most_experts = false;  // the largest E searched for this K
  std::vector<WidthPoint> widths;
  std::vector<std::optional<Placement>> placed;
};

struct Point {
  std::uint32_t column, width;
};

// A point at one budget: the training FLOPs left, the data, the loss and the costs.
struct Priced {
  bool possible = false;  // the budget buys at least one training token
  double train_flops = 0, tokens = 0, loss = 0;
  double training_device_hours = 0, inference_device_hours = 0;
};

constexpr std::uint8_t bit(Limit l) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(l)); }

// The limits a design breaks, as bits of Limit: its total size, its weights + KV bytes, its
// placement (null: it fits no split of the devices) and its training device-hours.
unsigned broken(const OptimizeOptions& o, double total_params, double memory_bytes, const Placement* placement,
                double training_device_hours) {
  const Limits& L = o.limits;
  unsigned v = 0;
  if (total_params > L.max_total_params) v |= bit(Limit::params);
  if (memory_bytes > L.max_memory_bytes) v |= bit(Limit::memory);
  if (!o.serving.hw) return v;
  if (!placement) {
    v |= bit(Limit::memory);  // the serving devices' memory; its latency is then unknown
  } else {
    if (placement->decode_step_s > L.max_decode_step_s) v |= bit(Limit::decode_latency);
    if (placement->decode_tokens_per_s < L.min_decode_tokens_per_s) v |= bit(Limit::throughput);
  }
  if (std::isfinite(L.max_train_hours) && training_device_hours / static_cast<double>(L.train_devices) > L.max_train_hours)
    v |= bit(Limit::train_hours);
  return v;
}

// Training FLOP/s of one device: the profile's large-GEMM efficiency in bf16 (the plateau of its curves).
double train_flop_per_s(const Hardware& hw) {
  return peak_flop_per_s(hw, ComputeFormat::bf16) * hw.gemm_by_tokens.at(1e9) * hw.gemm_by_width.at(1e9);
}

// The design served as the options say: decode of the serving batch at its context.
Placement serve(const Architecture& a, const Serving& s) {
  Workload w;
  w.phase = Phase::decode;
  w.batch = s.batch;
  w.context = s.context;
  PlacementOptions po;
  po.devices = s.devices;
  return place(a, w, *s.hw, po);
}

class Search {
 public:
  Search(const Law& law, const ParamVector& params, const OptimizeOptions& o) : law_(law), params_(params), o_(o) {
    const DesignSpace& s = o.space;
    for (const NumberFormat& format : s.weight_formats)
      for (double g : s.granularity)
        for (std::int64_t k : s.top_k) {
          Family f = s.family;
          f.top_k = k;
          f.granularity = g;
          f.weight_format = format;
          std::vector<std::int64_t> counts;
          if (!s.experts.empty()) {
            for (std::int64_t e : s.experts)
              if (e >= k) counts.push_back(e);
          } else {
            for (std::size_t i = 0; i < s.sparsity_levels; ++i) {
              const double sp = s.sparsity_levels == 1 ? 0 : s.max_sparsity * static_cast<double>(i) / static_cast<double>(s.sparsity_levels - 1);
              counts.push_back(detail::experts_for(f, sp));
            }
          }
          std::sort(counts.begin(), counts.end());
          counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
          for (std::int64_t e : counts) {
            Column c;
            c.family = f;
            c.experts = e;
            c.sparsity = 1 - static_cast<double>(k) / static_cast<double>(e);
            c.most_experts = counts.size() > 1 && e == counts.back();
            c.widths = detail::width_table(f, e, s.min_d_model, s.max_d_model, s.width_points);
            c.placed.resize(c.widths.size());
            columns_.push_back(std::move(c));
          }
        }
    if (const Hardware* hw = o.serving.hw) {
      train_flop_per_s_ = train_flop_per_s(*hw);
      max_devices_ = o.serving.devices > 0 ? o.serving.devices : PlacementOptions{}.max_search_devices;
    }
  }

  ConstrainedOptimum solve(double budget) {
    ConstrainedOptimum r;
    r.budget = budget;
    const Walk with = walk(budget, o_.objective.inference_tokens);
    r.feasible = with.best.has_value();
    if (with.unconstrained) {
      r.unconstrained_feasible = true;
      r.unconstrained = design(*with.unconstrained, budget, o_.objective.inference_tokens);
    }
    if (!r.feasible) {
      r.reason = with.any_possible ? "no design of the space meets the limits at this budget"
                                   : "the budget does not buy one training token after serving";
      return r;
    }
    r.best = design(with.best->first, budget, o_.objective.inference_tokens);
    for (std::size_t l = 0; l < kLimitCount; ++l)
      if (with.best_without[l] && with.best_without[l]->second < with.best_loss - 1e-12) r.binding.push_back(static_cast<Limit>(l));
    if (o_.objective.inference_tokens > 0) {
      // The inference charge binds when serving changes which design is best.
      const Walk free = walk(budget, 0);
      if (free.best && !same_design(free.best->first, with.best->first)) r.binding.push_back(Limit::inference);
    }
    if (r.binding.empty() && with.unconstrained && with.unconstrained_loss < with.best_loss - 1e-12) {
      // No single limit's removal helps: the limits that stop the next wider design bind jointly.
      const Point p = with.best->first;
      if (p.width + 1 < columns_[p.column].widths.size())
        for (std::size_t l = 0; l < kLimitCount; ++l)
          if (violations({p.column, p.width + 1}, budget, o_.objective.inference_tokens) & (1u << l))
            r.binding.push_back(static_cast<Limit>(l));
    }
    r.at_bound = bounds(with.best->first);
    for (const Point& p : with.alternatives) r.alternatives.push_back(design(p, budget, o_.objective.inference_tokens));
    return r;
  }

 private:
  struct Walk {
    std::optional<std::pair<Point, double>> best;  // (point, loss)
    double best_loss = INFINITY;
    std::optional<Point> unconstrained;
    double unconstrained_loss = INFINITY;
    std::array<std::optional<std::pair<Point, double>>, kLimitCount> best_without{};  // violating only that limit
    std::vector<Point> alternatives;
    bool any_possible = false;
  };

  const WidthPoint& at(Point p) const { return columns_[p.column].widths[p.width]; }

  Observation observation(Point p, double tokens) const {
    const Column& c = columns_[p.column];
    const WidthPoint& w = at(p);
    Observation ob;
    ob.total_params = w.total;
    ob.active_params = w.active;
    ob.tokens = tokens;
    ob.sparsity = c.sparsity;
    ob.experts = static_cast<double>(c.experts);
    ob.granularity = c.family.granularity;
    return ob;
  }

  bool needs_serving_cost(double inference_tokens) const {
    return o_.objective.unit == BudgetUnit::device_hours && inference_tokens > 0;
  }

  // The decode placement of a point, found once.
  const Placement& placement(Point p) {
    std::optional<Placement>& slot = columns_[p.column].placed[p.width];
    if (!slot) {
      const Column& c = columns_[p.column];
      slot = serve(family_architecture_with_experts(c.family, at(p).d_model, c.experts), o_.serving);
    }
    return *slot;
  }

  // Can the point be placed at all? Cheap refusal first: weights and KV cache shared evenly
  // over the most devices allowed must fit one device.
  bool fits(Point p) {
    const WidthPoint& w = at(p);
    const double kv = w.kv_bytes_per_token * static_cast<double>(o_.serving.batch * o_.serving.context);
    if ((w.weights_bytes + kv) / static_cast<double>(max_devices_) > o_.serving.hw->memory_bytes) return false;
    return placement(p).fits;
  }

  // Device-hours to decode `tokens` on the point's placement (which must fit).
  double serving_device_hours(Point p, double tokens) {
    const Placement& pl = placement(p);
    return tokens / pl.decode_tokens_per_s * static_cast<double>(pl.devices) / 3600;
  }

  Priced price(Point p, double budget, double inference_tokens) {
    Priced r;
    const WidthPoint& w = at(p);
    if (o_.objective.unit == BudgetUnit::flops) {
      r.train_flops = budget - 2 * w.active * inference_tokens;  // Ludziejewski et al. 2025 §4.4
    } else {
      if (needs_serving_cost(inference_tokens)) {
        if (!fits(p)) return r;
        r.inference_device_hours = serving_device_hours(p, inference_tokens);
      }
      r.train_flops = (budget - r.inference_device_hours) * 3600 * train_flop_per_s_;
    }
    r.tokens = r.train_flops / w.flops_per_token;
    if (!(r.tokens >= 1)) return r;
    r.possible = true;
    if (train_flop_per_s_ > 0) {
      r.training_device_hours = r.train_flops / train_flop_per_s_ / 3600;
      if (o_.objective.unit == BudgetUnit::flops && inference_tokens > 0 && fits(p))
        r.inference_device_hours = serving_device_hours(p, inference_tokens);
    }
    r.loss = law_.loss(params_, observation(p, r.tokens));
    return r;
  }

  // The lowest loss the point can have at this budget (exact unless serving is charged in
  // device-hours, whose cost is never negative).
  double lower_bound(Point p, double budget, double inference_tokens) const {
    const WidthPoint& w = at(p);
    const double train = o_.objective.unit == BudgetUnit::flops ? budget - 2 * w.active * inference_tokens
                                                                : budget * 3600 * train_flop_per_s_;
    const double tokens = train / w.flops_per_token;
    return tokens >= 1 ? law_.loss(params_, observation(p, tokens)) : INFINITY;
  }

  // The limits a point breaks, as bits of Limit.
  unsigned violations(Point p, double budget, double inference_tokens) {
    const WidthPoint& w = at(p);
    const Placement* pl = o_.serving.hw && fits(p) ? &placement(p) : nullptr;
    const double train_hours = std::isfinite(o_.limits.max_train_hours) ? price(p, budget, inference_tokens).training_device_hours : 0;
    return broken(o_, w.total, w.weights_bytes + w.kv_bytes_per_token * o_.limits.kv_tokens, pl, train_hours);
  }

  // Every point by its lowest possible loss at this budget (kept for the next walk at the same
  // budget: a trade-off walks one budget many times).
  const std::vector<std::pair<double, Point>>& order_at(double budget, double inference_tokens) {
    if (order_.budget == budget && order_.inference_tokens == inference_tokens) return order_.points;
    std::vector<std::pair<double, Point>>& order = order_.points;
    order.clear();
    for (std::uint32_t c = 0; c < columns_.size(); ++c)
      for (std::uint32_t i = 0; i < columns_[c].widths.size(); ++i) {
        const double lb = lower_bound({c, i}, budget, inference_tokens);
        if (std::isfinite(lb)) order.push_back({lb, {c, i}});
      }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      return std::tie(a.second.column, a.second.width) < std::tie(b.second.column, b.second.width);
    });
    order_.budget = budget;
    order_.inference_tokens = inference_tokens;
    return order;
  }

  // Every point in order of its lowest possible loss; stops once nothing later can matter.
  Walk walk(double budget, double inference_tokens) {
    const std::vector<std::pair<double, Point>>& order = order_at(budget, inference_tokens);
    Walk r;
    r.any_possible = !order.empty();
    // Charged in device-hours, serving needs a placement even without limits.
    const bool charge_serving = needs_serving_cost(inference_tokens);
    for (const auto& [lb, p] : order) {
      const double horizon = r.best ? r.best_loss + (o_.alternatives > 0 ? o_.alternative_margin : 0) : INFINITY;
      if (lb > horizon && lb >= r.unconstrained_loss) break;  // nothing later can matter
      const Priced pr = price(p, budget, inference_tokens);
      if (!pr.possible) continue;
      if (pr.loss < r.unconstrained_loss && (!charge_serving || fits(p))) {
        r.unconstrained = p;
        r.unconstrained_loss = pr.loss;
      }
      if (lb > horizon) continue;
      const unsigned v = violations(p, budget, inference_tokens);
      if (v == 0) {
        if (pr.loss < r.best_loss) {
          r.best = {p, pr.loss};
          r.best_loss = pr.loss;
        }
      } else if (std::popcount(v) == 1) {
        auto& slot = r.best_without[static_cast<std::size_t>(std::countr_zero(v))];
        if (!slot || pr.loss < slot->second) slot = std::make_pair(p, pr.loss);
      }
    }
    if (r.best) r.alternatives = alternatives(order, r, budget, inference_tokens);
    return r;
  }

  // The next best feasible designs, each a different (E, K, G, format), within the margin.
  std::vector<Point> alternatives(const std::vector<std::pair<double, Point>>& order, const Walk& w, double budget,
                                  double inference_tokens) {
    std::vector<std::pair<double, Point>> found;
    std::vector<std::uint32_t> seen{w.best->first.column};
    if (o_.alternatives == 0) return {};
    for (const auto& [lb, p] : order) {
      if (lb > w.best_loss + o_.alternative_margin) break;
      if (std::find(seen.begin(), seen.end(), p.column) != seen.end()) continue;
      const Priced pr = price(p, budget, inference_tokens);
      if (!pr.possible || pr.loss > w.best_loss + o_.alternative_margin) continue;
      if (violations(p, budget, inference_tokens) != 0) continue;
      found.push_back({pr.loss, p});
    }
    // the best width of each column
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Point> out;
    for (const auto& [loss, p] : found) {
      if (std::find(seen.begin(), seen.end(), p.column) != seen.end()) continue;
      seen.push_back(p.column);
      out.push_back(p);
      if (out.size() == o_.alternatives) break;
    }
    return out;
  }

  bool same_design(Point a, Point b) const { return a.column == b.column && a.width == b.width; }

  std::vector<std::string_view> bounds(Point p) const {
    const Column& c = columns_[p.column];
    const DesignSpace& s = o_.space;
    std::vector<std::string_view> out;
    if (c.most_experts) out.push_back(s.experts.empty() ? "max_sparsity" : "max_experts");
    if (p.width + 1 == c.widths.size()) out.push_back("max_d_model");
    if (p.width == 0) out.push_back("min_d_model");
    // A list of one value is the user's choice, not a search; 1 is a natural floor for both.
    const auto [k_lo, k_hi] = std::minmax_element(s.top_k.begin(), s.top_k.end());
    if (*k_lo != *k_hi && c.family.top_k == *k_hi) out.push_back("max_top_k");
    if (*k_lo != *k_hi && *k_lo > 1 && c.family.top_k == *k_lo) out.push_back("min_top_k");
    const auto [g_lo, g_hi] = std::minmax_element(s.granularity.begin(), s.granularity.end());
    if (*g_lo != *g_hi && c.family.granularity == *g_hi) out.push_back("max_granularity");
    if (*g_lo != *g_hi && *g_lo > 1 && c.family.granularity == *g_lo) out.push_back("min_granularity");
    return out;
  }

  Design design(Point p, double budget, double inference_tokens) {
    const Column& c = columns_[p.column];
    const WidthPoint& w = at(p);
    const Priced pr = price(p, budget, inference_tokens);
    Design d;
    Candidate& k = d.candidate;
    k.sparsity = c.sparsity;
    k.experts = c.experts;
    k.d_model = w.d_model;
    k.layers = w.layers;
    k.total_params = w.total;
    k.active_params = w.active;
    k.flops_per_token = w.flops_per_token;
    k.tokens = pr.tokens;
    k.loss = pr.loss;
    k.budget_flops = pr.train_flops;
    d.top_k = c.family.top_k;
    d.granularity = c.family.granularity;
    d.weight_format = c.family.weight_format;
    d.memory_bytes = w.weights_bytes + w.kv_bytes_per_token * o_.limits.kv_tokens;
    if (o_.serving.hw) {
      if (fits(p)) d.placement = placement(p);
      d.training_device_hours = pr.training_device_hours;
      d.inference_device_hours = pr.inference_device_hours;
    }
    return d;
  }

  const Law& law_;
  const ParamVector& params_;
  const OptimizeOptions& o_;
  std::vector<Column> columns_;
  struct {
    double budget = NAN, inference_tokens = NAN;
    std::vector<std::pair<double, Point>> points;
  } order_;
  double train_flop_per_s_ = 0;
  std::int64_t max_devices_ = 1;
};

}  // namespace

std::string_view to_string(Limit limit) {
  static constexpr std::string_view names[kLimitCount] = {"params", "memory", "decode_latency", "throughput", "train_hours", "inference"};
  return names[static_cast<std::size_t>(limit)];
}

Architecture design_architecture(const Family& family, const Design& d) {
  Family f = family;
  f.top_k = d.top_k;
  f.granularity = d.granularity;
  f.weight_format = d.weight_format;
  return family_architecture_with_experts(f, d.candidate.d_model, d.candidate.experts);
}

void validate(const DesignSpace& s, Diagnostics& out) {
  auto bad = [&](const char* path, const char* code, const std::string& message) { out.push_back({path, code, message}); };
  if (s.top_k.empty()) bad("top_k", "empty", "needs at least one K");
  for (std::int64_t k : s.top_k)
    if (k < 1 || k > 1024) bad("top_k", "out_of_range", "K " + std::to_string(k) + " must be in [1, 1024]");
  if (s.granularity.empty()) bad("granularity", "empty", "needs at least one G");
  for (double g : s.granularity)
    if (!(g >= 1 && g <= 256)) bad("granularity", "out_of_range", "G " + std::to_string(g) + " must be in [1, 256]");
  for (std::int64_t e : s.experts)
    if (e < 1 || e > 65536) bad("experts", "out_of_range", "E " + std::to_string(e) + " must be in [1, 65536]");
  if (!s.experts.empty() && *std::max_element(s.experts.begin(), s.experts.end()) < *std::min_element(s.top_k.begin(), s.top_k.end()))
    bad("experts", "out_of_range", "every expert count is below the smallest top-k");
  if (s.weight_formats.empty()) bad("weight_format", "empty", "needs at least one format");
}

void validate(const OptimizeOptions& o, Diagnostics& out) {
  validate(o.space, out);
  auto bad = [&](const char* path, const char* code, const std::string& message) { out.push_back({path, code, message}); };
  const Limits& L = o.limits;
  auto positive = [&](const char* path, double v) {
    if (!(v > 0)) bad(path, "out_of_range", "must be > 0");
  };
  positive("max_params", L.max_total_params);
  positive("max_memory", L.max_memory_bytes);
  positive("max_decode_latency", L.max_decode_step_s);
  positive("max_train_hours", L.max_train_hours);
  if (!(L.kv_tokens >= 0 && L.kv_tokens <= 1e15)) bad("kv_tokens", "out_of_range", "must be in [0, 1e15]");
  if (!(L.min_decode_tokens_per_s >= 0 && std::isfinite(L.min_decode_tokens_per_s))) bad("min_decode_throughput", "out_of_range", "must be a finite number >= 0");
  if (!(o.objective.inference_tokens >= 0 && o.objective.inference_tokens <= 1e18)) bad("inference_tokens", "out_of_range", "must be in [0, 1e18]");
  const bool hardware_needed = std::isfinite(L.max_decode_step_s) || L.min_decode_tokens_per_s > 0 || std::isfinite(L.max_train_hours) ||
                               o.objective.unit == BudgetUnit::device_hours || o.serving.devices > 0;
  if (hardware_needed && !o.serving.hw) bad("hw", "missing", "decode latency, throughput, training hours, device-hour budgets and --devices need a hardware profile");
  if (std::isfinite(L.max_train_hours) && L.train_devices < 1) bad("train_devices", "missing", "a training wall-clock limit needs the number of training devices (>= 1)");
  if (o.serving.devices < 0 || o.serving.devices > 65536) bad("devices", "out_of_range", "must be in [0, 65536] (0: the fewest that fit)");
  if (o.serving.batch < 1 || o.serving.batch > (1 << 20)) bad("serve_batch", "out_of_range", "must be in [1, 1048576]");
  if (o.serving.context < 1 || o.serving.context > (1 << 24)) bad("serve_context", "out_of_range", "must be in [1, 16777216]");
  if (o.alternatives > 100) bad("alternatives", "out_of_range", "must be in [0, 100]");
  if (o.budgets.empty()) bad("budgets", "empty", "needs at least one budget");
  // FLOPs from one training step of a toy model to far past any run; device-hours likewise.
  for (double b : o.budgets)
    if (!(b >= 1e-3 && b <= 1e40)) {
      char value[32];
      std::snprintf(value, sizeof value, "%.6g", b);
      bad("budgets", "out_of_range", std::string("budget ") + value + " must be in [1e-3, 1e40]");
      break;
    }
}

std::vector<Limit> broken_limits(const OptimizeOptions& o, const Family& family, const Design& d) {
  const Architecture a = design_architecture(family, d);
  Workload w;
  w.phase = Phase::train;
  w.context = family.context;
  const Estimate e = estimate(a, w);
  std::optional<Placement> placed;
  if (o.serving.hw) placed = serve(a, o.serving);
  const double train_hours = o.serving.hw ? d.candidate.budget_flops / train_flop_per_s(*o.serving.hw) / 3600 : 0;
  const unsigned v = broken(o, e.params.total_params(), e.memory.weights_bytes + e.memory.kv_cache_bytes_per_token * o.limits.kv_tokens,
                            placed && placed->fits ? &*placed : nullptr, train_hours);
  std::vector<Limit> out;
  for (std::size_t l = 0; l < kLimitCount; ++l)
    if (v & (1u << l)) out.push_back(static_cast<Limit>(l));
  return out;
}

double decode_step_floor(const OptimizeOptions& o) {
  const DesignSpace& s = o.space;
  Family f = s.family;
  f.top_k = *std::min_element(s.top_k.begin(), s.top_k.end());
  f.granularity = *std::max_element(s.granularity.begin(), s.granularity.end());
  f.weight_format = *std::min_element(s.weight_formats.begin(), s.weight_formats.end(),
                                       [](const NumberFormat& a, const NumberFormat& b) { return a.bytes_per_value() < b.bytes_per_value(); });
  const std::int64_t experts = s.experts.empty() ? f.top_k : std::max(f.top_k, *std::min_element(s.experts.begin(), s.experts.end()));
  const Placement p = serve(family_architecture_with_experts(f, s.min_d_model, experts), o.serving);
  return p.fits ? p.decode_step_s : INFINITY;
}

std::vector<ConstrainedOptimum> optimize(const Law& law, const ParamVector& params, const OptimizeOptions& o) {
  Search search(law, params, o);
  std::vector<ConstrainedOptimum> out;
  out.reserve(o.budgets.size());
  for (double budget : o.budgets) out.push_back(search.solve(budget));
  return out;
}

double limited_value(Limit limit, const Design& d, const OptimizeOptions& o) {
  const bool placed = o.serving.hw && d.placement.fits;
  switch (limit) {
    case Limit::params: return d.candidate.total_params;
    case Limit::memory: return d.memory_bytes;
    case Limit::decode_latency: return placed ? d.placement.decode_step_s : NAN;
    case Limit::throughput: return placed ? d.placement.decode_tokens_per_s : NAN;
    case Limit::train_hours:
      return o.serving.hw && o.limits.train_devices > 0 ? d.training_device_hours / static_cast<double>(o.limits.train_devices) : NAN;
    case Limit::inference: return NAN;
  }
  return NAN;
}

void validate(const OptimizeOptions& o, const TradeoffOptions& t, Diagnostics& out) {
  validate(o, out);
  if (o.budgets.size() > 1) out.push_back({"budgets", "out_of_range", "a trade-off is traced at one budget"});
  const bool serving_cost = t.cost == Limit::decode_latency || t.cost == Limit::throughput;
  if (!serving_cost && t.cost != Limit::params && t.cost != Limit::memory)
    out.push_back({"cost", "not_applicable", std::string(to_string(t.cost)) +
                                                 " is not a cost to trace: params, memory, decode_latency or throughput"});
  if (serving_cost && !o.serving.hw) out.push_back({"hw", "missing", "a decode latency or throughput trade-off needs a hardware profile"});
  if (t.max_points < 1 || t.max_points > 1000) out.push_back({"max_points", "out_of_range", "must be in [1, 1000]"});
  if (!(t.step > 0 && t.step < 1)) out.push_back({"step", "out_of_range", "must be in (0, 1)"});
}

std::vector<ConstrainedOptimum> tradeoff(const Law& law, const ParamVector& params, const OptimizeOptions& options,
                                         const TradeoffOptions& t) {
  OptimizeOptions o = options;  // its limit on the cost tightens as the walk goes; the search reads it live
  Search search(law, params, o);
  Limits& L = o.limits;
  std::vector<ConstrainedOptimum> out;
  while (out.size() < t.max_points) {
    ConstrainedOptimum r = search.solve(o.budgets.front());
    if (!r.feasible) {
      if (out.empty()) out.push_back(std::move(r));
      break;
    }
    const double v = limited_value(t.cost, r.best, o);
    out.push_back(std::move(r));
    if (!(v > 0 && std::isfinite(v))) break;
    switch (t.cost) {
      case Limit::params: L.max_total_params = v * (1 - t.step); break;
      case Limit::memory: L.max_memory_bytes = v * (1 - t.step); break;
      case Limit::decode_latency: L.max_decode_step_s = v * (1 - t.step); break;
      case Limit::throughput: L.min_decode_tokens_per_s = v / (1 - t.step); break;
      default: return out;  // validate() admits no other
    }
  }
  return out;
}

}  // namespace moesim::fit
