#include "collectives.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime.h"

#ifdef MOESIM_HAVE_NCCL
#include <nccl.h>
#endif

namespace moesim::calib::cuda {

#ifdef MOESIM_HAVE_NCCL
namespace {

void check(ncclResult_t status, const char* call) {
  if (status != ncclSuccess) throw std::runtime_error(std::string(call) + " failed: " + ncclGetErrorString(status));
}

// One communicator per visible GPU, driven from this one process.
struct Communicators {
  explicit Communicators(int n) : comms(static_cast<std::size_t>(n), nullptr) {
    std::vector<int> devices(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) devices[static_cast<std::size_t>(i)] = i;
    check(ncclCommInitAll(comms.data(), n, devices.data()), "ncclCommInitAll");
  }
  ~Communicators() {
    for (ncclComm_t c : comms) ncclCommDestroy(c);
  }
  Communicators(const Communicators&) = delete;
  Communicators& operator=(const Communicators&) = delete;
  std::vector<ncclComm_t> comms;
};

struct Rank {
  Stream stream;
  Event start, stop;
  DeviceBuffer send, receive;
};

}  // namespace
#endif

Collectives measure_collectives(bool quick, const MeasureOptions& options) {
  Collectives c;
  int n = 0;
  check(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
  c.devices = n;
  if (n < 2) {
    c.not_measured = "one CUDA device visible: scale_up not measured (NCCL all-reduce and all-to-all need two or more GPUs)";
    return c;
  }
#ifndef MOESIM_HAVE_NCCL
  (void)quick;
  (void)options;
  c.not_measured = std::to_string(n) +
                   " CUDA devices visible, but this moesim was built without NCCL (nccl.h or libnccl not found at configure time): "
                   "scale_up not measured";
  return c;
#else
  const std::size_t large = quick ? (64u << 20) : (256u << 20), small = 8 * static_cast<std::size_t>(n);
  const auto N = static_cast<std::size_t>(n);
  int previous = 0;
  check(cudaGetDevice(&previous), "cudaGetDevice");
  std::vector<Rank> ranks;
  ranks.reserve(N);
  for (int r = 0; r < n; ++r) {
    use_device(r);
    ranks.push_back(Rank{Stream(), Event(), Event(), DeviceBuffer(large), DeviceBuffer(large)});
    check(cudaMemsetAsync(ranks.back().send.data(), 0, large, ranks.back().stream.get()), "cudaMemsetAsync (collective buffers)");
  }
  Communicators communicators(n);
  // A collective takes as long as its slowest rank, each timed by events on its own stream.
  auto timed = [&](const auto& enqueue) {
    return measure_timed(
        [&] {
          for (std::size_t r = 0; r < N; ++r) {
            check(cudaSetDevice(static_cast<int>(r)), "cudaSetDevice");
            check(cudaEventRecord(ranks[r].start.get(), ranks[r].stream.get()), "cudaEventRecord (start)");
          }
          check(ncclGroupStart(), "ncclGroupStart");
          for (std::size_t r = 0; r < N; ++r) enqueue(r);
          check(ncclGroupEnd(), "ncclGroupEnd");
          for (std::size_t r = 0; r < N; ++r) {
            check(cudaSetDevice(static_cast<int>(r)), "cudaSetDevice");
            check(cudaEventRecord(ranks[r].stop.get(), ranks[r].stream.get()), "cudaEventRecord (stop)");
          }
          double slowest = 0;
          for (std::size_t r = 0; r < N; ++r) {
            check(cudaEventSynchronize(ranks[r].stop.get()), "cudaEventSynchronize (after a collective)");
            float ms = 0;
            check(cudaEventElapsedTime(&ms, ranks[r].start.get(), ranks[r].stop.get()), "cudaEventElapsedTime");
            slowest = std::max(slowest, 1e-3 * static_cast<double>(ms));
          }
          return slowest;
        },
        options);
  };
  auto all_reduce = [&](std::size_t bytes) {
    return timed([&](std::size_t r) {
      check(ncclAllReduce(ranks[r].send.data(), ranks[r].receive.data(), bytes / sizeof(float), ncclFloat, ncclSum, communicators.comms[r],
                          ranks[r].stream.get()),
            "ncclAllReduce");
    });
  };
  // Each rank sends bytes / n to every other rank (ncclSend/ncclRecv pairs in one group).
  auto all_to_all = [&](std::size_t bytes) {
    const std::size_t chunk = bytes / N;
    return timed([&](std::size_t r) {
      for (std::size_t p = 0; p < N; ++p) {
        if (p == r) continue;
        check(ncclSend(ranks[r].send.as<char>() + p * chunk, chunk, ncclChar, static_cast<int>(p), communicators.comms[r], ranks[r].stream.get()),
              "ncclSend");
        check(ncclRecv(ranks[r].receive.as<char>() + p * chunk, chunk, ncclChar, static_cast<int>(p), communicators.comms[r],
                       ranks[r].stream.get()),
              "ncclRecv");
      }
    });
  };
  c.large_bytes = large;
  c.small_bytes = small;
  c.all_reduce_large = all_reduce(large);
  c.all_reduce_small = all_reduce(small);
  c.all_to_all_large = all_to_all(large);
  c.all_to_all_small = all_to_all(small);
  const double steps_reduce = 2.0 * (n - 1), steps_a2a = n - 1;
  // nccl-tests doc/PERFORMANCE.md: algbw = S / t; all-reduce busbw = algbw x 2(n-1)/n,
  // all-to-all busbw = algbw x (n-1)/n.
  c.all_reduce_bus_bytes_per_s = static_cast<double>(large) / c.all_reduce_large.min_s * steps_reduce / n;
  c.all_to_all_bus_bytes_per_s = static_cast<double>(large) / c.all_to_all_large.min_s * steps_a2a / n;
  // Per step of the ring all-reduce (2(n-1) steps; the raw file's) and of moesim's all-to-all
  // (n-1 steps; the profile's scale_up latency).
  c.all_reduce_step_latency_s = c.all_reduce_small.median_s / steps_reduce;
  c.all_to_all_step_latency_s = c.all_to_all_small.median_s / steps_a2a;
  check(ncclGetVersion(&c.nccl_version), "ncclGetVersion");
  use_device(previous);
  return c;
#endif
}

}  // namespace moesim::calib::cuda
