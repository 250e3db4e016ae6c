#pragma once
// What every fuzz target asserts of an input the parsers accept: no crash and no exception
// (libFuzzer and the sanitizers catch those), and, where the input becomes a model or a device,
// estimates with no NaN, infinity or negative figure. A violation aborts: the fuzzer keeps the
// input, and the regression replay (replay_main.cpp) fails on it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"
#include "moesim/model/validate.h"

namespace moesim::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input as a JSON document, handed with the diagnostics to `read` when it parses.
template <class Read>
void with_json(const std::uint8_t* data, std::size_t size, Read&& read) {
  Diagnostics d;
  if (const auto doc = io::parse_json(text_of(data, size), d)) read(*doc, d);
}

[[noreturn]] inline void fail(const char* what, double value) {
  std::fprintf(stderr, "fuzz check failed: %s = %g\n", what, value);
  std::abort();
}

inline void require_figure(const char* what, double value) {
  if (!std::isfinite(value) || value < 0) fail(what, value);
}

// A model the readers accepted: its counts, FLOPs and memory for one decode step and one
// training step are finite and non-negative.
inline void check_model(const Architecture& a) {
  for (Phase phase : {Phase::decode, Phase::train}) {
    Workload w;
    w.phase = phase;
    w.batch = 2;
    w.context = 256;
    const Estimate e = estimate(a, w);
    require_figure("params.total", e.params.total_params());
    require_figure("params.active", e.params.active_params());
    require_figure("flops.per_token_forward", e.flops.forward_per_token_total());
    require_figure("flops.total", e.flops.phase_total);
    require_figure("memory.total_bytes", e.memory.total_bytes);
    require_figure("memory.recurrent_state_bytes", e.memory.recurrent_state_bytes);
  }
}

// A device the readers accepted: a small MoE decodes and prefills on it in a finite, positive
// time, or is refused as infeasible; never a feasible zero or NaN.
inline void check_hardware(const Hardware& hw) {
  Diagnostics d;
  const auto m = io::load_model("mixtral-8x7b", d);
  if (!m) std::abort();
  Architecture a = m->arch;
  a.layers.resize(2);
  for (Phase phase : {Phase::prefill, Phase::decode}) {
    Workload w;
    w.phase = phase;
    w.batch = 1;
    w.context = 512;
    const LatencyEstimate l = estimate_latency(a, w, hw, Deployment{});
    if (!l.feasible()) continue;
    const double t = phase == Phase::decode ? l.decode_step_s : l.prefill_s;
    if (!(t > 0) || !std::isfinite(t)) fail(phase == Phase::decode ? "latency.decode_step_s" : "latency.prefill_s", t);
  }
}

}  // namespace moesim::fuzz
