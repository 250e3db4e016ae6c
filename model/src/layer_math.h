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
// KV-cache bytes of one sequence at context L in one layer of this span.
double kv_cache_bytes_per_sequence(const Architecture& a, AttentionSpan span, double L);
const NumberFormat& weight_format(const Precision& p, Component c);

}  // namespace moesim::detail
