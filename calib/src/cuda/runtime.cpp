#include "runtime.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "../cuda_module.h"

namespace moesim::calib::cuda {
namespace {

int current_device() {
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  return device;
}

// Destructors cannot report a failure; they free on the owning device and go on.
struct OwnerDevice {
  explicit OwnerDevice(int device) {
    if (cudaGetDevice(&previous) == cudaSuccess && previous != device) switched = cudaSetDevice(device) == cudaSuccess;
  }
  ~OwnerDevice() {
    if (switched) cudaSetDevice(previous);
  }
  int previous = 0;
  bool switched = false;
};

}  // namespace

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")");
}

void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + " failed: " + cublasGetStatusString(status) + " (" + cublasGetStatusName(status) + ")");
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes), device_(current_device()) {
  const cudaError_t status = cudaMalloc(&data_, std::max<std::size_t>(bytes, 1));
  if (status != cudaSuccess)
    throw std::runtime_error("cudaMalloc of " + std::to_string(bytes) + " bytes on cuda:" + std::to_string(device_) +
                             " failed: " + cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")");
}

DeviceBuffer::~DeviceBuffer() {
  if (!data_) return;
  OwnerDevice owner(device_);
  cudaFree(data_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)), device_(other.device_) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  std::swap(data_, other.data_);
  std::swap(bytes_, other.bytes_);
  std::swap(device_, other.device_);
  return *this;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) : bytes_(bytes) {
  const cudaError_t status = cudaMallocHost(&data_, std::max<std::size_t>(bytes, 1));
  if (status != cudaSuccess)
    throw std::runtime_error("cudaMallocHost of " + std::to_string(bytes) + " pinned bytes failed: " + cudaGetErrorString(status) +
                             " (" + cudaGetErrorName(status) + ")");
}

PinnedBuffer::~PinnedBuffer() { cudaFreeHost(data_); }

Stream::Stream() : device_(current_device()) { check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }

Stream::~Stream() {
  if (!stream_) return;
  OwnerDevice owner(device_);
  cudaStreamDestroy(stream_);
}

Stream::Stream(Stream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)), device_(other.device_) {}

Event::Event() : device_(current_device()) { check(cudaEventCreate(&event_), "cudaEventCreate"); }

Event::~Event() {
  if (!event_) return;
  OwnerDevice owner(device_);
  cudaEventDestroy(event_);
}

Event::Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)), device_(other.device_) {}

Graph::Graph(cudaStream_t stream, const std::function<void()>& enqueue) : device_(current_device()) {
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
  try {
    enqueue();
  } catch (...) {
    cudaStreamEndCapture(stream, &graph_);  // ends the capture; the destructor frees what it made
    throw;
  }
  check(cudaStreamEndCapture(stream, &graph_), "cudaStreamEndCapture");
  check(cudaGraphInstantiate(&exec_, graph_, 0), "cudaGraphInstantiate");
}

Graph::~Graph() {
  OwnerDevice owner(device_);
  if (exec_) cudaGraphExecDestroy(exec_);
  if (graph_) cudaGraphDestroy(graph_);
}

void Graph::launch(cudaStream_t stream) const { check(cudaGraphLaunch(exec_, stream), "cudaGraphLaunch"); }

bool all_peers_accessible(int devices) {
  for (int i = 0; i < devices; ++i)
    for (int j = 0; j < devices; ++j) {
      if (i == j) continue;
      int can = 0;
      check(cudaDeviceCanAccessPeer(&can, i, j), "cudaDeviceCanAccessPeer");
      if (!can) return false;
    }
  return true;
}

Blas::Blas(cudaStream_t stream) {
  check(cublasCreate(&handle_), "cublasCreate");
  const cublasStatus_t status = cublasSetStream(handle_, stream);
  if (status != CUBLAS_STATUS_SUCCESS) {
    cublasDestroy(handle_);
    check(status, "cublasSetStream");
  }
}

Blas::~Blas() { cublasDestroy(handle_); }

void use_device(int device) {
  int count = 0;
  check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count)
    throw std::runtime_error("cuda:" + std::to_string(device) + " does not exist: " + std::to_string(count) + " CUDA device(s) visible");
  check(cudaSetDevice(device), "cudaSetDevice");
}

Gpu::Gpu(int d) : device((use_device(d), d)), stream(), start(), stop(), blas(stream.get()) {
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  l2_flush = DeviceBuffer(3 * static_cast<std::size_t>(std::max(prop.l2CacheSize, 1 << 20)));
}

Measurement Gpu::time(const std::function<void()>& enqueue, const MeasureOptions& options, bool cold, int per_repetition) {
  int pass = 0;
  return measure_timed(
      [&] {
        // A different byte each time, so no repetition finds the cache holding what it writes.
        if (cold) check(cudaMemsetAsync(l2_flush.data(), ++pass & 0xff, l2_flush.bytes(), stream.get()), "cudaMemsetAsync (L2 flush)");
        check(cudaEventRecord(start.get(), stream.get()), "cudaEventRecord (start)");
        enqueue();
        check(cudaEventRecord(stop.get(), stream.get()), "cudaEventRecord (stop)");
        check(cudaEventSynchronize(stop.get()), "cudaEventSynchronize (after the timed work)");
        float ms = 0;
        check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "cudaEventElapsedTime");
        return 1e-3 * static_cast<double>(ms) / per_repetition;
      },
      options);
}

void Gpu::synchronize() const { check(cudaStreamSynchronize(stream.get()), "cudaStreamSynchronize"); }

}  // namespace moesim::calib::cuda

namespace moesim::calib::cuda {

CudaDevices devices() {
  CudaDevices out;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    out.error = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")";
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    const cudaError_t s = cudaGetDeviceProperties(&prop, i);
    out.names.push_back(s == cudaSuccess ? prop.name : std::string("(unreadable: ") + cudaGetErrorString(s) + ")");
  }
  if (count == 0) out.error = "cudaGetDeviceCount reported no device";
  return out;
}

}  // namespace moesim::calib::cuda
