// Fitting and frontier speed (issue 5 targets on the 2-core machine): the 4,500-start
// Chinchilla fit under 10 s, 1,000 bootstrap refits under 60 s, a frontier of 100 budgets x
// 1,000 sparsity levels under 1 s. Reads ../shared/data (skipped where absent).
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>

#include "moesim/fit/fit.h"
#include "moesim/fit/frontier.h"
#include "moesim/fit/optimize.h"
#include "moesim/io/hardware_io.h"
#include "moesim/fit/io/scaling_data.h"

namespace {

const std::string kEpoch = std::string(MOESIM_SHARED_DIR) + "/data/epoch_chinchilla_svg_extracted.csv";

void BM_ChinchillaGridFit(benchmark::State& state) {
  moesim::Diagnostics d;
  const auto data = moesim::fit::read_scaling_data(kEpoch, {}, d);
  if (!data) {
    state.SkipWithError("shared data absent");
    return;
  }
  moesim::fit::FitOptions options;
  options.bootstrap = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const auto r = moesim::fit::fit(data->points, *moesim::fit::find_law("chinchilla"), options);
    state.counters["fit_s"] = r.fit_time_in_seconds;
    state.counters["bootstrap_s"] = r.bootstrap_time_in_seconds;
    state.counters["starts"] = static_cast<double>(r.starts_run);
  }
}
BENCHMARK(BM_ChinchillaGridFit)->Arg(0)->Arg(1000)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_Frontier(benchmark::State& state) {
  const auto& law = *moesim::fit::find_law("abnar2025");
  moesim::fit::FrontierOptions o;
  for (int i = 0; i < 100; ++i) o.budgets.push_back(1e19 * std::pow(1e5, i / 99.0));
  o.sparsity_levels = 1000;
  for (auto _ : state) benchmark::DoNotOptimize(moesim::fit::compute_frontier(law, law.info.published, o));
}
BENCHMARK(BM_Frontier)->Unit(benchmark::kMillisecond)->UseRealTime();

// The main job's space: K in {1, 2, 4, 8}, G in {1, 2, 4}, served on `devices` H100s (0: the
// fewest of up to 64 that fit) at batch 64 x context 8192.
moesim::fit::OptimizeOptions main_job_space(const moesim::Hardware& hw, std::int64_t devices) {
  moesim::fit::OptimizeOptions o;
  o.space.top_k = {1, 2, 4, 8};
  o.space.granularity = {1, 2, 4};
  o.serving = {&hw, devices, 64, 8192};
  return o;
}

// The README's main job: 11 budgets 1e20..1e24 on 8 devices, decode step <= 50 ms (range(0) =
// 1), or on the fewest devices that fit (range(0) = 0). Each iteration builds the width tables
// and places the candidates from scratch.
void BM_ConstrainedFrontier(benchmark::State& state) {
  const auto& law = *moesim::fit::find_law("abnar2025");
  moesim::Diagnostics d;
  const auto hw = moesim::io::load_hardware("h100-sxm", d);
  moesim::fit::OptimizeOptions o = main_job_space(*hw, state.range(0) ? 8 : 0);
  for (int i = 0; i < 11; ++i) o.budgets.push_back(1e20 * std::pow(1e4, i / 10.0));
  if (state.range(0)) o.limits.max_decode_step_s = 0.05;
  for (auto _ : state) benchmark::DoNotOptimize(moesim::fit::optimize(law, law.info.published, o));
}
BENCHMARK(BM_ConstrainedFrontier)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// The least loss against decode step at 1e23 on 8 devices (the Pareto view's front), same space.
void BM_DecodeLatencyTradeoff(benchmark::State& state) {
  const auto& law = *moesim::fit::find_law("abnar2025");
  moesim::Diagnostics d;
  const auto hw = moesim::io::load_hardware("h100-sxm", d);
  moesim::fit::OptimizeOptions o = main_job_space(*hw, 8);
  o.budgets = {1e23};
  std::size_t points = 0;
  for (auto _ : state) points = moesim::fit::tradeoff(law, law.info.published, o, {}).size();
  state.counters["points"] = static_cast<double>(points);
}
BENCHMARK(BM_DecodeLatencyTradeoff)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
