#pragma once
// The CUDA kernels are a module (libmoesim_calib_cuda.so) that cuda_loader.cpp opens on first
// use, so that a moesim that never touches a GPU never loads the CUDA libraries (cuBLASLt
// alone costs 0.13 s and 215 MB of resident memory when loaded). Both sides are built by the
// same compiler from the same tree: C++ types cross the boundary.
#include "moesim/calib/cuda.h"

namespace moesim::calib {

struct CudaModule {
  CudaDevices (*devices)();
  Calibration (*calibrate)(const CalibrationOptions& options, int device);
  Validation (*validate)(const Hardware& hw, const ValidationOptions& options, int device);
};

// The module's one exported symbol.
inline constexpr const char* kCudaModuleEntry = "moesim_calib_cuda_module";

namespace cuda {  // defined in the module
CudaDevices devices();
Calibration calibrate(const CalibrationOptions& options, int device);
Validation validate(const Hardware& hw, const ValidationOptions& options, int device);
}  // namespace cuda

}  // namespace moesim::calib
