#pragma once
// Internal to calib's CUDA code: checked CUDA and cuBLAS calls (a failure throws
// std::runtime_error naming the call), owners that free what they hold on the device that
// holds it, and timing with CUDA events under calib's measurement discipline.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <functional>

#include "moesim/calib/measure.h"

namespace moesim::calib::cuda {

void check(cudaError_t status, const char* call);
void check(cublasStatus_t status, const char* call);

// Device memory, freed on the device it was allocated on.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  int device_ = 0;
};

// Page-locked host memory (what cudaMemcpyAsync transfers at full link speed).
class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(Stream&& other) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
  int device_ = 0;
};

class Event {
 public:
  Event();
  ~Event();
  Event(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
  int device_ = 0;
};

// A cuBLAS handle that queues its work on `stream`.
class Blas {
 public:
  explicit Blas(cudaStream_t stream);
  ~Blas();
  Blas(const Blas&) = delete;
  Blas& operator=(const Blas&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

// The work `enqueue` queues on `stream`, captured as a CUDA graph and instantiated, replayed
// by launch() as serving engines replay their decode steps.
class Graph {
 public:
  Graph(cudaStream_t stream, const std::function<void()>& enqueue);
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  void launch(cudaStream_t stream) const;

 private:
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  int device_ = 0;
};

// Whether every pair of the first `devices` GPUs can read each other's memory
// (cudaDeviceCanAccessPeer), as engines' one-shot and two-shot all-reduce kernels do.
bool all_peers_accessible(int devices);

// Sets `device` current; throws naming the device when it cannot be used.
void use_device(int device);

// One device made current, with what every measurement on it needs.
struct Gpu {
  explicit Gpu(int device);
  int device;
  cudaDeviceProp prop{};
  Stream stream;
  Event start, stop;
  Blas blas;
  DeviceBuffer l2_flush;  // three times the L2 cache, overwritten to evict it

  // Times `enqueue` (work it queues on `stream`) with CUDA events, per `per_repetition`
  // units of work it queues. With `cold`, the L2 cache is overwritten first, outside the
  // timed interval: weights and KV caches then come from device memory, as in a model whose
  // layers do not fit the cache.
  Measurement time(const std::function<void()>& enqueue, const MeasureOptions& options, bool cold, int per_repetition = 1);
  void synchronize() const;
};

}  // namespace moesim::calib::cuda
