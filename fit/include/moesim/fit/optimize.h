#pragma once
// Constrained optima: the least predicted loss per budget over a space of concrete MoE
// designs, under the limits an architect faces (total size, memory, the serving devices, a
// decode latency or throughput target, training wall-clock), with inference charged to the
// budget. Formulations: Ludziejewski et al. 2025 (arXiv 2502.05172) §4.2 (N_total <= M), §4.3
// (N_total + KV cache <= M), §4.4 (6 N_act D + 2 N_act D_inf <= F); the device-hours budget
// replaces their FLOP count of serving by moesim's decode model (REFERENCE.md §1.6).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "moesim/fit/frontier.h"
#include "moesim/fit/law.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/hardware.h"
#include "moesim/model/number_format.h"
#include "moesim/model/placement.h"

namespace moesim::fit {

// The designs searched: every (K, G, weight format) of the lists, each at every expert count
// (E = K / (1 - S) over the sparsity grid, or the `experts` list when given) and every width
// of the family's log-spaced width grid (depth by the family's aspect ratio).
struct DesignSpace {
  Family family;  // conventions (vocabulary, context, widths, FLOP count); top_k and granularity from the lists
  std::vector<std::int64_t> top_k{1};
  std::vector<double> granularity{1};
  std::vector<std::int64_t> experts;  // empty: the sparsity grid
  std::vector<NumberFormat> weight_formats{NumberFormat{}};
  std::size_t sparsity_levels = 100;  // S from 0 to max_sparsity
  double max_sparsity = 0.98;
  double min_d_model = 128;
  double max_d_model = 65536;
  std::size_t width_points = 256;
};

// Where the design is served: decode of `batch` sequences at `context` on at most `devices`
// devices of `hw` (0: the fewest that fit), placed by moesim::place().
struct Serving {
  const Hardware* hw = nullptr;  // none: no device limit, latency or serving cost
  std::int64_t devices = 0;
  std::int64_t batch = 64;
  std::int64_t context = 8192;
};

inline constexpr double kNoLimit = std::numeric_limits<double>::infinity();

struct Limits {
  double max_total_params = kNoLimit;   // Ludziejewski §4.2
  double max_memory_bytes = kNoLimit;   // weights + KV cache of kv_tokens tokens (§4.3)
  double kv_tokens = 0;
  double max_decode_step_s = kNoLimit;  // needs Serving::hw
  double min_decode_tokens_per_s = 0;   // needs Serving::hw
  double max_train_hours = kNoLimit;    // wall-clock on train_devices devices; needs Serving::hw
  std::int64_t train_devices = 0;
};

enum class BudgetUnit : std::uint8_t { flops, device_hours };

struct Objective {
  BudgetUnit unit = BudgetUnit::flops;  // device_hours needs Serving::hw
  double inference_tokens = 0;          // served over the model's life, charged to the budget
};

// The limits that can bind, in the order of Limits, then the inference charge.
enum class Limit : std::uint8_t { params, memory, decode_latency, throughput, train_hours, inference };
inline constexpr std::size_t kLimitCount = 6;
std::string_view to_string(Limit limit);

struct OptimizeOptions {
  DesignSpace space;
  Serving serving;
  Limits limits;
  Objective objective;
  std::vector<double> budgets;      // FLOPs, or device-hours
  std::size_t alternatives = 0;     // the next best designs, each a different (E, K, G, format)
  double alternative_margin = 0.01; // ... within this much loss of the optimum
};

struct Design {
  Candidate candidate;        // budget_flops: the training FLOPs the budget leaves
  std::int64_t top_k = 1;
  double granularity = 1;
  NumberFormat weight_format;
  double memory_bytes = 0;    // weights + KV cache of Limits::kv_tokens tokens
  Placement placement;        // with Serving::hw
  double training_device_hours = 0;   // with Serving::hw
  double inference_device_hours = 0;  // with Serving::hw
};

struct ConstrainedOptimum {
  double budget = 0;  // as given, in the objective's unit
  bool feasible = false;
  std::string_view reason;                  // why nothing fits the limits, when infeasible
  Design best;
  std::vector<Limit> binding;               // limits whose removal would lower the loss
  std::vector<std::string_view> at_bound;   // search bounds the optimum sits on
  Design unconstrained;                     // the same space and budget, no limits
  bool unconstrained_feasible = false;
  std::vector<Design> alternatives;
};

// The family architecture of one design.
Architecture design_architecture(const Family& family, const Design& design);

// The rules optimize() needs of its options. Paths name the option in snake case
// ("max_params", "serve_batch"); front ends map them to their own spelling.
void validate(const OptimizeOptions& options, Diagnostics& out);
// ... of the design space alone (top_k, granularity, experts, weight_format), part of the
// above: a front end that draws the space's curves without searching checks its lists here.
void validate(const DesignSpace& space, Diagnostics& out);

// The limits of `options` that one design of `family` breaks (its candidate's budget_flops as
// its training FLOPs), as optimize() judges them: for drawing which designs fit.
std::vector<Limit> broken_limits(const OptimizeOptions& options, const Family& family, const Design& design);

// The decode step of the space's smallest design (narrowest width, fewest and smallest
// experts, fewest weight bytes) on its best placement: no design decodes faster, so a latency
// limit below it is an input error. Infinity when it does not fit. Needs Serving::hw.
double decode_step_floor(const OptimizeOptions& options);

// Preconditions: validate(options) found nothing. Deterministic.
std::vector<ConstrainedOptimum> optimize(const Law& law, const ParamVector& params, const OptimizeOptions& options);

// The quantity a limit bounds, of one design as optimize() reports it: total parameters,
// weights + KV bytes, decode step (s), decode tokens/s, training wall-clock hours on
// Limits::train_devices. NaN where the design has no value (not placed, no serving device).
double limited_value(Limit limit, const Design& design, const OptimizeOptions& options);

// The best predicted loss against one cost at one budget: the Pareto front of (cost, loss)
// over the design space, traced by the optimizer itself. The optimum under the options' limits
// comes first; each next point is the optimum with the limit on `cost` tightened to `1 - step`
// of the last point's value (throughput: raised to 1 / (1 - step) of it), until nothing meets
// the limits or `max_points`. Every point is then the least loss at a cost no worse than its
// own; a design between two points costing up to `step` less than the first is not shown.
struct TradeoffOptions {
  Limit cost = Limit::decode_latency;  // params, memory, decode_latency or throughput
  std::size_t max_points = 24;
  double step = 0.15;
};
// Paths as validate(OptimizeOptions) gives them, plus "cost", "max_points", "step".
void validate(const OptimizeOptions& options, const TradeoffOptions& tradeoff, Diagnostics& out);
// Preconditions: validate(options, tradeoff) found nothing (one budget). Points by rising loss
// and falling cost (rising throughput), every one feasible; when nothing meets the options'
// own limits, the one infeasible row with its reason.
std::vector<ConstrainedOptimum> tradeoff(const Law& law, const ParamVector& params, const OptimizeOptions& options,
                                         const TradeoffOptions& tradeoff);

}  // namespace moesim::fit
