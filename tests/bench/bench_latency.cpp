// Full latency estimates (prefill + decode + training step, with the parameter/FLOP/memory
// estimate inside) of a 60-layer MoE per second. Target (issue 3): at least 1,000,000 per
// second on one core.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/model/latency.h"

namespace {

void BM_Latency(benchmark::State& state, const char* preset, const char* device, std::int64_t ep, double skew,
                bool with_training) {
  moesim::Diagnostics d;
  const auto model = moesim::io::load_model(preset, d);
  const auto hw = moesim::io::load_hardware(device, d);
  if (!model || !hw) throw std::runtime_error("inputs do not load");
  moesim::Workload w;
  w.phase = moesim::Phase::decode;
  w.batch = 64;
  moesim::Deployment dep;
  dep.parallel.ep = ep;
  dep.parallel.dp = ep;
  const auto shares = skew > 0 ? moesim::expert_shares(model->arch.moe.experts, moesim::RoutingSkew{skew, {}})
                               : std::vector<double>{};
  std::int64_t i = 0;
  for (auto _ : state) {
    w.context = 1024 + (i++ & 1023);
    benchmark::DoNotOptimize(moesim::estimate_latency(model->arch, w, *hw, dep, shares, {true, true, with_training}));
  }
  state.SetItemsProcessed(state.iterations());
}

// A sweep over the workload with one prepared LatencyModel per (model, device, deployment):
// what `moesim sweep` and the GUI do when only batch or context change.
void BM_LatencyPrepared(benchmark::State& state, const char* preset, const char* device, std::int64_t ep) {
  moesim::Diagnostics d;
  const auto model = moesim::io::load_model(preset, d);
  const auto hw = moesim::io::load_hardware(device, d);
  if (!model || !hw) throw std::runtime_error("inputs do not load");
  moesim::Workload w;
  w.phase = moesim::Phase::decode;
  w.batch = 64;
  moesim::Deployment dep;
  dep.parallel.ep = ep;
  dep.parallel.dp = ep;
  const moesim::LatencyModel latency(model->arch, *hw, dep);
  std::int64_t i = 0;
  for (auto _ : state) {
    w.context = 1024 + (i++ & 1023);
    benchmark::DoNotOptimize(latency(w, {true, true, false}));
  }
  state.SetItemsProcessed(state.iterations());
}

// The measure: prefill + decode of a 60-layer MoE.
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_deepseek_v3_61_layers_h200_ep8, "deepseek-v3", "h200", 8, 0.0, false);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_train_deepseek_v3_h200_ep8, "deepseek-v3", "h200", 8, 0.0, true);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_train_deepseek_v3_h200_ep8_zipf, "deepseek-v3", "h200", 8, 1.0, true);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_mixtral_h100, "mixtral-8x7b", "h100-sxm", 1, 0.0, false);
BENCHMARK_CAPTURE(BM_LatencyPrepared, prefill_decode_deepseek_v3_61_layers_h200_ep8, "deepseek-v3", "h200", 8);

}  // namespace

BENCHMARK_MAIN();
