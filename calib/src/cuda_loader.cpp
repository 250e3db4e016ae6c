// The CUDA entry points of moesim::calib: the kernels live in a module opened on first use
// (cuda_module.h says why); a build without CUDA says so instead.
#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "cuda_module.h"

namespace moesim::calib {
namespace {

#ifdef MOESIM_CUDA_MODULE
struct Loaded {
  const CudaModule* module = nullptr;
  std::string error;  // why not, when module is null
};

// The build writes the module beside the `moesim` executable; else the loader's search path.
const Loaded& loaded() {
  static const Loaded once = [] {
    Loaded l;
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    void* handle = nullptr;
    if (!ec) handle = ::dlopen((exe.parent_path() / MOESIM_CUDA_MODULE).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* beside = ::dlerror();
      handle = ::dlopen(MOESIM_CUDA_MODULE, RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        l.error = std::string("cannot load the CUDA module " MOESIM_CUDA_MODULE ": ") + (beside ? beside : ::dlerror());
        return l;
      }
    }
    using Entry = const CudaModule* (*)();
    const auto entry = reinterpret_cast<Entry>(::dlsym(handle, kCudaModuleEntry));
    if (!entry) l.error = std::string("the CUDA module has no ") + kCudaModuleEntry;
    else l.module = entry();
    return l;
  }();
  return once;
}

const CudaModule& module() {
  if (!loaded().module) throw std::runtime_error(loaded().error);
  return *loaded().module;
}
#else
// MOESIM_CUDA_MISSING: why, from the configure step (CMakeLists.txt).
const char* const kNotBuilt = "this moesim was built without CUDA (" MOESIM_CUDA_MISSING "; configure with -DMOESIM_WITH_CUDA=ON)";
#endif

}  // namespace

#ifdef MOESIM_CUDA_MODULE
bool cuda_built() { return true; }

CudaDevices cuda_devices() {
  if (!loaded().module) return {{}, loaded().error};
  return loaded().module->devices();
}

Calibration calibrate_cuda(const CalibrationOptions& options, int device) { return module().calibrate(options, device); }

Validation validate_against_cuda(const Hardware& hw, const ValidationOptions& options, int device) {
  return module().validate(hw, options, device);
}
#else
bool cuda_built() { return false; }

CudaDevices cuda_devices() { return {{}, kNotBuilt}; }

Calibration calibrate_cuda(const CalibrationOptions&, int) { throw std::runtime_error(kNotBuilt); }

Validation validate_against_cuda(const Hardware&, const ValidationOptions&, int) { throw std::runtime_error(kNotBuilt); }
#endif

}  // namespace moesim::calib
