// The constrained optimizer: Ludziejewski et al. 2025's published optima and counting
// conventions, Abnar et al. 2025 under a size limit, and properties over grids of limits.
#include <catch2/catch.hpp>

#include <cmath>

#include "moesim/fit/frontier.h"
#include "moesim/fit/optimize.h"
#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"
#include "moesim/model/placement.h"
#include "moesim/model/validate.h"

using namespace moesim;
using namespace moesim::fit;

namespace {

Hardware test_gpu() {  // an 80 GB, 3.35 TB/s, 989 TFLOP/s device of 8 per node (H100 SXM datasheet figures)
  Hardware hw;
  hw.name = "test-gpu";
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = 989.4e12;
  hw.memory_bytes = 80e9;
  hw.memory_bandwidth_bytes_per_s = 3.35e12;
  hw.scale_up = {450e9, 2e-6};
  hw.scale_up_devices = 8;
  hw.scale_out = {50e9, 5e-6};
  hw.kernel_overhead_s = 4e-6;
  return hw;
}

OptimizeOptions small_space() {
  OptimizeOptions o;
  o.space.top_k = {1, 2};
  o.space.granularity = {1, 2};
  o.space.sparsity_levels = 30;
  o.space.width_points = 96;
  o.budgets = {1e20, 1e21, 1e22, 1e23};
  return o;
}

}  // namespace

TEST_CASE("optimize: Ludziejewski et al. 2025 Table 1, compute-optimal N_act and D per E (law alone)") {
  // Their Table 1 prints two significant figures; the check allows 2% or half the last printed
  // digit, whichever is larger.
  struct Row {
    double budget, experts, active, tokens;
  };
  const Row table[] = {{1e20, 1, 1.7e9, 9.7e9},   {1e20, 2, 1.5e9, 11.4e9},  {1e20, 4, 1.2e9, 13.9e9},  {1e20, 8, 990e6, 17e9},
                       {1e20, 16, 810e6, 20.7e9}, {1e20, 32, 669e6, 24.9e9}, {1e21, 1, 5.7e9, 29.3e9},  {1e21, 8, 3.8e9, 44.3e9},
                       {1e21, 32, 2.85e9, 58.4e9}};
  const ParamVector& p = find_law("ludziejewski2025")->info.published;
  auto close = [](double got, double want, double last_digit) { return std::fabs(got - want) <= std::max(0.02 * want, last_digit / 2); };
  for (const Row& r : table) {
    const auto o = ludziejewski_optima(p, {r.budget}, {r.experts})[0];
    INFO("F = " << r.budget << ", E = " << r.experts << ": N_act " << o.active_params << ", D " << o.tokens);
    const double digit_n = std::pow(10, std::floor(std::log10(r.active)) - 1), digit_d = std::pow(10, std::floor(std::log10(r.tokens)) - 1);
    CHECK(close(o.active_params, r.active, digit_n));
    CHECK(close(o.tokens, r.tokens, digit_d));
  }
}

TEST_CASE("optimize: the ludziejewski2025 family counts as their Eq. 9-10 (§4.4 FLOPs per token)") {
  const Family f = ludziejewski2025_family();
  auto counts = [&](double d, std::int64_t experts) {
    const Architecture a = family_architecture_with_experts(f, d, experts);
    REQUIRE(static_cast<double>(a.layers.size()) == d / 64);  // n_blocks = d / 64
    return count_params(a);
  };
  // N_total = 2 d V + (4 + 9E) n d^2, N_act = 2 d V + 13 n d^2 (routers and norms: < 0.1%)
  for (const auto& [d, e] : {std::pair{1408.0, std::int64_t{2}}, {1152.0, 4}, {1664.0, 1}, {768.0, 16}}) {
    const ParamCounts c = counts(d, e);
    const double n = d / 64, V = 50257;
    CHECK(c.total_params() == Approx(2 * d * V + (4 + 9.0 * static_cast<double>(e)) * n * d * d).epsilon(1e-3));
    CHECK(c.active_params() == Approx(2 * d * V + 13 * n * d * d).epsilon(1e-3));
  }
  // §4.4: the 1.1B-total E = 2 and E = 4 models use 36% and 61% fewer FLOPs per token than dense.
  const double dense = counts(1664, 1).active_params();
  CHECK(counts(1408, 2).total_params() == Approx(1.1e9).epsilon(0.01));
  CHECK(counts(1152, 4).total_params() == Approx(1.1e9).epsilon(0.03));
  CHECK(1 - counts(1408, 2).active_params() / dense == Approx(0.36).margin(0.005));
  CHECK(1 - counts(1152, 4).active_params() / dense == Approx(0.61).margin(0.005));
}

TEST_CASE("optimize: Ludziejewski App. C, E = 16 at N_total = 1B on a 1B dense model's compute") {
  // Between the two widths of the family that bracket N_total = 1B, interpolated in ln N_total.
  const Family f = ludziejewski2025_family();
  const ParamCounts lo = count_params(family_architecture_with_experts(f, 704, 16));
  const ParamCounts hi = count_params(family_architecture_with_experts(f, 768, 16));
  REQUIRE(lo.total_params() < 1e9);
  REQUIRE(hi.total_params() > 1e9);
  const double t = std::log(1e9 / lo.total_params()) / std::log(hi.total_params() / lo.total_params());
  const double active = std::exp(std::log(lo.active_params()) + t * std::log(hi.active_params() / lo.active_params()));
  const double tokens = 6 * 1e9 * 10e9 / (6 * active);
  CHECK(active == Approx(155e6).epsilon(0.02));
  CHECK(tokens == Approx(64e9).epsilon(0.02));
  CHECK(tokens / active == Approx(414).epsilon(0.04));
}

TEST_CASE("optimize: with no limits it is today's unconstrained frontier") {
  const Law& law = *find_law("abnar2025");
  OptimizeOptions o;
  o.space.sparsity_levels = 40;
  o.space.width_points = 128;
  o.budgets = {1e19, 1e21, 1e23};
  FrontierOptions f;
  f.budgets = o.budgets;
  f.sparsity_levels = 40;
  f.width_points = 128;
  const auto constrained = optimize(law, law.info.published, o);
  const Frontier frontier = compute_frontier(law, law.info.published, f);
  REQUIRE(constrained.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const ConstrainedOptimum& r = constrained[i];
    REQUIRE(r.feasible);
    CHECK(r.binding.empty());
    CHECK(r.best.candidate.loss == frontier.optimum[i].loss);
    CHECK(r.best.candidate.experts == frontier.optimum[i].experts);
    CHECK(r.best.candidate.d_model == frontier.optimum[i].d_model);
    CHECK(r.unconstrained.candidate.loss == r.best.candidate.loss);
    // Abnar's law at fixed compute rewards sparsity without end: the optimum is the grid's edge, and says so.
    CHECK(r.at_bound == std::vector<std::string_view>{"max_sparsity"});
  }
}

TEST_CASE("optimize: Abnar et al. 2025 under a size limit, S* interior, rising with N_max and falling with C") {
  const Law& law = *find_law("abnar2025");
  auto s_star = [&](double max_params, double budget) {
    OptimizeOptions o;
    o.space.top_k = {8};  // E = 8 / (1 - S): sparsity steps of a few thousandths
    o.space.sparsity_levels = 200;
    o.limits.max_total_params = max_params;
    o.budgets = {budget};
    const ConstrainedOptimum r = optimize(law, law.info.published, o)[0];
    REQUIRE(r.feasible);
    CHECK(r.best.candidate.total_params <= max_params);
    CHECK(r.binding == std::vector<Limit>{Limit::params});
    CHECK(r.at_bound.empty());  // interior
    return r.best.candidate.sparsity;
  };
  const double base = s_star(1e10, 1e22);
  CHECK(base > 0);
  CHECK(base < 0.98);
  CHECK(s_star(1e11, 1e22) > base);  // rises with N_max
  CHECK(s_star(1e10, 1e24) < base);  // falls with C
}

TEST_CASE("optimize: every optimum meets every limit when re-estimated, and loosening a limit never hurts") {
  const Law& law = *find_law("abnar2025");
  const Hardware hw = test_gpu();
  const double latencies[] = {kNoLimit, 0.03, 0.015};
  const double memories[] = {kNoLimit, 200e9, 50e9};
  const double params[] = {kNoLimit, 3e10};
  for (double latency : latencies)
    for (double memory : memories)
      for (double max_params : params) {
        OptimizeOptions o = small_space();
        o.serving = {&hw, 8, 64, 4096};
        o.limits.max_decode_step_s = latency;
        o.limits.max_memory_bytes = memory;
        o.limits.kv_tokens = 1e6;
        o.limits.max_total_params = max_params;
        Diagnostics d;
        validate(o, d);
        REQUIRE(d.empty());
        const auto rows = optimize(law, law.info.published, o);
        for (const ConstrainedOptimum& r : rows) {
          INFO("latency " << latency << " memory " << memory << " params " << max_params << " budget " << r.budget);
          REQUIRE(r.feasible);
          CHECK(r.best.candidate.loss >= r.unconstrained.candidate.loss);
          CHECK((r.best.candidate.loss > r.unconstrained.candidate.loss) == !r.binding.empty());
          // Re-estimated from scratch: the design, its weights and KV, its placement.
          const Architecture a = design_architecture(o.space.family, r.best);
          Diagnostics bad;
          validate(a, bad);
          REQUIRE(bad.empty());
          Workload train;
          train.phase = Phase::train;
          train.context = o.space.family.context;
          const Estimate e = estimate(a, train);
          CHECK(e.params.total_params() <= max_params);
          CHECK(e.memory.weights_bytes + e.memory.kv_cache_bytes_per_token * 1e6 <= memory);
          Workload serve;
          serve.phase = Phase::decode;
          serve.batch = 64;
          serve.context = 4096;
          Deployment dep;
          dep.parallel = r.best.placement.parallel;
          REQUIRE(dep.parallel.devices() <= 8);
          const LatencyEstimate l = estimate_latency(a, serve, hw, dep);
          REQUIRE(l.feasible());
          CHECK(l.decode_step_s <= latency);
          CHECK(l.decode_step_s == Approx(r.best.placement.decode_step_s));
          CHECK(e.flops.training_per_token * r.best.candidate.tokens == Approx(r.budget));
        }
        // Loosening: the same run without each limit in turn never has a higher loss.
        for (int which = 0; which < 3; ++which) {
          OptimizeOptions loose = o;
          if (which == 0) loose.limits.max_decode_step_s = kNoLimit;
          if (which == 1) loose.limits.max_memory_bytes = kNoLimit;
          if (which == 2) loose.limits.max_total_params = kNoLimit;
          const auto looser = optimize(law, law.info.published, loose);
          for (std::size_t i = 0; i < rows.size(); ++i) CHECK(looser[i].best.candidate.loss <= rows[i].best.candidate.loss);
        }
      }
}

TEST_CASE("optimize: inference charged to the budget buys a smaller model trained longer") {
  const Law& law = *find_law("abnar2025");
  OptimizeOptions o = small_space();
  o.budgets = {1e22};
  const ConstrainedOptimum free = optimize(law, law.info.published, o)[0];
  o.objective.inference_tokens = 1e13;  // Ludziejewski §4.4: 6 N_act D + 2 N_act D_inf <= F
  const ConstrainedOptimum served = optimize(law, law.info.published, o)[0];
  REQUIRE(served.feasible);
  CHECK(served.best.candidate.active_params < free.best.candidate.active_params);
  CHECK(served.best.candidate.loss > free.best.candidate.loss);
  CHECK(served.best.candidate.budget_flops == Approx(1e22 - 2 * served.best.candidate.active_params * 1e13));
  CHECK(std::find(served.binding.begin(), served.binding.end(), Limit::inference) != served.binding.end());
}

TEST_CASE("optimize: infeasible budgets are rows with a reason, device-hour budgets charge serving") {
  const Law& law = *find_law("abnar2025");
  const Hardware hw = test_gpu();
  OptimizeOptions o = small_space();
  o.serving = {&hw, 1, 64, 4096};
  o.limits.max_decode_step_s = 1e-5;  // below any design's step: no row fits
  const ConstrainedOptimum none = optimize(law, law.info.published, o)[0];
  CHECK_FALSE(none.feasible);
  CHECK_FALSE(none.reason.empty());
  CHECK(decode_step_floor(o) > 1e-5);

  o.limits.max_decode_step_s = kNoLimit;
  o.objective.unit = BudgetUnit::device_hours;
  o.objective.inference_tokens = 1e11;
  o.budgets = {1e4, 1e6};
  const auto rows = optimize(law, law.info.published, o);
  for (const ConstrainedOptimum& r : rows) {
    REQUIRE(r.feasible);
    CHECK(r.best.inference_device_hours > 0);
    CHECK(r.best.training_device_hours + r.best.inference_device_hours == Approx(r.budget));
  }
  CHECK(rows[1].best.candidate.loss < rows[0].best.candidate.loss);
}

TEST_CASE("optimize: bad options name the option") {
  OptimizeOptions o;
  o.limits.max_memory_bytes = -1;
  o.limits.max_train_hours = 10;
  o.space.top_k = {0};
  Diagnostics d;
  validate(o, d);
  auto has = [&](const std::string& path) { return std::any_of(d.begin(), d.end(), [&](const Diagnostic& x) { return x.path == path; }); };
  CHECK(has("max_memory"));
  CHECK(has("top_k"));
  CHECK(has("hw"));             // a training wall-clock needs the device
  CHECK(has("train_devices"));  // ... and how many train
}

TEST_CASE("tradeoff: the best loss against decode latency, each point the optimum at its own cost") {
  const Law& law = *find_law("abnar2025");
  const Hardware hw = test_gpu();
  OptimizeOptions o = small_space();
  o.budgets = {1e22};
  o.serving = {&hw, 8, 64, 4096};
  TradeoffOptions t;
  t.cost = Limit::decode_latency;
  Diagnostics d;
  validate(o, t, d);
  REQUIRE(d.empty());
  const auto front = tradeoff(law, law.info.published, o, t);
  REQUIRE(front.size() >= 3);
  const ConstrainedOptimum first = optimize(law, law.info.published, o)[0];
  CHECK(front[0].best.candidate.loss == first.best.candidate.loss);  // the optimum under the options' own limits
  const double floor = decode_step_floor(o);
  for (std::size_t i = 0; i < front.size(); ++i) {
    REQUIRE(front[i].feasible);
    const double cost = limited_value(Limit::decode_latency, front[i].best, o);
    CHECK(cost >= floor);
    if (i == 0) continue;
    const double previous = limited_value(Limit::decode_latency, front[i - 1].best, o);
    INFO("point " << i << ": step " << cost << " s after " << previous << " s");
    CHECK(cost <= previous * (1 - t.step) * (1 + 1e-12));          // cheaper by at least the step
    CHECK(front[i].best.candidate.loss >= front[i - 1].best.candidate.loss);  // and never better
    // A fresh search anywhere between this point's cost and the last limit finds this design.
    OptimizeOptions at = o;
    at.limits.max_decode_step_s = std::sqrt(cost * previous * (1 - t.step));
    const ConstrainedOptimum fresh = optimize(law, law.info.published, at)[0];
    REQUIRE(fresh.feasible);
    CHECK(fresh.best.candidate.loss == front[i].best.candidate.loss);
    CHECK(fresh.best.candidate.experts == front[i].best.candidate.experts);
    CHECK(fresh.best.candidate.d_model == front[i].best.candidate.d_model);
  }
  // The walk ends where nothing cheaper by the step exists: the last point's limit has no design.
  OptimizeOptions beyond = o;
  beyond.limits.max_decode_step_s = limited_value(Limit::decode_latency, front.back().best, o) * (1 - t.step);
  if (front.size() < t.max_points) CHECK_FALSE(optimize(law, law.info.published, beyond)[0].feasible);
}

TEST_CASE("tradeoff: loss against total size and throughput; a trade-off nothing meets is its one reason") {
  const Law& law = *find_law("abnar2025");
  OptimizeOptions o = small_space();
  o.budgets = {1e21};
  TradeoffOptions t;
  t.cost = Limit::params;
  t.step = 0.3;
  const auto by_size = tradeoff(law, law.info.published, o, t);
  REQUIRE(by_size.size() >= 3);
  for (std::size_t i = 1; i < by_size.size(); ++i) {
    CHECK(by_size[i].best.candidate.total_params <= 0.7 * by_size[i - 1].best.candidate.total_params * (1 + 1e-12));
    CHECK(by_size[i].best.candidate.loss >= by_size[i - 1].best.candidate.loss);
  }
  const Hardware hw = test_gpu();
  o.serving = {&hw, 8, 64, 4096};
  t.cost = Limit::throughput;
  const auto by_rate = tradeoff(law, law.info.published, o, t);
  REQUIRE(by_rate.size() >= 2);
  for (std::size_t i = 1; i < by_rate.size(); ++i)
    CHECK(limited_value(Limit::throughput, by_rate[i].best, o) >= limited_value(Limit::throughput, by_rate[i - 1].best, o) / 0.7 * (1 - 1e-12));
  o.limits.max_decode_step_s = 1e-5;  // below every design
  const auto none = tradeoff(law, law.info.published, o, t);
  REQUIRE(none.size() == 1);
  CHECK_FALSE(none[0].feasible);
  CHECK_FALSE(none[0].reason.empty());
}

TEST_CASE("tradeoff: bad options name the option") {
  OptimizeOptions o = small_space();  // four budgets
  TradeoffOptions t;
  t.cost = Limit::train_hours;
  t.step = 1;
  t.max_points = 0;
  Diagnostics d;
  validate(o, t, d);
  auto has = [&](const std::string& path) { return std::any_of(d.begin(), d.end(), [&](const Diagnostic& x) { return x.path == path; }); };
  CHECK(has("budgets"));
  CHECK(has("cost"));
  CHECK(has("step"));
  CHECK(has("max_points"));
  d.clear();
  o.budgets = {1e21};
  t = {};
  validate(o, t, d);  // a latency trade-off without a device
  CHECK(has("hw"));
}

TEST_CASE("placement: the fewest devices that fit, each split re-checked") {
  const Hardware hw = test_gpu();
  Family f;
  f.top_k = 2;
  Workload w;
  w.phase = Phase::decode;
  w.batch = 64;
  w.context = 4096;
  for (double d : {1024.0, 2048.0, 4096.0}) {
    const Architecture a = family_architecture_with_experts(f, d, 64);
    const Placement fewest = place(a, w, hw, {});
    REQUIRE(fewest.fits);
    // nothing on half as many devices fits
    if (fewest.devices > 1) {
      PlacementOptions fewer;
      fewer.devices = fewest.devices / 2;
      CHECK_FALSE(place(a, w, hw, fewer).fits);
    }
    Deployment dep;
    dep.parallel = fewest.parallel;
    const LatencyEstimate l = estimate_latency(a, w, hw, dep);
    CHECK(l.feasible());
    CHECK(l.decode_step_s == fewest.decode_step_s);
    // more devices allowed: never slower
    PlacementOptions more;
    more.devices = fewest.devices * 4;
    CHECK(place(a, w, hw, more).decode_step_s <= fewest.decode_step_s);
  }
}
