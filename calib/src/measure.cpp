#include "moesim/calib/measure.h"
#include "moesim/model/quantile.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace moesim::calib {
namespace {

Measurement once(const std::function<double()>& run, const MeasureOptions& o) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < o.warmup; ++i) run();
  std::vector<double> times;
  const auto start = clock::now();
  while (static_cast<int>(times.size()) < o.max_repetitions) {
    times.push_back(run());
    if (static_cast<int>(times.size()) >= o.min_repetitions &&
        std::chrono::duration<double>(clock::now() - start).count() > o.budget_s)
      break;
  }
  std::sort(times.begin(), times.end());
  auto at = [&](double q) { return quantile_sorted(times, q); };
  Measurement m;
  m.median_s = at(0.5);
  m.min_s = times.front();
  m.p10_s = at(0.1);
  m.p90_s = at(0.9);
  m.repetitions = static_cast<int>(times.size());
  m.noisy = m.dispersion() > o.noisy_dispersion;
  return m;
}

}  // namespace

Measurement measure(const std::function<void()>& run, const MeasureOptions& options) {
  return measure_timed(
      [&run] {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      },
      options);
}

Measurement measure_timed(const std::function<double()>& run, const MeasureOptions& options) {
  Measurement first = once(run, options);
  if (!first.noisy) return first;
  MeasureOptions again = options;
  again.min_repetitions *= 2;
  again.max_repetitions *= 2;
  again.budget_s *= 2;
  Measurement second = once(run, again);
  if (second.dispersion() < first.dispersion()) first = second;
  first.noisy = first.noisy && second.noisy;
  return first;
}

}  // namespace moesim::calib
