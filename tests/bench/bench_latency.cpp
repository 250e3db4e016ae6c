// Full latency estimates (prefill + decode, and the training step where named) of a 60-layer
// MoE per second, one-shot and with a prepared LatencyModel. Target (issue 3): at least
// 1,000,000 per second on one core.
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"

namespace {

// A preset on a shipped device with EP = DP = `ep`, decoding a batch of 64.
struct Case {
  moesim::Architecture arch;
  moesim::Hardware hw;
  moesim::Deployment deployment;
  moesim::Workload workload;
};

Case load_case(const char* preset, const char* device, std::int64_t ep) {
  moesim::Diagnostics d;
  const auto model = moesim::io::load_model(preset, d);
  const auto hw = moesim::io::load_hardware(device, d);
  if (!model || !hw) throw std::runtime_error("inputs do not load");
  Case c{model->arch, *hw, {}, {}};
  c.workload.phase = moesim::Phase::decode;
  c.workload.batch = 64;
  c.deployment.parallel.ep = ep;
  c.deployment.parallel.dp = ep;
  return c;
}

// One estimate_latency per iteration: the model prepared anew each time.
void BM_Latency(benchmark::State& state, const char* preset, const char* device, std::int64_t ep, double skew,
                bool with_training) {
  Case c = load_case(preset, device, ep);
  c.deployment.routing.zipf_exponent = skew;
  std::int64_t i = 0;
  for (auto _ : state) {
    c.workload.context = 1024 + (i++ & 1023);
    benchmark::DoNotOptimize(moesim::estimate_latency(c.arch, c.workload, c.hw, c.deployment, {true, true, with_training}));
  }
  state.SetItemsProcessed(state.iterations());
}

// A sweep over the workload with one prepared LatencyModel per (model, device, deployment):
// what `moesim sweep` and the GUI do when only batch or context change.
void BM_LatencyPrepared(benchmark::State& state, const char* preset, const char* device, std::int64_t ep) {
  Case c = load_case(preset, device, ep);
  const moesim::LatencyModel latency(c.arch, c.hw, c.deployment);
  std::int64_t i = 0;
  for (auto _ : state) {
    c.workload.context = 1024 + (i++ & 1023);
    benchmark::DoNotOptimize(latency(c.workload, {true, true, false}));
  }
  state.SetItemsProcessed(state.iterations());
}

// The document of `moesim estimate --format json --hw` (and Python's estimate()): the estimate,
// the latency and the JSON report of both, which costs more than the model itself.
void BM_EstimateJson(benchmark::State& state, const char* preset, const char* device, std::int64_t tp) {
  moesim::Diagnostics d;
  const auto model = moesim::io::load_model(preset, d);
  const auto hw = moesim::io::load_hardware(device, d);
  if (!model || !hw) throw std::runtime_error("inputs do not load");
  moesim::Workload w;
  moesim::Deployment deployment;
  deployment.parallel.tp = tp;
  std::int64_t i = 0;
  for (auto _ : state) {
    w.context = 1024 + (i++ & 1023);
    moesim::io::Json j = moesim::io::estimate_json(*model, w, moesim::estimate(model->arch, w));
    moesim::io::add_latency_json(j, moesim::estimate_latency(model->arch, w, *hw, deployment));
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(state.iterations());
}

// The measure: prefill + decode of a 60-layer MoE.
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_deepseek_v3_61_layers_h200_ep8, "deepseek-v3", "h200", 8, 0.0, false);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_train_deepseek_v3_h200_ep8, "deepseek-v3", "h200", 8, 0.0, true);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_train_deepseek_v3_h200_ep8_zipf, "deepseek-v3", "h200", 8, 1.0, true);
BENCHMARK_CAPTURE(BM_Latency, prefill_decode_mixtral_h100, "mixtral-8x7b", "h100-sxm", 1, 0.0, false);
BENCHMARK_CAPTURE(BM_EstimateJson, mixtral_h100_tp2, "mixtral-8x7b", "h100-sxm", 2);
BENCHMARK_CAPTURE(BM_LatencyPrepared, prefill_decode_deepseek_v3_61_layers_h200_ep8, "deepseek-v3", "h200", 8);

}  // namespace

BENCHMARK_MAIN();
