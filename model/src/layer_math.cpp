// Per-layer shapes shared by the FLOP/memory model (estimate.cpp) and the latency model
// (latency.cpp): one place for each formula.
#include "layer_math.h"

#include <algorithm>
#include <cmath>

namespace moesim::detail {

using C = Component;


double norm_params(const Architecture& a) {
  const double h = static_cast<double>(a.hidden_size);
  return a.norm == NormKind::layer_norm ? 2 * h : h;  // weight (+ bias)
}

// Standard attention (Vaswani et al. 2017 §3.2.2) with GQA/MQA K/V heads (Ainslie et al.
// 2023, arXiv 2305.13245); MLA per DeepSeek-V2 (arXiv 2405.04434) §2.1.2-2.1.3, Eq. 9-19.
Params attention_params(const Architecture& a) {
  const AttentionConfig& at = a.attention;
  const double h = static_cast<double>(a.hidden_size);
  const double H = static_cast<double>(at.heads);
  Params p;
  if (at.kind == AttentionKind::mla) {
    const double qk_dim = static_cast<double>(at.qk_nope_head_dim + at.qk_rope_head_dim);
    const double rq = static_cast<double>(at.q_lora_rank);
    const double rkv = static_cast<double>(at.kv_lora_rank);
    const double rope = static_cast<double>(at.qk_rope_head_dim);
    const double v = static_cast<double>(at.v_head_dim);
    if (at.q_lora_rank > 0) {
      p.matmul += h * rq + rq * H * qk_dim;  // W^DQ, W^UQ (Eq. 12-13) and W^QR (Eq. 14)
      p.other += rq;                         // norm of the q latent
    } else {
      p.matmul += h * H * qk_dim;
    }
    p.matmul += h * (rkv + rope);                                     // W^DKV and W^KR (Eq. 9, 16)
    p.other += rkv;                                                   // norm of the kv latent
    p.matmul += rkv * H * (static_cast<double>(at.qk_nope_head_dim) + v);  // W^UK, W^UV (Eq. 10-11)
    p.matmul += H * v * h;                                            // W^O (Eq. 19)
    return p;
  }
  const double d = static_cast<double>(at.head_dim);
  const double kv = static_cast<double>(at.kv_heads);
  p.matmul = h * H * d + 2 * h * kv * d + H * d * h;  // W_Q, W_K, W_V, W_O
  if (at.qkv_bias) p.other += H * d + 2 * kv * d;
  if (at.o_bias) p.other += h;
  if (at.qk_norm == QkNorm::per_head) p.other += 2 * d;
  if (at.qk_norm == QkNorm::full) p.other += (H + kv) * d;
  if (at.sinks) p.other += H;
  return p;
}

double mamba_d_inner(const Architecture& a) {
  return static_cast<double>(a.mamba.expand) * static_cast<double>(a.hidden_size);
}

// Tensor shapes of Hugging Face's JambaMambaMixer (modeling_jamba.py), which implements the
// Mamba block of Gu & Dao 2023 (arXiv 2312.00752, Fig. 3 and Alg. 2) plus Jamba's RMSNorms
// on dt, B and C (Lieber et al. 2024, arXiv 2403.19887 §2).
Params mamba_params(const Architecture& a) {
  const MambaConfig& m = a.mamba;
  const double h = static_cast<double>(a.hidden_size);
  const double di = mamba_d_inner(a);
  const double n = static_cast<double>(m.d_state);
  const double r = static_cast<double>(m.dt_rank);
  Params p;
  p.matmul = h * 2 * di            // in_proj: x and the gate z
             + di * (r + 2 * n)    // x_proj: Delta (rank r), B and C (Alg. 2, lines 2-4)
             + r * di              // dt_proj: Delta back to d_inner (Alg. 2, line 4)
             + di * h;             // out_proj
  p.other = di * static_cast<double>(m.d_conv)  // conv1d weight, d_inner x 1 x d_conv (depthwise)
            + di                                // dt_proj bias
            + di * n                            // A_log, d_inner x N (Alg. 2, line 1)
            + di;                               // D, the skip connection
  if (m.conv_bias) p.other += di;
  if (m.proj_bias) p.other += 2 * di + h;  // in_proj and out_proj biases
  if (m.inner_norms) p.other += r + 2 * n;  // dt_layernorm, b_layernorm, c_layernorm
  return p;
}

// Counted from the recurrence as HF's JambaMambaMixer.slow_forward and mamba_ssm's
// selective_scan_ref write it (Gu & Dao 2023, Alg. 2 with Eq. 2a-2b and the ZOH Abar =
// exp(Delta A) of Eq. 4, Bbar = Delta B): per channel and state element Delta*A (1), Delta*B*x
// (2), h = Abar*h + Bbar*x (2), y += C*h (2); per channel y + D*x (2) and the gate y*silu(z)
// (1). exp, softplus and silu are not counted, as no activation function is (docs/model.md §8).
// The conv1d: one multiply-add per tap and channel.
double mamba_mixing_flops_per_token(const Architecture& a) {
  constexpr double kFlopsPerStateElement = 7, kFlopsPerChannel = 3;
  const double di = mamba_d_inner(a);
  const double scan = di * (kFlopsPerStateElement * static_cast<double>(a.mamba.d_state) + kFlopsPerChannel);
  return scan + 2 * di * static_cast<double>(a.mamba.d_conv);
}

double mamba_scan_io_values(const Architecture& a) {
  // conv reads x and writes it back (2), the scan reads x, Delta, z (3) and B, C (2N), writes y (1)
  return 6 * mamba_d_inner(a) + 2 * static_cast<double>(a.mamba.d_state);
}

// What HF's HybridMambaAttentionDynamicCache allocates per layer and sequence: conv_states
// d_inner x d_conv (the kernel's whole window, newest input included), ssm_states d_inner x N.
double mamba_conv_state_bytes(const Architecture& a) {
  return mamba_d_inner(a) * static_cast<double>(a.mamba.d_conv) * a.precision.conv_state.bytes_per_value();
}
double mamba_ssm_state_bytes(const Architecture& a) {
  return mamba_d_inner(a) * static_cast<double>(a.mamba.d_state) * a.precision.ssm_state.bytes_per_value();
}

Params ffn_params(double h, const FfnConfig& f) {
  const double w = static_cast<double>(f.width);
  const bool glu = f.activation == FfnActivation::glu;
  Params p;
  p.matmul = (glu ? 3 : 2) * h * w;  // GLU: W, V, W2 (Shazeer 2020, Eq. 6); plain: W1, W2
  if (f.bias) p.other = (glu ? 2 * w : w) + h;
  return p;
}

double soft_moe_slots(const MoeConfig& m) {
  return static_cast<double>(m.experts * m.slots_per_expert);
}

Params router_params(double h, const MoeConfig& m) {
  Params p;
  if (m.router == RouterKind::soft_moe) {
    p.matmul = h * soft_moe_slots(m);  // Phi, d x (n*p) (Puigcerver et al. 2023 §2.1)
    return p;
  }
  const double outputs = static_cast<double>(m.experts + m.null_experts);  // AdaMoE §3.2: null experts are scored too
  p.matmul = h * outputs;
  if (m.router_bias) p.other = outputs;
  return p;
}

Params shared_expert_params(double h, const MoeConfig& m) {
  // DeepSeek implements n shared experts as one MLP of n times the width: same count.
  FfnConfig shared = m.expert;
  shared.width = m.shared_experts * m.shared_expert_width;
  Params p = m.shared_experts > 0 ? ffn_params(h, shared) : Params{};
  if (m.shared_expert_gate) p.matmul += h;  // sigmoid gate, h x 1 (Qwen2-MoE)
  return p;
}

// Mean number of routed experts that process one token. `group_tokens` is the Soft MoE
// group over which slots are mixed.
double experts_per_token(const MoeConfig& m, double group_tokens) {
  switch (m.router) {
    case RouterKind::token_choice: return static_cast<double>(m.top_k);
    case RouterKind::expert_choice: return m.capacity_factor;  // Zhou et al. 2022 §3.1: k = n*c/e
    case RouterKind::soft_moe: return soft_moe_slots(m) / std::max(group_tokens, 1.0);
  }
  return 0;
}

// Mean number of keys one query sees, over positions 1..T of a causal prefill.
double mean_prefill_context(AttentionSpan span, const AttentionConfig& at, double T) {
  switch (span) {
    case AttentionSpan::full: return (T + 1) / 2;
    case AttentionSpan::sliding: {
      const double W = static_cast<double>(at.sliding_window);
      if (T <= W) return (T + 1) / 2;
      return (W * (W + 1) / 2 + (T - W) * W) / T;
    }
    case AttentionSpan::chunked: {
      const double Cs = static_cast<double>(at.chunk_size);
      const double full_chunks = std::floor(T / Cs);
      const double rest = T - full_chunks * Cs;
      return (full_chunks * Cs * (Cs + 1) / 2 + rest * (rest + 1) / 2) / T;
    }
  }
  return 0;
}

// Keys seen by the token at position L (decode).
double decode_context(AttentionSpan span, const AttentionConfig& at, double L) {
  switch (span) {
    case AttentionSpan::full: return L;
    case AttentionSpan::sliding: return std::min(L, static_cast<double>(at.sliding_window));
    case AttentionSpan::chunked: {
      const double Cs = static_cast<double>(at.chunk_size);
      return L - std::floor((L - 1) / Cs) * Cs;
    }
  }
  return 0;
}

// Tokens a layer must keep in its KV cache at context L.
double cached_tokens(AttentionSpan span, const AttentionConfig& at, double L) {
  switch (span) {
    case AttentionSpan::full: return L;
    case AttentionSpan::sliding: return std::min(L, static_cast<double>(at.sliding_window));
    case AttentionSpan::chunked: return std::min(L, static_cast<double>(at.chunk_size));
  }
  return 0;
}

// FLOPs per query per key of QK^T plus AV. Standard: 2*H*d each (Hoffmann et al. 2022,
// App. F, "logits" and "attention reduction"). MLA in prefill/training materialises K and V
// (2*H*(nope+rope) + 2*H*v); in decode the up-projections are absorbed into q and o and the
// attention runs over the cached latent (2*H*(r_kv+rope) + 2*H*r_kv) (DeepSeek-V2 §2.1.2).
double attention_flops_per_key(const AttentionConfig& at, bool absorbed) {
  const double H = static_cast<double>(at.heads);
  if (at.kind == AttentionKind::standard) return 4 * H * static_cast<double>(at.head_dim);
  if (absorbed)
    return 2 * H * static_cast<double>(at.kv_lora_rank + at.qk_rope_head_dim) +
           2 * H * static_cast<double>(at.kv_lora_rank);
  return 2 * H * static_cast<double>(at.qk_nope_head_dim + at.qk_rope_head_dim) +
         2 * H * static_cast<double>(at.v_head_dim);
}

// Values cached per token per layer: 2*kv_heads*head_dim for K and V; MLA caches only the
// latent c^KV and the decoupled rope key k^R (DeepSeek-V2 §2.1.2, Eq. 9 and 16).
double kv_values_per_token(const AttentionConfig& at) {
  if (at.kind == AttentionKind::mla) return static_cast<double>(at.kv_lora_rank + at.qk_rope_head_dim);
  return 2 * static_cast<double>(at.kv_heads * at.head_dim);
}

double kv_cache_bytes_per_sequence(const Architecture& a, LayerMixer mixer, AttentionSpan span, double L) {
  if (mixer == LayerMixer::mamba) return 0;
  return kv_values_per_token(a.attention) * a.precision.kv_cache.bytes_per_value() * cached_tokens(span, a.attention, L);
}

double recurrent_state_bytes_per_sequence(const Architecture& a, LayerMixer mixer) {
  if (mixer == LayerMixer::attention) return 0;
  return mamba_conv_state_bytes(a) + mamba_ssm_state_bytes(a);
}

const NumberFormat& weight_format(const Precision& p, Component c) {
  switch (c) {
    case C::input_embedding: return p.embedding;
    case C::attention: return p.attention;
    case C::mamba: return p.mamba;
    case C::dense_ffn: return p.dense_ffn;
    case C::routed_experts: return p.experts;
    case C::shared_experts: return p.shared_experts;
    case C::router: return p.router;
    case C::norms: return p.norms;
    case C::lm_head: return p.lm_head;
  }
  return p.attention;
}


}  // namespace moesim::detail
