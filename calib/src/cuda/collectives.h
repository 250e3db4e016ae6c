#pragma once
// Internal to calib: NCCL all-reduce and all-to-all over every visible GPU, for the profile's
// scale_up link. Measured only with two or more GPUs and a build that found NCCL.
#include <cstddef>
#include <string>

#include "moesim/calib/measure.h"

namespace moesim::calib::cuda {

struct Collectives {
  std::string not_measured;  // why not, when they were not measured
  int devices = 1;
  int nccl_version = 0;
  std::size_t large_bytes = 0, small_bytes = 0;  // per rank
  Measurement all_reduce_large, all_reduce_small, all_to_all_large, all_to_all_small;
  // nccl-tests' bus bandwidth (doc/PERFORMANCE.md), comparable to the per-device link rate,
  // from the best repetition as every bandwidth here.
  double all_reduce_bus_bytes_per_s = 0, all_to_all_bus_bytes_per_s = 0;
  // Per latency step of moesim's all_reduce / all_to_all (model/src/latency.cpp), from the
  // median of the small messages.
  double all_reduce_step_latency_s = 0, all_to_all_step_latency_s = 0;
};

Collectives measure_collectives(bool quick, const MeasureOptions& options);

}  // namespace moesim::calib::cuda
