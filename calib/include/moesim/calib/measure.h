#pragma once
// Measurement discipline: warm-up, repetitions within a time budget, the median with its
// dispersion, and a flag for noisy runs (re-measured once by the caller's request).
#include <cstddef>
#include <functional>

namespace moesim::calib {

struct MeasureOptions {
  int warmup = 2;
  int min_repetitions = 5;
  int max_repetitions = 200;
  double budget_s = 0.5;       // stop repeating once this much time was spent (after min reps)
  double noisy_dispersion = 0.10;  // (p90 - p10) / median above this marks the run noisy
};

struct Measurement {
  double median_s = 0;
  double min_s = 0;
  double p10_s = 0;
  double p90_s = 0;
  int repetitions = 0;
  bool noisy = false;
  double dispersion() const { return median_s > 0 ? (p90_s - p10_s) / median_s : 0; }
};

// Times `run` (one repetition per call). A noisy result is measured once more with twice the
// repetitions and the quieter of the two is kept (`noisy` stays set if both were).
Measurement measure(const std::function<void()>& run, const MeasureOptions& options = {});

// The same discipline for work that times itself (GPU work timed with CUDA events): `run`
// performs one repetition and returns its duration in seconds.
Measurement measure_timed(const std::function<double()>& run, const MeasureOptions& options = {});

}  // namespace moesim::calib
