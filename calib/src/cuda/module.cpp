// The entry point cuda_loader.cpp looks up after opening this module.
#include "../cuda_module.h"

extern "C" __attribute__((visibility("default"))) const moesim::calib::CudaModule* moesim_calib_cuda_module() {
  static const moesim::calib::CudaModule module{moesim::calib::cuda::devices, moesim::calib::cuda::calibrate,
                                                 moesim::calib::cuda::validate};
  return &module;
}
