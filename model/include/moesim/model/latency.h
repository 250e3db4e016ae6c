#pragma once
// Latency, throughput, memory fit and cost of an architecture under a workload on a device:
// per operator, time = max(compute at the efficiency for its shape, memory at the efficiency
// for its size) + a fixed overhead, with the bound that decided it (the roofline model,
// Williams et al. 2009, CACM 52(4)). Structs in, structs out; no allocation.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "moesim/model/architecture.h"
#include "moesim/model/estimate.h"
#include "moesim/model/hardware.h"
#include "moesim/model/routing.h"
#include "moesim/model/workload.h"

namespace moesim {

// The pipeline schedule of a training step. 1F1B (PipeDream-Flush, Narayanan et al. 2021,
// arXiv 2104.04473 §2.2.1; interleaved with Parallelism::virtual_stages > 1) holds at most pp
// micro-batches' activations on the first stage; GPipe (Huang et al. 2019, arXiv 1811.06965
// §2.3) runs every micro-batch's forward before any backward and holds all m of them, with the
// same bubble (pp - 1)/m.
enum class PipelineSchedule : std::uint8_t { one_f_one_b, gpipe };
std::string_view to_string(PipelineSchedule v);  // enum_names.cpp

struct Parallelism {
  std::int64_t tp = 1;  // tensor parallel: attention heads and dense/shared FFN widths split
  std::int64_t ep = 1;  // expert parallel: E/ep experts per device (carved from tp x dp devices)
  std::int64_t pp = 1;  // pipeline stages: layers/pp each
  std::int64_t dp = 1;  // data parallel replicas: batch split
  std::int64_t microbatches = 1;  // per pipeline flush in training (bubble (pp-1)/microbatches)
  // Model chunks per pipeline device: 1 is the 1F1B schedule (PipeDream-Flush), v > 1 the
  // interleaved 1F1B schedule of Narayanan et al. 2021 (arXiv 2104.04473 §2.2.2), each device
  // holding v chunks of L/(pp v) layers: the bubble shrinks v-fold, the stage-to-stage
  // messages grow v-fold. Megatron-LM's --num-virtual-stages-per-pipeline-rank.
  std::int64_t virtual_stages = 1;
  PipelineSchedule schedule = PipelineSchedule::one_f_one_b;  // Megatron-LM's: 1F1B
  std::int64_t devices() const { return tp * pp * dp; }
};

enum class OffloadTarget : std::uint8_t { none, host, storage };
std::string_view to_string(OffloadTarget v);  // enum_names.cpp

// Whose expert weight reads set an expert-parallel step under skewed routing: the busiest
// device's (it holds the most popular experts, and the step waits for it), or the group's
// distinct experts shared evenly over the devices (moesim's model before 2026-12). The FLOPs
// are the busiest device's either way. Uniform routing: every device alike.
enum class ExpertReads : std::uint8_t { busiest, mean };
std::string_view to_string(ExpertReads v);  // enum_names.cpp

// Expert offloading for edge devices (EdgeMoE, Yi et al. 2023, arXiv 2308.14352 §3-4):
// non-expert weights resident, routed experts fetched on activation into a per-layer cache.
struct Offload {
  OffloadTarget target = OffloadTarget::none;
  double cache_experts_per_layer = 0;  // experts kept resident per MoE layer
  CachePolicy policy = CachePolicy::lru;
  double prefetch_accuracy = 0;        // fraction of misses predicted one layer ahead (EdgeMoE §4.2)
};

struct Deployment {
  Parallelism parallel;
  Offload offload;
  double capacity_factor = 0;  // token-choice capacity per expert (0 = dropless)
  // How tokens spread over the experts: a Zipf skew or a measured histogram (validate()
  // checks both, and the histogram's length against the architecture).
  RoutingSkew routing;
  // Routing locality (LocMoE, Li et al. 2024, arXiv 2401.13920 §3): the share of routed token
  // copies whose expert sits on the token's own node; only the rest crosses the scale-out
  // link. Unset: as uniform routing, the node's share of the expert-parallel group.
  std::optional<double> node_locality;
  ExpertReads expert_reads = ExpertReads::busiest;
  // Which experts share an expert-parallel device under skewed routing (routing.h): the most
  // popular together, or spread by load as an expert-placement balancer does.
  ExpertPlacement expert_placement = ExpertPlacement::contiguous;
  // Two-batch overlap in serving (DeepSeek-V3 report, arXiv 2412.19437 §3.4.1: "we
  // simultaneously process two micro-batches with similar computational workloads, overlapping
  // the attention and MoE of one micro-batch with the dispatch and combine of another";
  // SGLang's --enable-two-batch-overlap): each replica's sequences run as two micro-batches of
  // half of them, each reading the weights again, and only the longer of their compute and
  // their all-to-all sets the pass. Needs two sequences per replica; training ignores it.
  bool two_batch_overlap = false;
};

// The per-expert routing shares of `d` for `arch` (expert_shares()); empty = uniform.
std::vector<double> routing_shares(const Architecture& arch, const Deployment& d);

enum class Op : std::uint8_t {
  embedding,
  norms,
  qkv_projection,
  attention,
  output_projection,
  mamba_projections,  // in_proj, x_proj, dt_proj, out_proj of the Mamba layers
  mamba_scan,         // their conv1d and selective scan, state read and written
  router,
  dispatch,        // permute and all-to-all to the experts
  routed_experts,
  shared_experts,
  combine,         // all-to-all back and weighted sum
  dense_ffn,
  // the FFNs' activation functions (SwiGLU, GELU), a kernel of their own between the GEMMs,
  // and in FP8 training the casts of the GEMMs' inputs to FP8
  elementwise,
  lm_head,
  tp_allreduce,
  pipeline_p2p,
  expert_io,       // offloaded experts fetched from host or storage
  pass_overhead,   // the engine's per-pass host work (Hardware::pass_overhead_s), serving only
  optimizer,
  dp_allreduce,
};
inline constexpr std::size_t kOpCount = 21;
std::string_view to_string(Op op);

enum class Bound : std::uint8_t { none, compute, memory, communication, io, overhead };
std::string_view to_string(Bound b);

struct OpTime {
  double time_s = 0;
  double compute_s = 0;
  double memory_s = 0;
  double communication_s = 0;
  double io_s = 0;
  double flops = 0;  // per device
  double bytes = 0;  // per device: memory traffic, or bytes sent/loaded
  double kernels = 0;  // launches per device, each paying kernel_overhead_s (graph_kernel_overhead_s in decode)
  Bound bound = Bound::none;
};

struct PhaseTime {
  std::array<OpTime, kOpCount> op{};
  double total_s = 0;
  OpTime& operator[](Op o) { return op[static_cast<std::size_t>(o)]; }
  const OpTime& operator[](Op o) const { return op[static_cast<std::size_t>(o)]; }
};

enum class Infeasible : std::uint8_t {
  none,
  memory,                 // weights + KV cache (+ training state) exceed device memory
  ep_not_dividing_experts,
  ep_exceeds_devices,     // ep must divide tp * dp
  tp_not_dividing_heads,
  pp_exceeds_layers,
  no_compute,             // the device has no peak for the activation format
  offload_without_moe,
  dp_not_dividing_batch,
  no_offload_path,        // the profile has no host link (host) or no storage rates (storage)
  host_memory,            // the experts offloaded to the host exceed its memory
  no_link,                // several devices, but the profile has no link between them
  tp_not_dividing_mamba,  // tp does not divide the Mamba inner width expand * hidden_size
  no_dequantization,      // weights narrower than the activations, and no unpack rate for them
};
std::string_view to_string(Infeasible r);

struct MemoryPerDevice {
  double weights_bytes = 0;  // resident weights (the expert cache only, when offloading)
  double kv_cache_bytes = 0;
  double recurrent_state_bytes = 0;  // Mamba conv and SSM states (inference)
  double training_state_bytes = 0;  // gradients, optimizer states, activations
  double total_bytes = 0;
  double capacity_bytes = 0;
};

struct LatencyEstimate {
  Infeasible infeasible = Infeasible::none;  // a valid design that does not fit: data, not an error
  bool feasible() const { return infeasible == Infeasible::none; }
  MemoryPerDevice memory;
  PhaseTime prefill;  // the whole prompt of batch x context
  PhaseTime decode;   // one token for each sequence at context
  PhaseTime train;    // one optimizer step of batch x context tokens
  double prefill_s = 0;
  double decode_step_s = 0;
  double decode_tokens_per_s = 0;  // all replicas
  double train_step_s = 0;
  double train_total_s = 0;        // for the workload's training tokens
  double device_hours = 0;
  // Model FLOPs utilisation: the training FLOPs (model.md §3) over the step time, the devices and
  // their peak in the compute format (bf16, or fp8 with fp8 activations), as trainers report it.
  double train_mfu = 0;
  double energy_j = 0;             // at TDP
  double cost_usd = 0;             // 0 when the profile has no price
  // routing
  double decode_distinct_experts = 0;  // per MoE layer, all devices
  double max_load_over_mean = 1;       // busiest EP device over the mean (decode)
  double dropped_fraction = 0;         // beyond capacity (training step)
  // offloading
  double expert_cache_hit_rate = 0;
  double decode_io_share = 0;          // of the decode step time
};

// Which phases to time; all by default (a sweep of one phase may skip the others).
struct LatencyPhases {
  bool prefill = true;
  bool decode = true;
  bool train = true;
};

namespace detail {
// What LatencyModel prepares once (latency.cpp): not an interface.
struct GemmShape {
  double params = 0;            // weights on one device
  double weight_bytes = 0;
  double io_values = 0;         // activation values read and written per token
  double width_efficiency = 1;  // Hardware::gemm_by_width at the smaller weight dimension
  bool kept_wide = false;       // runs at LatencyPlan::wide_peak (router, output head)
  double unpack_s = 0;          // unpacking its weights to the compute format once (0: not stored narrower)
  double kernels = 1;           // the GEMM launches it runs as (MLA's q/kv path: 3; a GLU FFN: 2)
};
struct LayerShape {  // a group of layers with the same mixer, FFN kind and attention span
  LayerMixer mixer = LayerMixer::attention;
  LayerFfn ffn = LayerFfn::dense;
  AttentionSpan span = AttentionSpan::full;
  double layers = 0;
};
struct LatencyPlan {
  Infeasible infeasible = Infeasible::none;  // workload-independent reasons
  double peak = 0;                 // FLOP/s in the activations' format
  // FLOP/s of the operators FP8 training keeps at 16 bits or wider when the GEMMs run narrower
  // (attention core, router, output head: DeepSeek-V3, arXiv 2412.19437 §3.3.1); `peak` otherwise
  double wide_peak = 0;
  double act = 0;                  // bytes per activation value
  std::array<LayerShape, kMaxLayerGroups> layer{};
  std::size_t layer_count = 0;
  double moe_layers = 0;
  GemmShape qkv, output, dense_ffn, router, shared_experts, lm_head;
  // attention core: FLOPs per query per key (absorbed for decode), cached bytes per token
  // on this device, output bytes per token, efficiencies of its per-sequence GEMMs
  double attention_flops_prefill = 0, attention_flops_decode = 0;
  double kv_split = 1;  // KV heads split over tp (MLA's latent is not)
  double kv_bytes_per_token = 0, attention_out_bytes = 0;
  double attention_width_efficiency = 1, decode_attention_efficiency = 1;
  // the attention layer's norms: kernels and values read and written per token (the two
  // residual norms, q/k norms, MLA's latent norms)
  double attention_norm_kernels = 2, attention_norm_values = 0;
  // Mamba layers on one device, d_inner split tp ways: the four projections, the conv1d and
  // scan's FLOPs and activation bytes per token, one sequence's states, the scan's peak
  double mamba_layers = 0;
  GemmShape mamba_in, mamba_x, mamba_dt, mamba_out;
  double mamba_mixing_flops = 0, mamba_scan_io_bytes = 0, mamba_x_values = 0;
  double conv_state_bytes = 0, ssm_state_bytes = 0;
  double scan_peak = 0;
  double mamba_norm_kernels = 2, mamba_norm_values = 0;  // as attention's (Jamba's dt, B and C norms)
  // routed experts on one device (split tp ways when ep = 1)
  double expert_flops_per_copy = 0, expert_bytes = 0, expert_io_values = 0, expert_width_efficiency = 1;
  double expert_split = 1, local_experts = 0;
  double expert_unpack_s = 0;  // unpacking one whole expert's weights (mean over per-expert formats)
  // Activation values the FFNs' activation kernels read and write per token (per routed copy
  // for the experts), and the router's logits per token (its top-k kernel reads them).
  double dense_activation_values = 0, shared_activation_values = 0, expert_activation_values = 0;
  double router_logits = 0;
  // Training with FP8 (or narrower) GEMMs: the input values of the narrow GEMMs per token (per
  // routed copy for the experts), each cast from BF16 by a kernel of its own, and the bytes one
  // cast moves (BF16 read, narrow written); cast_bytes is 0 when the GEMMs run at 16 bits or wider.
  double attention_cast_values = 0, mamba_cast_values = 0, dense_cast_values = 0, shared_cast_values = 0, expert_cast_values = 0;
  double cast_bytes = 0;
  double cache_hit_rate = 0;  // offloading: per-layer expert cache
  // weights
  ParamCounts params;
  ByComponent weights;
  double weights_bytes = 0;
  double resident_weights_bytes = 0;  // per device
};
}  // namespace detail

// The workload-independent half of estimate_latency, prepared once per (architecture,
// device, deployment): operator shapes, their weight bytes and width efficiencies, resident
// weights, the routing shares, the expert cache's hit rate. Sweeps and views that vary only
// the workload reuse one. Owns the deployment and its routing shares; holds references to
// the architecture and the device, which must outlive it.
// Preconditions: arch and deployment valid (validate(deployment, arch)). Allocation-free but
// for the routing shares of a skewed or measured routing (and its busiest device's experts).
class LatencyModel {
 public:
  LatencyModel(const Architecture& arch, const Hardware& hw, const Deployment& deployment);
  // Preconditions: workload valid. The result is infeasible with a reason when the
  // deployment does not fit; times are still filled where they can be.
  LatencyEstimate operator()(const Workload& workload, LatencyPhases phases = {}) const;

 private:
  const Architecture& arch_;
  const Hardware& hw_;
  Deployment deployment_;
  std::vector<double> shares_;
  // skewed routing with ep > 1: the experts of the device whose shares sum highest under the
  // deployment's placement (busiest_device_experts); empty otherwise
  std::vector<std::size_t> busiest_experts_;
  detail::LatencyPlan plan_;
};

// One estimate: LatencyModel(arch, hw, deployment)(workload, phases).
LatencyEstimate estimate_latency(const Architecture& arch, const Workload& workload, const Hardware& hw,
                                 const Deployment& deployment, LatencyPhases phases = {});

}  // namespace moesim
