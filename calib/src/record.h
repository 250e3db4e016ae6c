#pragma once
// What both calibrations (calibrate.cpp, cuda/calibrate_cuda.cpp) share: the profile's
// provenance and raw side file, their step bookkeeping, and the smoothing of measured curves.
#include <string>

#include <nlohmann/json.hpp>

#include "moesim/calib/calibrate.h"
#include "moesim/calib/measure.h"

namespace moesim::calib {

nlohmann::json to_json(const Measurement& m);
std::string host_name();
std::string today();  // UTC, YYYY-MM-DD

// Makes a measured efficiency curve non-decreasing: a dip at one size is noise, not physics.
void non_decreasing(EfficiencyCurve& curve);

// The bookkeeping both share: the measurement budget of a --quick or full run, progress over
// a number of steps, and a warning for each measurement that stayed noisy.
class CalibrationSteps {
 public:
  CalibrationSteps(const CalibrationOptions& options, Calibration& out, int steps);
  const MeasureOptions& measure() const { return measure_; }
  bool next(const std::string& what);  // reports `what` as the next step; true when cancelled
  void note_noise(const std::string& what, const Measurement& r);

 private:
  const CalibrationOptions& options_;
  Calibration& out_;
  MeasureOptions measure_;
  double steps_, done_ = 0;
};

// With --storage-dir: sequential and random reads into the profile and the raw file (else a
// warning that they were not measured). False when cancelled.
bool storage_step(const CalibrationOptions& options, int threads, CalibrationSteps& steps, Calibration& out);

}  // namespace moesim::calib
