#pragma once
// Internal to calib: the validation grid and its predictions, shared by the CPU (Eigen) and
// CUDA layers so that both measure the same configurations and predict them alike.
#include <functional>
#include <vector>

#include "moesim/calib/calibrate.h"
#include "moesim/calib/moe_layer.h"
#include "moesim/model/number_format.h"

namespace moesim::calib {

// How one backend times a layer; `routed` receives the measured routing histogram.
struct LayerTimers {
  std::function<Measurement(const MoeLayerShape&, const MeasureOptions&, std::vector<double>* routed)> moe;
  std::function<Measurement(const AttentionShape&, const MeasureOptions&)> attention;
};

// Measures the grid with `timers` and predicts every row from `hw` with all tensors (weights,
// activations, KV cache) in `format`, the format the timed kernels compute in.
Validation run_validation(const Hardware& hw, const ValidationOptions& options, const NumberFormat& format,
                          const LayerTimers& timers);

}  // namespace moesim::calib
