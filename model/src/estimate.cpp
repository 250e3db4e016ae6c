#include "moesim/model/estimate.h"

#include "layer_math.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace moesim {
namespace {

using C = Component;
using namespace detail;

// Activation elements one token stores in one layer for backward, without recomputation,
// following Korthikanti et al. 2022 (arXiv 2205.05198) §4.1, with no dropout masks (modern
// LLMs train without dropout) and GQA/MLA/MoE shapes written out. The T x T score and softmax
// tensors (2*H*T per token, §4.1 "QK^T" and "softmax") are counted only without FlashAttention.
double attention_activation_elements(const Architecture& a, double seq, bool keep_scores) {
  const AttentionConfig& at = a.attention;
  const double h = static_cast<double>(a.hidden_size);
  const double H = static_cast<double>(at.heads);
  double e = 2 * h;  // norm input, projection input
  if (at.kind == AttentionKind::mla) {
    const double qk = static_cast<double>(at.qk_nope_head_dim + at.qk_rope_head_dim);
    e += static_cast<double>(at.q_lora_rank) + static_cast<double>(at.kv_lora_rank + at.qk_rope_head_dim);
    e += H * qk * 2 + H * static_cast<double>(at.v_head_dim) * 2;  // q, k, v, attention output
  } else {
    const double d = static_cast<double>(at.head_dim);
    e += H * d + 2 * static_cast<double>(at.kv_heads) * d + H * d;  // q, k, v, attention output
  }
  if (keep_scores) e += 2 * H * seq;
  return e;
}

// A Mamba layer for backward, as mamba_ssm's fused MambaInnerFn keeps it: norm and in_proj
// inputs (2h), in_proj output x and z (2*d_inner), conv output (d_inner), x_proj output
// (dt_rank + 2N), Delta (d_inner) and the scan output (d_inner). The N-expanded states are
// recomputed in backward, not stored (Gu & Dao 2023, arXiv 2312.00752 §3.3.2).
double mamba_activation_elements(const Architecture& a) {
  const MambaConfig& m = a.mamba;
  return 2 * static_cast<double>(a.hidden_size) + 5 * mamba_d_inner(a) + static_cast<double>(m.dt_rank + 2 * m.d_state);
}

double ffn_activation_elements(double h, const FfnConfig& f) {
  const double w = static_cast<double>(f.width);
  // GLU: gate pre-activation, up, product (input of W2); plain: pre-activation, activation.
  return h + (f.activation == FfnActivation::glu ? 3 * w : 2 * w);
}

struct LayerParams {
  ByComponent total;
  ByComponent active;  // per token
};

// One layer's parameters by component.
LayerParams layer_params(const Architecture& a, LayerMixer mixer, LayerFfn ffn) {
  const double h = static_cast<double>(a.hidden_size);
  LayerParams p;
  if (mixer == LayerMixer::mamba) p.total[C::mamba] = mamba_params(a).all();
  else p.total[C::attention] = attention_params(a).all();
  p.total[C::norms] = 2 * norm_params(a);  // pre-attention and pre-FFN norms
  if (ffn == LayerFfn::dense) {
    p.total[C::dense_ffn] = ffn_params(h, a.dense_ffn).all();
    p.active = p.total;
    return p;
  }
  const MoeConfig& m = a.moe;
  const double expert = ffn_params(h, m.expert).all();
  const double E = static_cast<double>(m.experts);
  p.total[C::routed_experts] = E * expert;
  p.total[C::router] = router_params(h, m).all();
  p.total[C::shared_experts] = shared_expert_params(h, m).all();
  p.active = p.total;
  // Soft MoE mixes every token into every slot, so every expert's weights act on each token.
  const double active_experts = m.router == RouterKind::soft_moe ? E : experts_per_token(m, 1);
  p.active[C::routed_experts] = active_experts * expert;
  return p;
}

// One MTP module (DeepSeek-V3 §2.2, Eq. 21-22): two norms, a 2h x h projection and one
// transformer block (a MoE block where the last layer is MoE); embedding and head shared.
ByComponent mtp_module_params(const Architecture& a) {
  const double h = static_cast<double>(a.hidden_size);
  ByComponent module = layer_params(a, LayerMixer::attention, a.layers.back().ffn).total;
  module[C::norms] += 2 * norm_params(a);
  module[C::attention] += 2 * h * h;  // the projection M, counted with attention's format
  return module;
}

struct LayerCost {
  ByComponent matmul_flops;         // forward, per token; routed experts apart
  double routed_copy_flops = 0;     // forward FLOPs of one token through one routed expert
  double activation_elements = 0;   // per training token, without recomputation
  double attention_core_flops = 0;  // training-sequence attention, recomputed by `selective`
};

// The phase-independent part of one layer's FLOPs. `train_seq` is the training sequence
// length (activations, recomputed attention).
// `real_slots`: the share of routing slots on real experts (1 - the workload's null_fraction).
LayerCost layer_cost(const Architecture& a, LayerMixer mixer, LayerFfn ffn, AttentionSpan span, double train_seq,
                     bool keep_scores, double real_slots) {
  const double h = static_cast<double>(a.hidden_size);
  LayerCost c;
  if (mixer == LayerMixer::mamba) {
    c.matmul_flops[C::mamba] = 2 * mamba_params(a).matmul + mamba_mixing_flops_per_token(a);
    c.activation_elements = mamba_activation_elements(a);
  } else {
    c.matmul_flops[C::attention] = 2 * attention_params(a).matmul;
    c.attention_core_flops =
        attention_flops_per_key(a.attention, false) * mean_prefill_context(span, a.attention, train_seq);
    c.activation_elements = attention_activation_elements(a, cached_tokens(span, a.attention, train_seq), keep_scores);
  }

  if (ffn == LayerFfn::dense) {
    c.matmul_flops[C::dense_ffn] = 2 * ffn_params(h, a.dense_ffn).matmul;
    c.activation_elements += h + ffn_activation_elements(h, a.dense_ffn);  // + norm input
    return c;
  }

  const MoeConfig& m = a.moe;
  const double E = static_cast<double>(m.experts);
  c.routed_copy_flops = 2 * ffn_params(h, m.expert).matmul;
  c.matmul_flops[C::shared_experts] = 2 * shared_expert_params(h, m).matmul;
  // Router: logits h x E. Soft MoE (Puigcerver et al. 2023 §2.1): logits X*Phi, dispatch
  // D^T X and combine C Y, each 2*h*slots per token.
  c.matmul_flops[C::router] = (m.router == RouterKind::soft_moe ? 3 : 1) * 2 * router_params(h, m).matmul;

  // Norm input and router input, router logits, then per routed copy: expert input, its
  // hidden activations, its output (kept for the combine weights' gradient).
  const double train_per_token = experts_per_token(m, train_seq) * real_slots;
  c.activation_elements += 2 * h + E + train_per_token * (ffn_activation_elements(h, m.expert) + h);
  if (m.shared_experts > 0) {
    FfnConfig sf = m.expert;
    sf.width = m.shared_experts * m.shared_expert_width;
    c.activation_elements += ffn_activation_elements(h, sf) - h;  // shares the norm output
  }
  return c;
}

std::size_t find_or_add(LayerGroups& g, const LayerConfig& l) {
  const AttentionSpan span = l.mixer == LayerMixer::mamba ? AttentionSpan::full : l.span;  // no attention, no span
  for (std::size_t i = 0; i < g.size; ++i)
    if (g.group[i].mixer == l.mixer && g.group[i].ffn == l.ffn && g.group[i].span == span) return i;
  g.group[g.size].mixer = l.mixer;
  g.group[g.size].ffn = l.ffn;
  g.group[g.size].span = span;
  return g.size++;
}

double optimizer_bytes_per_param(const TrainingConfig& t) {
  const double state = t.optimizer_state_format.bytes_per_value();
  double moments = 0;
  switch (t.optimizer) {
    case Optimizer::adam: moments = 2; break;
    case Optimizer::sgd_momentum: moments = 1; break;
    case Optimizer::sgd: moments = 0; break;
  }
  return (t.master_weights ? 4.0 : 0.0) + moments * state;  // master copy is fp32 (ZeRO §3.1)
}

}  // namespace

std::string_view to_string(Component c) {
  switch (c) {
    case C::input_embedding: return "input_embedding";
    case C::attention: return "attention";
    case C::mamba: return "mamba";
    case C::dense_ffn: return "dense_ffn";
    case C::routed_experts: return "routed_experts";
    case C::shared_experts: return "shared_experts";
    case C::router: return "router";
    case C::norms: return "norms";
    case C::lm_head: return "lm_head";
  }
  return "?";
}

double ByComponent::sum() const {
  double s = 0;
  for (double v : value) s += v;
  return s;
}

double ParamCounts::non_embedding_total() const {
  return total.sum() - total[C::input_embedding] - total[C::lm_head];
}
double ParamCounts::non_embedding_active() const {
  return active.sum() - active[C::input_embedding] - active[C::lm_head];
}

LayerGroups group_layers(const Architecture& arch) {
  LayerGroups g;
  // Runs of alike layers are the rule (DeepSeek-V3: 3 dense, then 58 MoE): count each run.
  const std::span<const LayerConfig> layers = arch.layers;
  for (std::size_t start = 0, end = 0; start < layers.size(); start = end) {
    while (end < layers.size() && layers[end] == layers[start]) ++end;
    g.group[find_or_add(g, layers[start])].layers += static_cast<std::int64_t>(end - start);
  }
  return g;
}

Estimate estimate(const Architecture& a, const Workload& w) {
  Estimate out;
  const double h = static_cast<double>(a.hidden_size);
  const double V = static_cast<double>(a.vocab_size);
  const double B = static_cast<double>(w.batch);
  const double T = static_cast<double>(w.context);
  const bool decode = w.phase == Phase::decode;
  const bool keep_scores = !w.training.flash_attention && w.training.recompute == Recompute::none;

  // ---- parameters and per-token forward FLOPs, one layer group at a time
  out.layers = group_layers(a);
  const ParamCounts& p = out.params = count_params(a, out.layers);
  FlopCounts& f = out.flops;
  MemoryUse& m = out.memory;
  double context_flops_prefill = 0;  // per token, mean over a prompt of T
  double context_flops_decode = 0;   // per token at position T
  double routed_copy_flops = 0;      // all layers: one token through one expert per MoE layer
  double attention_core_flops = 0;   // per training token, recomputed by `selective`
  double activation_elements = 0;    // per training token, all layers, no recomputation
  double max_layer_activation_elements = 0;
  // Routed experts per token differ by phase only for Soft MoE, whose group is the prompt
  // (prefill, training) or the batch of a decode step.
  // AdaMoE's null experts take a share of the slots and compute nothing (Zeng et al. 2024 §3.2).
  const double real_slots = 1 - w.null_fraction;
  const double experts_prefill = a.moe.experts > 0 ? experts_per_token(a.moe, T) * real_slots : 0;
  const double experts_decode = a.moe.experts > 0 ? experts_per_token(a.moe, B) * real_slots : 0;
  const double experts_phase = decode ? experts_decode : experts_prefill;
  for (std::size_t i = 0; i < out.layers.size; ++i) {
    LayerGroup& g = out.layers.group[i];
    const double n = static_cast<double>(g.layers);
    const LayerCost c = layer_cost(a, g.mixer, g.ffn, g.span, T, keep_scores, real_slots);
    for (std::size_t k = 0; k < kComponentCount; ++k) f.forward_per_token.value[k] += n * c.matmul_flops.value[k];
    const bool attends = g.mixer == LayerMixer::attention;
    const double prefill_keys = attends ? attention_flops_per_key(a.attention, false) * mean_prefill_context(g.span, a.attention, T) : 0;
    const double decode_keys = attends ? attention_flops_per_key(a.attention, true) * decode_context(g.span, a.attention, T) : 0;
    context_flops_prefill += n * prefill_keys;
    context_flops_decode += n * decode_keys;
    routed_copy_flops += n * c.routed_copy_flops;
    attention_core_flops += n * c.attention_core_flops;
    activation_elements += n * c.activation_elements;
    max_layer_activation_elements = std::max(max_layer_activation_elements, c.activation_elements);
    const LayerParams lp = layer_params(a, g.mixer, g.ffn);
    g.params_total = lp.total.sum();
    g.params_active = lp.active.sum();
    g.forward_flops_per_token =
        c.matmul_flops.sum() + experts_phase * c.routed_copy_flops + (decode ? decode_keys : prefill_keys);
    g.kv_cache_bytes_per_sequence = kv_cache_bytes_per_sequence(a, g.mixer, g.span, T);
    g.recurrent_state_bytes_per_sequence = recurrent_state_bytes_per_sequence(a, g.mixer);
  }
  const double shared_body = f.forward_per_token.sum();  // every matmul but routed experts and head
  f.forward_per_token[C::routed_experts] = experts_phase * routed_copy_flops;
  const double embedding = V * h;
  f.forward_per_token[C::lm_head] = 2 * h * V;  // tied or not, the head is a matmul

  // MTP modules (DeepSeek-V3 §2.2, Eq. 21-22): the block, the 2h x h projection, the head.
  double mtp_forward_per_token = 0;
  if (a.mtp_modules > 0) {
    const LayerCost c = layer_cost(a, LayerMixer::attention, a.layers.back().ffn, AttentionSpan::full, T, keep_scores, real_slots);
    mtp_forward_per_token = static_cast<double>(a.mtp_modules) *
                            (c.matmul_flops.sum() + experts_prefill * c.routed_copy_flops +
                             attention_flops_per_key(a.attention, false) * mean_prefill_context(AttentionSpan::full, a.attention, T) + 2 * 2 * h * h + 2 * h * V);
  }

  // ---- FLOPs by phase
  // Prefill: every prompt token through the body; logits only for the last position, as
  // serving engines compute them.
  const double body_prefill = shared_body + experts_prefill * routed_copy_flops + context_flops_prefill;
  f.prefill = B * (T * body_prefill + 2 * h * V);
  f.decode_step = B * (shared_body + experts_decode * routed_copy_flops + context_flops_decode + 2 * h * V);
  // Training: backward costs twice the forward (Kaplan et al. 2020 §2.1; Hoffmann et al.
  // 2022 App. F); recomputation adds the attention core (selective) or a whole forward of the
  // layers (full) (Korthikanti et al. 2022 §5, Table 2).
  const double forward_train = body_prefill + 2 * h * V;
  double recompute_flops = 0;
  if (w.training.recompute == Recompute::selective) recompute_flops = attention_core_flops;
  if (w.training.recompute == Recompute::full) recompute_flops = body_prefill;
  f.training_per_token = 3 * (forward_train + mtp_forward_per_token) + recompute_flops;
  f.training_tokens = w.train_tokens > 0 ? w.train_tokens : B * T;
  f.training_total = f.training_per_token * f.training_tokens;
  // C = 6 N D (Kaplan et al. 2020 §2.1, C_forward ~ 2N), with N the active parameters that
  // do matmuls: all but the input embedding, the output head counted once even when tied.
  f.six_n_d = 6 * (p.active_excl_input_embedding() + (a.tied_embeddings ? embedding : 0)) * f.training_tokens;
  switch (w.phase) {
    case Phase::prefill: f.phase_total = f.prefill; break;
    case Phase::decode: f.phase_total = f.decode_step; break;
    case Phase::train: f.phase_total = f.training_total; break;
  }
  f.attention_context_per_token = decode ? context_flops_decode : context_flops_prefill;

  // ---- memory
  m.weights = weight_bytes(a, p);
  m.weights_bytes = m.weights.sum();
  for (std::size_t i = 0; i < out.layers.size; ++i) {
    const LayerGroup& g = out.layers.group[i];
    const double n = static_cast<double>(g.layers);
    // Only attention layers cache keys and values (Jamba: 4 of 32, Lieber et al. 2024 §2, Table 1).
    if (g.mixer == LayerMixer::attention)
      m.kv_cache_bytes_per_token += n * kv_values_per_token(a.attention) * a.precision.kv_cache.bytes_per_value();
    m.recurrent_state_bytes_per_sequence += n * g.recurrent_state_bytes_per_sequence;
    if (w.phase != Phase::train) m.kv_cache_bytes += B * n * g.kv_cache_bytes_per_sequence;
  }
  if (w.phase != Phase::train) {
    m.recurrent_state_bytes = B * m.recurrent_state_bytes_per_sequence;
    m.total_bytes = m.weights_bytes + m.kv_cache_bytes + m.recurrent_state_bytes;
    return out;
  }
  const double act_bytes = a.precision.activations.bytes_per_value();
  const double n_layers = static_cast<double>(a.layers.size());
  // Full recomputation keeps each layer's input and rebuilds one layer at a time.
  const double stored = w.training.recompute == Recompute::full
                            ? n_layers * h + max_layer_activation_elements
                            : activation_elements;
  // Final norm input and head input, and fp32 logits for the loss.
  m.activation_head_bytes = B * T * (2 * h * act_bytes + 4 * V);
  m.activation_bytes = B * T * stored * act_bytes + m.activation_head_bytes;
  if (a.mtp_modules > 0) {
    const ByComponent mtp_module = mtp_module_params(a);
    for (std::size_t k = 0; k < kComponentCount; ++k)
      m.mtp_weights_bytes += static_cast<double>(a.mtp_modules) * mtp_module.value[k] *
                             weight_format(a.precision, static_cast<Component>(k)).bytes_per_value();
  }
  const double trainable = p.total_params() + p.mtp_total;
  m.gradient_bytes = trainable * w.training.gradient_format.bytes_per_value();
  m.optimizer_bytes = trainable * optimizer_bytes_per_param(w.training);
  m.total_bytes = m.weights_bytes + m.mtp_weights_bytes + m.gradient_bytes + m.optimizer_bytes + m.activation_bytes;
  return out;
}

ParamCounts count_params(const Architecture& a) { return count_params(a, group_layers(a)); }

ParamCounts count_params(const Architecture& a, const LayerGroups& groups) {
  ParamCounts p;
  for (std::size_t i = 0; i < groups.size; ++i) {
    const double n = static_cast<double>(groups.group[i].layers);
    const LayerParams lp = layer_params(a, groups.group[i].mixer, groups.group[i].ffn);
    for (std::size_t k = 0; k < kComponentCount; ++k) {
      p.total.value[k] += n * lp.total.value[k];
      p.active.value[k] += n * lp.active.value[k];
    }
  }
  const double embedding = static_cast<double>(a.vocab_size) * static_cast<double>(a.hidden_size);
  p.total[C::input_embedding] = p.active[C::input_embedding] = embedding;
  p.total[C::lm_head] = p.active[C::lm_head] = a.tied_embeddings ? 0 : embedding;
  p.total[C::norms] += norm_params(a);  // final norm
  p.active[C::norms] += norm_params(a);
  if (a.mtp_modules > 0) p.mtp_total = static_cast<double>(a.mtp_modules) * mtp_module_params(a).sum();
  return p;
}

ByComponent weight_bytes(const Architecture& a, const ParamCounts& p) {
  ByComponent bytes;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    bytes.value[k] = p.total.value[k] * weight_format(a.precision, static_cast<Component>(k)).bytes_per_value();
  if (a.precision.expert_overrides.empty()) return bytes;
  bytes[C::routed_experts] = sum_over_routed_experts(a, [](const NumberFormat& f) { return f.bytes_per_value(); });
  return bytes;
}

}  // namespace moesim
