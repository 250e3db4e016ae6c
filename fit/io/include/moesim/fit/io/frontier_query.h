#pragma once
// `moesim frontier` as a library, under every front end (the CLI's options, Python's
// keywords): the query as the user typed it, the study it resolves to (the law, the design
// space by the law's conventions, the limits, the serving device), and the report of the
// optima as JSON. One parser and one set of rules, so the front ends cannot drift apart.
// Diagnostics name the query's fields in snake case ("max_decode_latency"); front ends spell
// them as their own options.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moesim/fit/io/fit_file.h"
#include "moesim/fit/optimize.h"
#include "moesim/io/json_reader.h"

namespace moesim::fit {

// Lists and quantities are texts, as typed ("1,2,4", "30 ms", "80 GB"); unset optionals take
// the family's conventions (abnar2025: top_k 1,2,4,8, granularity 1,2,4, the sparsity grid;
// ludziejewski2025: switch top-1 over its expert counts).
struct FrontierQuery {
  static constexpr const char* kTopK = "1,2,4,8";   // abnar2025's lists when unset
  static constexpr const char* kGranularity = "1,2,4";
  std::string law = "abnar2025";         // a built-in law (moesim laws) or a fit.json
  std::optional<LoadedLaw> loaded_law;   // instead of `law`: one the front end read (a fit in memory)
  std::string budgets = "1e20:1e24:11";  // LO:HI:COUNT (log-spaced) or a comma list, in the budget unit
  std::string family;                    // abnar2025 | ludziejewski2025; "" = the law's own
  std::optional<std::string> top_k, granularity, experts;
  std::string weight_format = "bf16";  // a comma list
  double aspect_ratio = 128;           // d_model / layers (abnar2025 family)
  std::optional<std::string> flops;    // exact | 6n
  std::optional<std::size_t> sparsity_levels;  // 100
  std::optional<double> max_sparsity;          // 0.98
  double fixed_size = 0;                        // also the optimal sparsity at this total size
  std::optional<std::string> max_params, max_memory, max_decode_latency;
  double kv_tokens = 0, min_decode_throughput = 0, inference_tokens = 0;
  std::optional<double> max_train_hours;
  std::int64_t train_devices = 0;
  std::shared_ptr<const Hardware> hw;  // the serving device, loaded by the front end
  std::int64_t devices = 0, serve_batch = 64, serve_context = 8192;
  std::string budget_unit = "flops";  // flops | device-hours
  std::size_t alternatives = 0;
};

struct FrontierStudy {
  LoadedLaw law;
  OptimizeOptions options;  // serving.hw points into `hw`, which moves with the study
  std::shared_ptr<const Hardware> hw;
  FrontierOptions frontier;  // the unconstrained grid (first K, G, format): IsoFLOP curves, dense equivalents
  double fixed_size = 0;
};

// Every problem of the query at once; nullopt when there is one.
std::optional<FrontierStudy> frontier_study(const FrontierQuery& query, Diagnostics& out);

// The study's answer, as `moesim frontier --format json` prints it: for a design-search law
// one row per budget (the optimum, its binding limits, the search bounds it sits on, the
// unconstrained optimum, the dense-equivalent compute ratio, alternatives) and the IsoFLOP
// curves, fixed-size optima or Ludziejewski's table per expert count; for krajewski2024 its
// optimal granularity per budget. `rows` holds the optima the JSON rows were written from.
struct FrontierAnswer {
  std::vector<ConstrainedOptimum> rows;
  io::Json json;
};
// `solve` finds the optima of the study's budgets, one per budget in order: by default
// optimize() in this process; `mpirun moesim frontier` deals the budgets out to its ranks.
// `solve` is called once when the study searches designs (searches_designs), never otherwise.
using BudgetSolver = std::function<std::vector<ConstrainedOptimum>(const FrontierStudy& study)>;
FrontierAnswer answer_frontier(const FrontierStudy& study, const BudgetSolver& solve = {});
// False for a law whose answer is a closed-form table (krajewski2024's granularity per budget).
bool searches_designs(const FrontierStudy& study);

}  // namespace moesim::fit
