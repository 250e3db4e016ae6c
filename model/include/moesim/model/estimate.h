#pragma once
// Parameters, FLOPs and memory of an architecture under a workload: structs in, structs out.
// All results are plain numbers in base units (parameters, FLOP, bytes) with a breakdown by
// component and by layer kind. Formatting for people lives outside model/.
#include <array>
#include <cstddef>
#include <cstdint>

#include "moesim/model/architecture.h"
#include "moesim/model/workload.h"

namespace moesim {

enum class Component : std::uint8_t {
  input_embedding,
  attention,       // projections, their biases, q/k and MLA norms, sinks
  mamba,           // Mamba mixers: projections, conv1d, A_log, D, their biases and inner norms
  dense_ffn,
  routed_experts,
  shared_experts,  // shared experts and their gate
  router,          // gate weights and bias; Soft MoE dispatch/combine
  norms,           // pre-attention, pre-FFN and final norms
  lm_head,         // output projection (the embedding again when tied)
};
inline constexpr std::size_t kComponentCount = 9;
std::string_view to_string(Component c);

struct ByComponent {
  std::array<double, kComponentCount> value{};
  double& operator[](Component c) { return value[static_cast<std::size_t>(c)]; }
  double operator[](Component c) const { return value[static_cast<std::size_t>(c)]; }
  double sum() const;
};

// Published counts follow different conventions (REFERENCE.md §2): all are exposed.
struct ParamCounts {
  ByComponent total;
  ByComponent active;     // per token
  double mtp_total = 0;   // multi-token-prediction modules, outside every other figure
  double total_params() const { return total.sum(); }
  double active_params() const { return active.sum(); }  // Mixtral/Qwen/OLMoE/DBRX convention
  // gpt-oss and DeepSeek convention: the input embedding does no matmul.
  double active_excl_input_embedding() const { return active.sum() - active[Component::input_embedding]; }
  // Kaplan et al. 2020 (arXiv 2001.08361 §2.1): without input embedding and output head.
  double non_embedding_total() const;
  double non_embedding_active() const;
};

struct FlopCounts {
  // Forward FLOPs (2 per multiply-add) per token of the workload's phase: mean over a prefill
  // or training sequence of length context, or one decoded token at context. Matmuls by
  // component (Mamba's conv1d and selective scan under `mamba`: they do not grow with the
  // context); the attention-over-context term (QK^T and AV) apart.
  ByComponent forward_per_token;
  double attention_context_per_token = 0;
  double forward_per_token_total() const { return forward_per_token.sum() + attention_context_per_token; }

  double prefill = 0;             // batch * context prompt tokens, logits of the last token only
  double decode_step = 0;         // one token for each of batch sequences at context
  double training_per_token = 0;  // forward + backward + recomputation (+ MTP modules)
  double training_total = 0;      // training_per_token * training tokens
  double six_n_d = 0;             // 6 * active (excl. input embedding) * training tokens
  double training_tokens = 0;
  double phase_total = 0;         // prefill, decode_step or training_total, by phase
};

struct MemoryUse {
  ByComponent weights;  // bytes by format, block scales included
  double weights_bytes = 0;
  double mtp_weights_bytes = 0;          // training only
  double kv_cache_bytes_per_token = 0;   // one cached token in every layer that caches it
  double kv_cache_bytes = 0;             // batch sequences at context, windows capped
  // Mamba layers keep a fixed-size state instead (conv and SSM state), whatever the context.
  double recurrent_state_bytes_per_sequence = 0;  // every Mamba layer
  double recurrent_state_bytes = 0;               // batch sequences
  double activation_bytes = 0;           // training: stored for backward, the whole batch
  double activation_head_bytes = 0;      // of which the final norm's and head's inputs and the fp32 logits
  double gradient_bytes = 0;             // training
  double optimizer_bytes = 0;            // training: master weights and moments
  double total_bytes = 0;                // inference: weights + KV + recurrent state; train: all of the above
};

// Layers with the same mixer, FFN kind and attention span are computed once (a Mamba layer's
// span is taken as full: it has no attention).
struct LayerGroup {
  LayerMixer mixer = LayerMixer::attention;
  LayerFfn ffn = LayerFfn::dense;
  AttentionSpan span = AttentionSpan::full;
  std::int64_t layers = 0;
  double params_total = 0;                // per layer
  double params_active = 0;               // per layer, per token
  double forward_flops_per_token = 0;     // per layer, phase as in FlopCounts
  double kv_cache_bytes_per_sequence = 0; // per layer at context
  double recurrent_state_bytes_per_sequence = 0;  // per layer, any context
};
inline constexpr std::size_t kMaxLayerGroups = 8;  // 2 FFN kinds x (3 attention spans + Mamba)

struct LayerGroups {
  std::array<LayerGroup, kMaxLayerGroups> group{};
  std::size_t size = 0;
};

struct Estimate {
  ParamCounts params;
  FlopCounts flops;
  MemoryUse memory;
  LayerGroups layers;
};

// Preconditions: validate(arch) and validate(workload) returned no diagnostics.
// Allocation-free: sweeps call it millions of times.
Estimate estimate(const Architecture& arch, const Workload& workload);
// Parameters alone (what estimate() reports in `params`), without the FLOP and memory work.
ParamCounts count_params(const Architecture& arch);
ParamCounts count_params(const Architecture& arch, const LayerGroups& groups);  // groups: group_layers(arch)
// Weight bytes by component at the precision's formats, per-expert formats applied
// (estimate()'s `memory.weights`).
ByComponent weight_bytes(const Architecture& arch, const ParamCounts& params);
LayerGroups group_layers(const Architecture& arch);

}  // namespace moesim
