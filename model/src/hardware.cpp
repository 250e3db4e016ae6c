#include "moesim/model/hardware.h"

#include <cmath>

namespace moesim {

void EfficiencyCurve::add(double x, double fraction) {
  if (size >= kMaxPoints) return;
  const double log_x = detail::interpolation_log(x);
  const double inverse_step = size > 0 ? 1 / (log_x - point[size - 1].log_x) : 0;
  point[size++] = {x, fraction, log_x, inverse_step};
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
