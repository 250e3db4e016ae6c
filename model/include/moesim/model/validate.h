#pragma once
// Rules a valid architecture and workload obey, checked like Ceres' Options::IsValid: each
// broken rule becomes one Diagnostic naming the field (as its path in the native model
// format), the value and the rule. estimate() may assume they all hold.
#include <string>

#include "moesim/model/architecture.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/latency.h"
#include "moesim/model/workload.h"

namespace moesim {

// Sizes beyond these are rejected as absurd; they also keep every product far inside the
// range where doubles count parameters exactly (< 2^53).
inline constexpr std::int64_t kMaxDimension = 1 << 22;      // hidden, widths, ranks, vocab
inline constexpr std::int64_t kMaxLayers = 100000;
inline constexpr std::int64_t kMaxExperts = 1 << 20;
inline constexpr std::int64_t kMaxTokens = std::int64_t{1} << 40;  // batch, context
inline constexpr double kMaxParams = 1e15;

void validate(const Architecture& arch, Diagnostics& out);
void validate(const Workload& workload, Diagnostics& out);
// A context beyond the architecture's max_position_embeddings: the message, or "" (none, or
// not given). A warning: the cost is still computed.
std::string context_warning(const Architecture& arch, const Workload& workload);
// Paths are the field names: tp, ep, pp, dp, microbatches, capacity_factor, expert_cache,
// prefetch_accuracy, routing_skew, routing_histogram, routing_locality (the CLI prefixes "--", the GUI
// "/deployment/").
void validate(const Deployment& deployment, Diagnostics& out);
// The workload's rules (paths: batch, context, tokens, null_fraction), and against the
// architecture: a null fraction needs null experts.
void validate(const Workload& workload, const Architecture& arch, Diagnostics& out);
// ... and against the architecture: a routing histogram has one share per expert.
void validate(const Deployment& deployment, const Architecture& arch, Diagnostics& out);

}  // namespace moesim
