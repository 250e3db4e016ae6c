#pragma once
// The hardware: *where* the architecture runs. Numbers only, from a profile file
// (hwprofiles/), never constants in code. Base units: FLOP/s, bytes, bytes/s, s, W, USD/h.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

#include "moesim/model/number_format.h"

namespace moesim {

// Number formats a device computes in. bf16 stands for 16-bit floats (bf16 and fp16 run at
// the same rate on every shipped device).
enum class ComputeFormat : std::uint8_t { fp32, tf32, bf16, fp8, int8, fp4, int4 };
inline constexpr std::size_t kComputeFormatCount = 7;

// Achieved fraction of a peak as a piecewise log-linear function of a size (tokens, matrix
// width or bytes), clamped at both ends. Data from the profile, never from code.
struct EfficiencyCurve {
  static constexpr std::size_t kMaxPoints = 24;
  struct Point {
    double x = 0;
    double fraction = 1;
    double log_x = 0;             // ln x, kept so that at() takes one logarithm
    double inverse_log_step = 0;  // 1 / (ln x - ln of the previous point's x)
  };
  std::array<Point, kMaxPoints> point{};
  std::size_t size = 0;  // 0 means 1.0 everywhere
  // Appends a point; x must exceed the last one (the reader checks it).
  void add(double x, double fraction);
  double at(double x) const;  // inline below: a latency estimate takes some 40
};

namespace detail {
// ln x for finite x > 0, to 1e-11, without a division: x = m 2^e with m in [1, 2); m = c (1 + r)
// with c the middle of m's 1/32 interval, |r| < 1/64, and ln(1 + r) by its series to r^5 (the
// next term, r^6 / 6, is below 3e-12). A latency estimate takes some 40 of these, and libm's
// log was a third of its time. The table is built at compile time: ln c = 2 atanh(s),
// s = (c - 1)/(c + 1) < 1/3, by the series s^(2k+1)/(2k+1) to 40 terms (exact to rounding).
struct LogTable {
  std::array<double, 32> inverse_c{}, log_c{};
  constexpr LogTable() {
    for (std::size_t j = 0; j < 32; ++j) {
      const double c = 1 + (static_cast<double>(j) + 0.5) / 32;
      const double t = (c - 1) / (c + 1);
      double power = t, sum = 0;
      for (int k = 0; k < 40; ++k, power *= t * t) sum += power / (2 * k + 1);
      inverse_c[j] = 1 / c;
      log_c[j] = 2 * sum;
    }
  }
};
inline constexpr LogTable kLogTable{};

inline double interpolation_log(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const std::size_t j = (bits >> 47) & 31;  // top five mantissa bits
  const double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const double r = m * kLogTable.inverse_c[j] - 1;
  const double log1p_r = r * (1 + r * (-1.0 / 2 + r * (1.0 / 3 + r * (-1.0 / 4 + r * (1.0 / 5)))));
  return e * 0.6931471805599453 + kLogTable.log_c[j] + log1p_r;  // ln 2
}
}  // namespace detail

inline double EfficiencyCurve::at(double x) const {
  if (size == 0) return 1.0;
  if (x <= point[0].x) return point[0].fraction;
  if (x >= point[size - 1].x) return point[size - 1].fraction;
  std::size_t i = 1;
  while (x > point[i].x) ++i;
  // log-linear between neighbours: sizes span decades
  const double t = (detail::interpolation_log(x) - point[i - 1].log_x) * point[i].inverse_log_step;
  return point[i - 1].fraction + t * (point[i].fraction - point[i - 1].fraction);
}

struct Link {
  double bandwidth_bytes_per_s = 0;  // per direction
  double latency_s = 0;
};

struct Provenance {
  std::string method;  // "datasheet" or "calibration"
  std::string source;  // datasheet citation, or the calibration run
  std::string date;
  std::string host;
  std::string tool_version;
  std::string raw_measurements;  // the calibration's side file
};

struct Hardware {
  std::string name;
  std::string kind;  // gpu, cpu, soc
  std::array<double, kComputeFormatCount> peak_flop_per_s{};  // dense, 0 = not supported
  double memory_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;
  double cache_bytes = 0;
  double host_memory_bytes = 0;  // for offloading; 0 = none beyond device memory
  Link host_link;                // device <-> host memory (PCIe, C2C); unused on unified memory
  Link scale_up;                 // within a node (NVLink, Infinity Fabric)
  std::int64_t scale_up_devices = 1;
  // Every device of a node can read its peers' memory directly (NVLink through NVSwitch,
  // Infinity Fabric's full mesh, two GPUs on one bridge): what serving engines' one-shot and
  // two-shot all-reduce kernels need. false: not in the profile, and collectives go through
  // the ring and tree algorithms of a collective library.
  bool scale_up_peer_access = false;
  Link scale_out;                // between nodes (InfiniBand, Ethernet)
  double storage_sequential_read_bytes_per_s = 0;
  double storage_random_read_bytes_per_s = 0;
  double tdp_w = 0;
  double price_usd_per_hour = 0;  // 0 = unknown
  // Achieved fractions of peak: GEMMs by their token count M and by their smaller weight
  // dimension; memory transfers by size; links for collectives.
  EfficiencyCurve gemm_by_tokens;
  EfficiencyCurve gemm_by_width;
  EfficiencyCurve memory_by_bytes;
  // Decode attention measured as the kernel it is (`moesim calibrate`), by the query heads
  // that share one cached K/V (the GQA group; MLA's heads over its latent): fraction of peak.
  // Empty (every shipped profile): estimated as a weight GEMM with that many rows.
  EfficiencyCurve decode_attention_by_group;
  double link_efficiency = 1;
  double kernel_overhead_s = 0;  // fixed cost of one kernel launched (launch, synchronisation)
  // What one kernel costs when the engine replays its decode step as a captured CUDA graph
  // (vLLM, SGLang and TensorRT-LLM capture decode steps), measured by `moesim calibrate
  // --device cuda`. 0: not in the profile (no shipped profile has a measurement), and decode
  // kernels cost kernel_overhead_s as eager launches do.
  double graph_kernel_overhead_s = 0;
  // The serving engine's fixed work per forward pass, on the host and not overlapped by any
  // kernel: scheduling the batch, preparing its inputs, and the synchronisation that returns
  // the sampled tokens before the next step can start. Charged once per prefill pass and decode
  // step (operator `pass_overhead`). 0: not in the profile (no shipped profile has a
  // measurement), and nothing is charged.
  double pass_overhead_s = 0;
  // Weight-only quantisation: bytes of stored weights per second the device unpacks to the
  // compute format, by the weights' element format (indexed by Element); 0 = not in the
  // profile, and a design that needs it is infeasible, never free. Used where the weights'
  // elements are narrower than the activations'.
  std::array<double, kElementCount> dequantize_bytes_per_s{};
  Provenance provenance;
};

std::string_view to_string(ComputeFormat f);
// The format a GEMM runs in is the activations' format: weight-only quantised GEMMs
// dequantise to it (W4A16 kernels).
ComputeFormat compute_format_for(const NumberFormat& activations);
// Peak of `f`, or of the next wider format the device has (fp8 on an A100 runs as bf16).
double peak_flop_per_s(const Hardware& hw, ComputeFormat f);

}  // namespace moesim
