#pragma once
// The placement search: on which tensor / expert / pipeline / data-parallel split of at most
// a given number of devices an architecture serves a decode workload, and how fast. Used by
// the frontier and the constrained optimizer (moesim::fit) for every candidate design.
#include <cstdint>

#include "moesim/model/architecture.h"
#include "moesim/model/hardware.h"
#include "moesim/model/latency.h"
#include "moesim/model/workload.h"

namespace moesim {

struct PlacementOptions {
  // Use at most this many devices and take the fastest decode step among the splits that fit.
  // 0: the fewest devices that fit (up to max_search_devices), the fastest split among those.
  std::int64_t devices = 0;
  std::int64_t max_search_devices = 64;  // with devices = 0: give up beyond this many
  // Tensor parallelism stays within one scale-up domain (NVLink node): tp <= scale_up_devices
  // and tp <= max_tp (Megatron practice, Narayanan et al. 2021, arXiv 2104.04473 §3.3).
  std::int64_t max_tp = 8;
};

struct Placement {
  bool fits = false;
  Parallelism parallel;                // tp, ep, pp, dp (each a power of two; ep divides tp * dp)
  std::int64_t devices = 0;            // tp * pp * dp
  double decode_step_s = 0;            // one token for every sequence of the batch
  double decode_tokens_per_s = 0;      // all replicas
  double memory_per_device_bytes = 0;  // weights + KV cache on the fullest device
  double capacity_bytes = 0;
};

// Preconditions: arch and the decode workload valid. Tries every split with tp, pp, dp powers
// of two (dp dividing the batch, pp at most the layer count, tp dividing the heads) and ep a
// power of two dividing both E and tp * dp; a split whose evenly shared weights alone exceed
// a device is skipped without timing it. Allocation-free.
Placement place(const Architecture& arch, const Workload& decode, const Hardware& hw, const PlacementOptions& options);

}  // namespace moesim
