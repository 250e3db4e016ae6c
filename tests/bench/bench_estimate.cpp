// Full estimates (parameters + FLOPs + memory) of a DeepSeek-V3-sized model per second.
// Target (issue 2): at least 1,000,000 per second on one core.
#include <benchmark/benchmark.h>

#include "moesim/io/model_io.h"
#include "moesim/model/estimate.h"

namespace {

moesim::Architecture load(const char* preset) {
  moesim::Diagnostics d;
  auto m = moesim::io::load_model(preset, d);
  if (!m) throw std::runtime_error("preset does not load");
  return m->arch;
}

void BM_Estimate(benchmark::State& state, const char* preset, moesim::Phase phase) {
  const moesim::Architecture arch = load(preset);
  moesim::Workload w;
  w.phase = phase;
  w.batch = 8;
  w.context = 4096;
  std::int64_t i = 0;
  for (auto _ : state) {
    w.context = 1024 + (i++ & 1023);  // vary the input so nothing is hoisted
    benchmark::DoNotOptimize(moesim::estimate(arch, w));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Estimate, deepseek_v3_decode, "deepseek-v3", moesim::Phase::decode);
BENCHMARK_CAPTURE(BM_Estimate, deepseek_v3_train, "deepseek-v3", moesim::Phase::train);
BENCHMARK_CAPTURE(BM_Estimate, gpt_oss_20b_prefill, "gpt-oss-20b", moesim::Phase::prefill);

}  // namespace

BENCHMARK_MAIN();
