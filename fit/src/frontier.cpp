#include "moesim/fit/frontier.h"

#include "family_table.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "moesim/model/estimate.h"

namespace moesim::fit {
namespace {

using detail::experts_for;
using detail::width_table;
using detail::WidthPoint;

std::vector<WidthPoint> width_table(const Family& f, std::int64_t experts, const FrontierOptions& o) {
  return width_table(f, experts, o.min_d_model, o.max_d_model, o.width_points);
}

Candidate evaluate(const Law& law, const ParamVector& p, const WidthPoint& w, double sparsity, std::int64_t experts,
                   double budget) {
  Candidate c;
  c.sparsity = sparsity;
  c.experts = experts;
  c.d_model = w.d_model;
  c.layers = w.layers;
  c.total_params = w.total;
  c.active_params = w.active;
  c.flops_per_token = w.flops_per_token;
  c.tokens = budget / w.flops_per_token;
  c.budget_flops = budget;
  Observation o;
  o.total_params = w.total;
  o.active_params = w.active;
  o.tokens = c.tokens;
  o.sparsity = sparsity;
  o.experts = static_cast<double>(experts);
  c.loss = law.loss(p, o);
  return c;
}

// The best width of the table at one budget and expert count (widths 2.5% apart).
Candidate best_width(const Law& law, const ParamVector& p, const std::vector<WidthPoint>& table, double sparsity,
                     std::int64_t experts, double budget) {
  std::size_t best = 0;
  double best_loss = INFINITY;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const double tokens = budget / table[i].flops_per_token;
    if (tokens < 1) continue;
    Observation o;
    o.total_params = table[i].total;
    o.active_params = table[i].active;
    o.tokens = tokens;
    o.sparsity = sparsity;
    o.experts = static_cast<double>(experts);
    const double l = law.loss(p, o);
    if (l < best_loss) {
      best_loss = l;
      best = i;
    }
  }
  return evaluate(law, p, table[best], sparsity, experts, budget);
}

template <class F>
double golden_min_log(F f, double lo, double hi) {  // argmin over x in [lo, hi], searched in ln x
  double a = std::log(lo), b = std::log(hi);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = f(std::exp(c)), fd = f(std::exp(d));
  for (int i = 0; i < 200 && b - a > 1e-9; ++i) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(std::exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(std::exp(d));
    }
  }
  return std::exp((a + b) / 2);
}

}  // namespace

namespace detail {

std::int64_t experts_for(const Family& f, double sparsity) {
  return std::max<std::int64_t>(f.top_k, std::llround(static_cast<double>(f.top_k) / (1 - sparsity)));
}

std::vector<WidthPoint> width_table(const Family& f, std::int64_t experts, double min_d_model, double max_d_model,
                                    std::size_t width_points) {
  std::vector<WidthPoint> table;
  double last_d = 0;
  for (std::size_t i = 0; i < width_points; ++i) {
    const double t = width_points == 1 ? 0 : static_cast<double>(i) / static_cast<double>(width_points - 1);
    const double want = min_d_model * std::pow(max_d_model / min_d_model, t);
    const Architecture a = family_architecture_with_experts(f, want, experts);
    if (static_cast<double>(a.hidden_size) == last_d) continue;
    last_d = static_cast<double>(a.hidden_size);
    Workload w;
    w.phase = Phase::train;
    w.context = f.context;
    const Estimate e = estimate(a, w);
    const double active = f.active_includes_embedding ? e.params.active_params() : e.params.active_excl_input_embedding();
    table.push_back({last_d, e.params.total_params(), active, f.exact_flops ? e.flops.training_per_token : 6 * active,
                     static_cast<std::int64_t>(a.layers.size()), e.memory.weights_bytes, e.memory.kv_cache_bytes_per_token});
  }
  return table;
}

}  // namespace detail

Family ludziejewski2025_family() {
  Family f;
  f.top_k = 1;
  f.aspect_ratio = 64;  // n_blocks = d / 64
  f.head_dim = 64;      // heads = d / 64
  f.vocab_size = 50257;
  f.exact_flops = false;
  f.expert_width_factor = 3;
  f.active_includes_embedding = true;
  return f;
}

const std::vector<std::int64_t>& ludziejewski2025_experts() {
  static const std::vector<std::int64_t> counts{1, 2, 4, 8, 16, 32, 64};
  return counts;
}

Architecture family_architecture(const Family& f, double d_model, double sparsity) {
  return family_architecture_with_experts(f, d_model, experts_for(f, sparsity));
}

Architecture family_architecture_with_experts(const Family& f, double d_model, std::int64_t experts) {
  Architecture a;
  const auto d = std::max<std::int64_t>(f.head_dim, std::llround(d_model / static_cast<double>(f.head_dim)) * f.head_dim);
  a.name = "family";
  a.hidden_size = d;
  a.vocab_size = f.vocab_size;
  a.attention.heads = d / f.head_dim;
  a.attention.kv_heads = a.attention.heads;
  a.attention.head_dim = f.head_dim;
  a.moe.top_k = f.top_k;
  a.moe.experts = std::max(experts, f.top_k);
  a.moe.expert.width = std::max<std::int64_t>(1, std::llround(f.expert_width_factor * static_cast<double>(d) / f.granularity));
  const auto layers = std::max<std::int64_t>(1, std::llround(static_cast<double>(d) / f.aspect_ratio));
  a.layers.assign(static_cast<std::size_t>(layers), LayerConfig{LayerFfn::moe, AttentionSpan::full});
  set_weight_format(a.precision, f.weight_format);
  return a;
}

Frontier compute_frontier(const Law& law, const ParamVector& p, const FrontierOptions& o) {
  Frontier out;
  // Sparsity levels map to integer expert counts; each count's width table is built once.
  std::map<std::int64_t, std::vector<WidthPoint>> tables;
  std::vector<std::int64_t> experts;
  for (std::size_t k = 0; k < o.sparsity_levels; ++k) {
    const double s = o.sparsity_levels == 1 ? 0 : o.max_sparsity * static_cast<double>(k) / static_cast<double>(o.sparsity_levels - 1);
    const std::int64_t e = experts_for(o.family, s);
    if (experts.empty() || experts.back() != e) experts.push_back(e);
    if (!tables.count(e)) tables.emplace(e, width_table(o.family, e, o));
  }
  for (double budget : o.budgets) {
    std::vector<Candidate> curve;
    for (std::int64_t e : experts) {
      const double s = 1 - static_cast<double>(o.family.top_k) / static_cast<double>(e);
      curve.push_back(best_width(law, p, tables.at(e), s, e, budget));
    }
    out.optimum.push_back(*std::min_element(curve.begin(), curve.end(), [](auto& a, auto& b) { return a.loss < b.loss; }));
    out.isoflop.push_back(std::move(curve));
  }
  for (const Candidate& best : out.optimum)
    out.dense_equivalent_ratio.push_back(dense_equivalent_ratio(law, p, o, best.loss, best.budget_flops));
  return out;
}

Observation design_observation(const Architecture& arch, const Workload& workload, double training_flops) {
  Workload train = workload;
  train.phase = Phase::train;
  const Estimate e = estimate(arch, train);
  const double E = static_cast<double>(arch.moe.experts), K = static_cast<double>(arch.moe.top_k);
  Observation o;
  o.total_params = e.params.total_params();
  o.active_params = e.params.active_excl_input_embedding();
  o.tokens = training_flops / e.flops.training_per_token;
  o.experts = std::max(E, 1.0);
  o.sparsity = E > 0 ? (E - K) / E : 0;
  return o;
}

double dense_equivalent_ratio(const Law& law, const ParamVector& p, const FrontierOptions& o, double loss, double budget) {
  // The budget at which the best S = 0 model reaches `loss`, by bisection in ln C.
  const std::int64_t dense_experts = o.family.top_k;
  const auto dense = width_table(o.family, dense_experts, o);
  double lo = std::log(budget), hi = lo + std::log(1e4);
  if (best_width(law, p, dense, 0, dense_experts, std::exp(hi)).loss > loss) return INFINITY;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (best_width(law, p, dense, 0, dense_experts, std::exp(mid)).loss > loss ? lo : hi) = mid;
  }
  return std::exp(hi) / budget;
}

bool has_fixed_size_optima(const LawInfo& info) {
  return info.optima == Optima::design_search && (info.reads_sparsity || !info.reads_experts);
}

std::vector<Candidate> fixed_size_optima(const Law& law, const ParamVector& p, const FrontierOptions& o, double total_params) {
  std::vector<Candidate> out;
  for (double budget : o.budgets) {
    Candidate best;
    best.loss = INFINITY;
    std::int64_t previous = -1;
    for (std::size_t k = 0; k < o.sparsity_levels; ++k) {
      const double s = o.max_sparsity * static_cast<double>(k) / static_cast<double>(std::max<std::size_t>(o.sparsity_levels - 1, 1));
      const std::int64_t e = experts_for(o.family, s);
      if (e == previous) continue;
      previous = e;
      const double realised = 1 - static_cast<double>(o.family.top_k) / static_cast<double>(e);
      const auto table = width_table(o.family, e, o);
      // the width whose total is closest to N (tables increase with width)
      const auto it = std::min_element(table.begin(), table.end(), [&](auto& a, auto& b) {
        return std::fabs(std::log(a.total / total_params)) < std::fabs(std::log(b.total / total_params));
      });
      const Candidate c = evaluate(law, p, *it, realised, e, budget);
      if (c.loss < best.loss) best = c;
    }
    out.push_back(best);
  }
  return out;
}

std::vector<GranularityOptimum> krajewski_optima(const ParamVector& p, const std::vector<double>& budgets) {
  // Eq. 10: F = (12 d^2 c_f + d E G c_r) D n_blocks, N = d^2 (8E + 4) n_blocks, d = 64 n_blocks,
  // c_f = 6, c_r = 14, E = 64 (REFERENCE.md §1.4). Law: c + (g/G^gamma + a)/N^alpha + b/D^beta.
  const double E = 64, cf = 6, cr = 14;
  auto loss = [&](double N, double D, double G) { return p[6] + (p[4] / std::pow(G, p[5]) + p[0]) / std::pow(N, p[1]) + p[2] / std::pow(D, p[3]); };
  std::vector<GranularityOptimum> out;
  for (double budget : budgets) {
    GranularityOptimum best{budget, 0, 0, 0, INFINITY};
    for (double G = 1; G <= 64; G *= 2) {
      auto at_blocks = [&](double blocks, double* N, double* D) {
        const double d = 64 * blocks;
        *N = d * d * (8 * E + 4) * blocks;
        *D = budget / ((12 * d * d * cf + d * E * G * cr) * blocks);
        return loss(*N, *D, G);
      };
      double N = 0, D = 0;
      const double blocks = golden_min_log([&](double b) { return at_blocks(b, &N, &D); }, 1, 1e4);
      const double l = at_blocks(blocks, &N, &D);
      if (l < best.loss) best = {budget, G, N, D, l};
    }
    out.push_back(best);
  }
  return out;
}

std::vector<ExpertCountOptimum> ludziejewski_optima(const ParamVector& p, const std::vector<double>& budgets,
                                                    const std::vector<double>& expert_counts) {
  std::vector<ExpertCountOptimum> out;
  for (double budget : budgets)
    for (double E : expert_counts) {
      auto loss = [&](double n_act) {
        const double e_hat = saturating_experts(E, p[8], p[9]);
        const double D = budget / (6 * n_act);  // F = 6 N_act D (REFERENCE.md §1.5)
        const double le = std::log(e_hat);
        return p[0] * std::pow(e_hat, p[2]) * std::pow(n_act, p[1] + p[3] * le) +
               p[4] * std::pow(e_hat, p[6]) * std::pow(D, p[5] + p[7] * le) + p[10];
      };
      const double n = golden_min_log(loss, 1e6, std::min(1e15, budget / 6));
      out.push_back({budget, E, n, budget / (6 * n), loss(n)});
    }
  return out;
}

ComputeOptimal chinchilla_optimum(const ParamVector& p, double budget) {
  // N_opt = G (C/6)^a, D_opt = G^-1 (C/6)^b, G = (alpha A / (beta B))^(1/(alpha+beta)),
  // a = beta/(alpha+beta), b = alpha/(alpha+beta) (Hoffmann et al. 2022, Eq. 4).
  const double E = p[0], A = p[1], B = p[2], alpha = p[3], beta = p[4];
  const double G = std::pow(alpha * A / (beta * B), 1 / (alpha + beta));
  const double n = G * std::pow(budget / 6, beta / (alpha + beta));
  const double d = std::pow(budget / 6, alpha / (alpha + beta)) / G;
  return {n, d, E + A / std::pow(n, alpha) + B / std::pow(d, beta)};
}

}  // namespace moesim::fit
