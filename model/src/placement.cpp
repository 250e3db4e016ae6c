#include "moesim/model/placement.h"

#include <algorithm>

#include "moesim/model/estimate.h"

namespace moesim {
namespace {

bool better(const Placement& candidate, const Placement& best) {
  if (!best.fits) return true;
  if (candidate.decode_step_s != best.decode_step_s) return candidate.decode_step_s < best.decode_step_s;
  return candidate.devices < best.devices;  // equal speed: the cheaper split
}

// The fastest split that fits on exactly `devices` devices (or on at most `devices` when
// `up_to`), searching tp, pp, dp, ep as in the header.
Placement search(const Architecture& a, const Workload& w, const Hardware& hw, const PlacementOptions& o,
                 double weights_bytes, std::int64_t devices, bool up_to) {
  Placement best;
  const std::int64_t layers = static_cast<std::int64_t>(a.layers.size());
  const std::int64_t max_tp = std::min(o.max_tp, std::max<std::int64_t>(1, hw.scale_up_devices));
  for (std::int64_t tp = 1; tp <= max_tp && tp <= devices; tp *= 2) {
    if (a.attention.heads % tp != 0) continue;
    for (std::int64_t pp = 1; pp <= layers && tp * pp <= devices; pp *= 2)
      for (std::int64_t dp = 1; tp * pp * dp <= devices && dp <= w.batch; dp *= 2) {
        const std::int64_t n = tp * pp * dp;
        if (w.batch % dp != 0 || (!up_to && n != devices)) continue;
        // Every weight byte lives on at least one of the n devices (ep <= tp * dp).
        if (weights_bytes / static_cast<double>(n) > hw.memory_bytes) continue;
        for (std::int64_t ep = 1; ep <= tp * dp; ep *= 2) {
          if (ep > 1 && (a.moe.experts == 0 || a.moe.experts % ep != 0)) break;
          Deployment d;
          d.parallel = {tp, ep, pp, dp, 1};
          const LatencyEstimate l = estimate_latency(a, w, hw, d, {false, true, false});
          if (!l.feasible()) continue;
          const Placement p{true, d.parallel, n, l.decode_step_s, l.decode_tokens_per_s, l.memory.total_bytes, l.memory.capacity_bytes};
          if (better(p, best)) best = p;
        }
      }
  }
  return best;
}

}  // namespace

Placement place(const Architecture& a, const Workload& w, const Hardware& hw, const PlacementOptions& o) {
  const ParamCounts params = count_params(a);
  const double weights_bytes = weight_bytes(a, params).sum();
  if (o.devices > 0) return search(a, w, hw, o, weights_bytes, o.devices, true);
  for (std::int64_t n = 1; n <= o.max_search_devices; n *= 2) {
    const Placement p = search(a, w, hw, o, weights_bytes, n, false);
    if (p.fits) return p;
  }
  return {};
}

}  // namespace moesim
