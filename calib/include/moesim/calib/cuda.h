#pragma once
// `moesim calibrate/validate --device cuda`: the same measurements on an NVIDIA GPU. Plain C++
// (no CUDA types), declared whether or not this build has CUDA: without it, cuda_built() is
// false, cuda_devices() says why and the two measuring functions throw.
#include <string>
#include <vector>

#include "moesim/calib/calibrate.h"

namespace moesim::calib {

// Whether the CUDA kernels were compiled in (MOESIM_WITH_CUDA and a CUDA compiler at configure time).
bool cuda_built();

// The CUDA devices this process sees, by ordinal. `error` is empty when the query succeeded
// and says why there are none otherwise (built without CUDA, no driver, no device).
struct CudaDevices {
  std::vector<std::string> names;
  std::string error;
};
CudaDevices cuda_devices();

// Fills a profile of exactly the hwprofiles/ schema (kind "gpu") from microkernels on `device`:
// an FFMA kernel (compute.fp32), large cuBLAS GEMMs (bf16, tf32, int8; fp8 with cuBLASLt from
// compute capability 8.9), the bf16 GEMM grid of the CPU calibration (gemm_by_tokens,
// gemm_by_width), a copy kernel by size (memory), pinned transfers (host_link), empty-kernel
// launches (kernel_overhead) and, with two or more GPUs and NCCL, all-reduce and all-to-all
// (scale_up). Throws std::runtime_error naming the CUDA, cuBLAS or NCCL call that failed.
Calibration calibrate_cuda(const CalibrationOptions& options, int device);

// The validation grid of validate_against(), measured on `device` in bf16 (cuBLAS GEMMs and
// CUDA kernels) and predicted from `hw` with every tensor in bf16. Each configuration's output
// is checked against a CPU reference (a wrong kernel throws rather than report a time).
Validation validate_against_cuda(const Hardware& hw, const ValidationOptions& options, int device);

}  // namespace moesim::calib
