#pragma once
// The one quantile rule of the project: linear interpolation between order statistics,
// Q(q) = x[j] + (h - j) (x[j+1] - x[j]) with h = q (n - 1), j = floor(h) (Hyndman & Fan 1996,
// "Sample quantiles in statistical packages", Am. Stat. 50(4), definition 7; R's and numpy's
// default). Calibration timings, `moesim validate`, the GUI's calibration view and the
// bootstrap intervals all use it, so the same numbers give the same percentiles everywhere.
#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace moesim {

// Preconditions: `sorted` ascending and non-empty, q in [0, 1].
inline double quantile_sorted(std::span<const double> sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto j = static_cast<std::size_t>(std::floor(h));
  const std::size_t next = std::min(j + 1, sorted.size() - 1);
  return sorted[j] + (h - static_cast<double>(j)) * (sorted[next] - sorted[j]);
}

// Of unsorted values; 0 for none.
inline double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return quantile_sorted(values, q);
}

}  // namespace moesim
