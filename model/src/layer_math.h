#pragma once
// Per-layer shapes shared by estimate.cpp and latency.cpp (private to moesim::model).
#include "moesim/model/architecture.h"
#include "moesim/model/estimate.h"

namespace moesim::detail {

struct Params {
  double matmul = 0;  // weights of matrix multiplies: 2 FLOPs each per token
  double other = 0;   // biases, norms, sinks: no matmul FLOPs
  double all() const { return matmul + other; }
};

double norm_params(const Architecture& a);
Params attention_params(const Architecture& a);
// One Mamba mixer: matmul = in_proj, x_proj, dt_proj, out_proj weights; other = the conv1d
// (its FLOPs are in mamba_mixing_flops_per_token), A_log, D, biases and inner norms.
Params mamba_params(const Architecture& a);
// The Mamba inner width d_inner = expand * hidden_size (Gu & Dao 2023 §3.4).
double mamba_d_inner(const Architecture& a);
// Forward FLOPs per token of one Mamba layer beyond its projections: the depthwise conv1d and
// the selective scan, the same in prefill and decode (the scan is linear in the sequence).
double mamba_mixing_flops_per_token(const Architecture& a);
// Activation values per token that the scan kernel reads and writes from memory (conv input
// and output, Delta, z, B, C, the output y), the N-expanded state excluded.
double mamba_scan_io_values(const Architecture& a);
// Bytes of one sequence's recurrent state in one Mamba layer, conv and SSM state apart.
double mamba_conv_state_bytes(const Architecture& a);
double mamba_ssm_state_bytes(const Architecture& a);
// Tokens the prefill scan kernel processes per chunk; the state is written once per chunk.
inline constexpr double kScanChunkTokens = 2048;
Params ffn_params(double h, const FfnConfig& f);
double soft_moe_slots(const MoeConfig& m);
Params router_params(double h, const MoeConfig& m);
Params shared_expert_params(double h, const MoeConfig& m);
// Mean routed experts processing one token; `group_tokens` is the Soft MoE group.
double experts_per_token(const MoeConfig& m, double group_tokens);
// Mean keys per query over a causal prefill of T; keys at decode position L; cached tokens.
double mean_prefill_context(AttentionSpan span, const AttentionConfig& at, double T);
double decode_context(AttentionSpan span, const AttentionConfig& at, double L);
double cached_tokens(AttentionSpan span, const AttentionConfig& at, double L);
double attention_flops_per_key(const AttentionConfig& at, bool absorbed);
double kv_values_per_token(const AttentionConfig& at);
// KV-cache bytes of one sequence at context L in one layer of this mixer and span (0 for Mamba).
double kv_cache_bytes_per_sequence(const Architecture& a, LayerMixer mixer, AttentionSpan span, double L);
// Recurrent-state bytes of one sequence in one layer of this mixer (0 for attention).
double recurrent_state_bytes_per_sequence(const Architecture& a, LayerMixer mixer);
const NumberFormat& weight_format(const Precision& p, Component c);

// Sum over every routed expert of every MoE layer of its parameters times
// `per_parameter(its format)`: the experts' default format, or a per-expert override
// (EdgeMoE §4.1: per-expert bit-widths).
template <class PerParameter>
double sum_over_routed_experts(const Architecture& a, PerParameter per_parameter) {
  double moe_layers = 0;
  for (const LayerConfig& l : a.layers) moe_layers += l.ffn == LayerFfn::moe ? 1 : 0;
  const double expert_params = ffn_params(static_cast<double>(a.hidden_size), a.moe.expert).all();
  const double default_value = per_parameter(a.precision.experts);
  double sum = moe_layers * static_cast<double>(a.moe.experts) * expert_params * default_value;
  for (const ExpertFormatOverride& o : a.precision.expert_overrides)  // replaces the default
    sum += (o.layer < 0 ? moe_layers : 1) * expert_params * (per_parameter(o.format) - default_value);
  return sum;
}

}  // namespace moesim::detail
