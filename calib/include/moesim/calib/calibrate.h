#pragma once
// `moesim calibrate`: microkernels measure this machine and fill a hardware profile of
// exactly the hwprofiles/ schema; `moesim validate`: real MoE layers measured against the
// model's prediction from a profile.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "moesim/model/hardware.h"

namespace moesim::calib {

struct CalibrationOptions {
  bool quick = false;          // under a minute on a 2-core machine
  std::string storage_dir;     // where to measure storage reads; empty = skip
  int threads = 0;             // 0 = every hardware thread
  std::function<void(const std::string& step, double done)> progress;  // done in [0, 1]
  const volatile bool* cancel = nullptr;
};

struct Calibration {
  Hardware profile;
  nlohmann::json raw;                 // every measurement, for the side file
  std::vector<std::string> warnings;  // noisy runs, missing storage, ...
  bool cancelled = false;
};

Calibration calibrate(const CalibrationOptions& options);

// One row of `moesim validate`.
struct ValidationRow {
  std::string kind;    // "moe_layer" or "decode_attention"
  std::string config;  // e.g. "T=256 h=1024 E=8 K=2 f=1024 zipf=0"
  double measured_s = 0;
  double predicted_s = 0;
  bool noisy = false;
  double abs_pct_error() const { return measured_s > 0 ? 100 * std::abs(predicted_s / measured_s - 1) : 0; }
};

struct ValidationOptions {
  bool quick = false;
  int threads = 0;
  std::function<void(const std::string& step, double done)> progress;
  const volatile bool* cancel = nullptr;
};

// The machine against the profile: a kernel whose rate the profile states (the GEMM grid's
// reference point), measured before and after the rows. Where the profile was calibrated on
// this machine a difference is the machine's own drift since (other load, clock frequency),
// and the rows that kernel bounds carry it in their errors too.
struct ReferenceCheck {
  std::string kernel;  // e.g. "GEMM M=256 N=K=2048 fp32"
  std::string unit;    // of the rates, e.g. "GFLOP/s"
  double profile = 0;  // the rate the profile gives the kernel
  double before = 0;   // measured before the rows
  double after = 0;    // and after them
};

struct Validation {
  std::vector<ValidationRow> rows;
  std::vector<ReferenceCheck> references;  // CPU only (empty from the CUDA layers)
  double median_abs_pct_error = 0;
  double p90_abs_pct_error = 0;
  // The same statistics over the rows that were not noisy (NaN when every row was), and the
  // dispersion above which a row is noisy ((p90 - p10) / median of its repetitions).
  std::size_t quiet_rows = 0;
  double quiet_median_abs_pct_error = 0;
  double quiet_p90_abs_pct_error = 0;
  double noisy_dispersion = 0;
};

// Measures the grid (at least 24 configurations) and predicts each from `hw` with moesim's
// latency model (the same operators: router, dispatch, experts, combine; or attention).
Validation validate_against(const Hardware& hw, const ValidationOptions& options);

}  // namespace moesim::calib
