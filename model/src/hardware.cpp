#include "moesim/model/hardware.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace moesim {
namespace {

// ln x for finite x > 0, to 1e-11: x = m 2^e with m in [1, 2); m = c (1 + r) with c the
// middle of m's 1/32 interval, |r| < 1/64, and ln(1 + r) by its series to r^5 (the next term,
// r^6 / 6, is below 3e-12). Tabled and free of divisions, because a latency estimate takes
// some 40 of these, and libm's log (then a division-based series) was a third of its time.
struct LogTable {
  std::array<double, 32> inverse_c{}, log_c{};
  LogTable() {
    for (std::size_t j = 0; j < 32; ++j) {
      const double c = 1 + (static_cast<double>(j) + 0.5) / 32;
      inverse_c[j] = 1 / c;
      log_c[j] = std::log(c);
    }
  }
};

const LogTable table;

double interpolation_log(double x) {
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const int e = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const std::size_t j = (bits >> 47) & 31;  // top five mantissa bits
  const double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const double r = m * table.inverse_c[j] - 1;
  const double log1p_r = r * (1 + r * (-1.0 / 2 + r * (1.0 / 3 + r * (-1.0 / 4 + r * (1.0 / 5)))));
  return e * std::numbers::ln2 + table.log_c[j] + log1p_r;
}

}  // namespace

void EfficiencyCurve::add(double x, double fraction) {
  if (size >= kMaxPoints) return;
  const double log_x = interpolation_log(x);
  const double inverse_step = size > 0 ? 1 / (log_x - point[size - 1].log_x) : 0;
  point[size++] = {x, fraction, log_x, inverse_step};
}

double EfficiencyCurve::at(double x) const {
  if (size == 0) return 1.0;
  if (x <= point[0].x) return point[0].fraction;
  if (x >= point[size - 1].x) return point[size - 1].fraction;
  std::size_t i = 1;
  while (x > point[i].x) ++i;
  // log-linear between neighbours: sizes span decades
  const double t = (interpolation_log(x) - point[i - 1].log_x) * point[i].inverse_log_step;
  return point[i - 1].fraction + t * (point[i].fraction - point[i - 1].fraction);
}

std::string_view to_string(ComputeFormat f) {
  switch (f) {
    case ComputeFormat::fp32: return "fp32";
    case ComputeFormat::tf32: return "tf32";
    case ComputeFormat::bf16: return "bf16";
    case ComputeFormat::fp8: return "fp8";
    case ComputeFormat::int8: return "int8";
    case ComputeFormat::fp4: return "fp4";
    case ComputeFormat::int4: return "int4";
  }
  return "?";
}

ComputeFormat compute_format_for(const NumberFormat& activations) {
  switch (activations.element) {
    case Element::fp32: return ComputeFormat::fp32;
    case Element::fp16:
    case Element::bf16: return ComputeFormat::bf16;
    case Element::fp8:
    case Element::fp6: return ComputeFormat::fp8;
    case Element::fp4: return ComputeFormat::fp4;
    case Element::int8: return ComputeFormat::int8;
    case Element::int4:
    case Element::int3:
    case Element::int2: return ComputeFormat::int4;
  }
  return ComputeFormat::bf16;
}

double peak_flop_per_s(const Hardware& hw, ComputeFormat f) {
  // A format the device lacks runs in the next wider one it has (fp8 on A100 runs as bf16).
  static constexpr ComputeFormat kWider[] = {ComputeFormat::fp32, ComputeFormat::fp32, ComputeFormat::tf32,
                                             ComputeFormat::bf16, ComputeFormat::bf16, ComputeFormat::fp8,
                                             ComputeFormat::int8};
  for (int guard = 0; guard < 8; ++guard) {
    const double peak = hw.peak_flop_per_s[static_cast<std::size_t>(f)];
    if (peak > 0) return peak;
    if (f == ComputeFormat::fp32) return 0;
    f = kWider[static_cast<std::size_t>(f)];
  }
  return 0;
}

}  // namespace moesim
