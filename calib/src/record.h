#pragma once
// What both calibrations (calibrate.cpp, cuda/calibrate_cuda.cpp) write into a profile's
// provenance and raw side file.
#include <string>

#include <nlohmann/json.hpp>

#include "moesim/calib/measure.h"

namespace moesim::calib {

nlohmann::json to_json(const Measurement& m);
std::string host_name();
std::string today();  // UTC, YYYY-MM-DD

}  // namespace moesim::calib
