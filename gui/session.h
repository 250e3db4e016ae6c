#pragma once
// Every input of the explorer in one plain struct, saved and loaded as JSON (exact keys; an
// unknown key is an error with its JSON path), and turned into the structs the CLI builds:
// the architecture (io::load_model, then the overrides applied through the sweep table the
// CLI's `sweep --set` uses), the workload, the hardware (io::load_hardware) and the deployment.
// No Qt here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moesim/io/json_reader.h"
#include "moesim/io/model_io.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/hardware.h"
#include "moesim/model/latency.h"
#include "moesim/model/workload.h"

namespace moesim::gui {

inline constexpr int kSessionSchemaVersion = 1;

// Edits on top of the loaded model; an empty optional keeps the model's own value. Each
// integer and format override is applied with io::apply_sweep_value on the sweep field of
// the same name, so "layers" or "weight_format" mean exactly what `moesim sweep --set` means.
struct ModelOverrides {
  std::optional<std::int64_t> layers, hidden_size, experts, top_k, expert_width, shared_experts, heads, kv_heads;
  std::optional<AttentionKind> attention_kind;
  std::optional<std::string> weight_format, expert_format, kv_format, activation_format;
};

struct ModelInput {
  std::string spec = "mixtral-8x7b";  // a preset name or a file (native or Hugging Face config.json)
  ModelOverrides overrides;
};

// Options of `moesim estimate`'s deployment flags, by the same names.
struct DeploymentInput {
  // tp 2: the default model's bf16 weights (87 GiB) do not fit the default 80 GiB H100, and the
  // explorer opens on a design that fits (two devices, as Mixtral-8x7B is served).
  std::int64_t tp = 2, ep = 1, pp = 1, dp = 1, microbatches = 1, virtual_stages = 1;
  double capacity_factor = 0;  // 0 = dropless
  OffloadTarget offload = OffloadTarget::none;
  double expert_cache = 0;  // experts cached per MoE layer when offloading
  CachePolicy cache_policy = CachePolicy::lru;
  ExpertReads expert_reads = ExpertReads::busiest;  // as --expert-reads
  double prefetch_accuracy = 0;
  double routing_skew = 0;  // Zipf exponent; 0 = uniform
  std::string routing_histogram;  // measured shares "P1,...,PE" (as --routing-histogram); "" = none
  std::string routing_locality;   // share of routed tokens whose expert is on their node (as --routing-locality); "" = as uniform
  std::string max_violation;      // load imbalance as MaxVio (as --max-violation); "" = none
  bool two_batch_overlap = false;  // as --two-batch-overlap
  PipelineSchedule pp_schedule = PipelineSchedule::one_f_one_b;  // as --pp-schedule
  ExpertPlacement expert_placement = ExpertPlacement::contiguous;  // as --expert-placement
};

struct SweepSettings {
  std::string x = "experts";                  // one of io::sweep_fields()
  std::string values = "8,16,32,64";          // as after `--set x=`
  std::string series = "hw";                  // a second sweep field, one curve per value; "" = one curve
  std::string series_values = "h100-sxm,h200,mi300x";
  std::string y = "latency.decode_step_s";    // a key of io::estimate_fields() or io::latency_fields()
};

struct ScalingSettings {
  std::string law = "abnar2025";      // a built-in law or a fit.json (fit::load_law)
  std::string budgets = "1e19:1e23:5";  // FLOPs: LO:HI:COUNT (log-spaced) or a comma list, as `moesim frontier --budgets`
  std::string data;                   // optional scaling data (fit::read_scaling_data) overlaid with residuals
  std::string data_columns;           // generic CSV: ROLE=COLUMN,... as `moesim fit --columns`
  // The design family, as `moesim frontier --top-k LIST --granularity LIST --max-sparsity S`:
  // the IsoFLOP curves are the first K and G; with more, or limits, the optimizer searches all.
  std::string top_k = "1";
  std::string granularity = "1";
  double max_sparsity = 0.98;
  std::string fixed_size;  // total parameters: also the optimal sparsity at this N (--fixed-size)
  // Limits of `moesim frontier` under the same names; empty or 0 = none. With devices > 0 every
  // design must be served on that many devices of the session's hardware.
  std::string max_params;              // total parameters, e.g. "1e11"
  std::string max_memory;              // weights + KV cache of kv_tokens tokens, e.g. "160 GB"
  double kv_tokens = 0;
  std::int64_t devices = 0;
  std::int64_t serve_batch = 64, serve_context = 8192;
  std::string max_decode_latency;      // e.g. "50 ms"; needs devices
  double inference_tokens = 0;         // charged to the budget as 2 N_act T FLOPs
  bool has_limits() const { return !max_params.empty() || !max_memory.empty() || devices > 0 || inference_tokens > 0; }
  friend bool operator==(const ScalingSettings&, const ScalingSettings&) = default;
};

struct ParetoSettings {
  // Candidate axes, each as `--set FIELD=VALUES`; their Cartesian product around the current design.
  std::vector<std::string> axes = {"experts=4,8,16,32,64", "top_k=1,2,4", "expert_width=7168,14336"};
  std::string x = "latency.decode_step_s";  // the cost to minimise beside the predicted loss
  double budget_flops = 1e23;              // training compute: D = budget / training FLOPs per token
};

struct CalibrationSettings {
  std::string csv;  // a `moesim validate` CSV: measured_s, predicted_s, optional config
};

struct Session {
  ModelInput model;
  std::string hardware = "h100-sxm";  // a shipped profile's name or a profile file
  Workload workload;                   // phase, batch, context, train_tokens, training.recompute
  DeploymentInput deployment;
  SweepSettings sweep;
  ScalingSettings scaling;
  ParetoSettings pareto;
  CalibrationSettings calibration;
};

// The session's inputs as the library's structs.
struct Resolved {
  io::LoadedModel model;  // overrides applied; describe_architecture() shows it
  Workload workload;
  Hardware hardware;
  Deployment deployment;  // routing included
};

// Diagnostics name the session field they belong to in `path` (the JSON pointer of the
// session file: "/workload/batch", "/model/overrides/top_k", "/model/spec", "/hardware",
// "/deployment/tp"); the message starts with the library's own path where it has one
// ("mixtral.json:/moe/top_k: ..."), so it reads as the CLI prints it.
std::optional<Resolved> resolve(const Session& session, Diagnostics& out);


io::Json session_json(const Session& session);
std::optional<Session> read_session(const io::Json& doc, Diagnostics& out);
// Files: diagnostics carry the file name ("s.json:/workload/batch").
std::optional<Session> load_session(const std::string& path, Diagnostics& out);
bool save_session(const Session& session, const std::string& path, Diagnostics& out);

}  // namespace moesim::gui
