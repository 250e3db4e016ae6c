#pragma once
// The MoE architecture: *what* is computed. No workload, no hardware.
// One description covers dense and MoE decoders (Mixtral, DeepSeek-V2/V3, Qwen-MoE,
// OLMoE, DBRX, gpt-oss, Llama-4, Llama), hybrid attention/Mamba stacks (Jamba) and
// hypothetical designs.
#include <cstdint>
#include <string>
#include <vector>

#include "moesim/model/number_format.h"

namespace moesim {

enum class FfnActivation : std::uint8_t {
  glu,    // gate, up and down matrices (SwiGLU/GeGLU; Shazeer 2020, arXiv 2002.05202)
  plain,  // up and down matrices (GELU/ReLU MLP)
};

enum class RouterKind : std::uint8_t {
  token_choice,   // each token picks its top_k experts (Shazeer et al. 2017; Fedus et al. 2021)
  expert_choice,  // each expert picks capacity_factor*T/E tokens (Zhou et al. 2022, arXiv 2202.09368 §3.1)
  soft_moe,       // each expert owns slots_per_expert slots mixing all tokens (Puigcerver et al. 2023, arXiv 2308.00951 §2.1)
};

enum class RouterScoring : std::uint8_t { softmax, sigmoid };

enum class AttentionKind : std::uint8_t {
  standard,  // MHA (kv_heads == heads), GQA (1 < kv_heads < heads), MQA (kv_heads == 1)
  mla,       // multi-head latent attention (DeepSeek-V2, arXiv 2405.04434 §2.1)
};

enum class QkNorm : std::uint8_t {
  none,
  per_head,  // one norm of head_dim shared by all heads (Qwen3)
  full,      // a norm over all heads*head_dim values of q and of k (OLMoE)
};

enum class NormKind : std::uint8_t { rms_norm, layer_norm };  // layer_norm carries a bias

enum class LayerFfn : std::uint8_t { dense, moe };

// What mixes tokens in a layer: attention over a KV cache, or a Mamba selective state-space
// mixer with a fixed-size recurrent state (Gu & Dao 2023, arXiv 2312.00752 §3; Jamba,
// Lieber et al. 2024, arXiv 2403.19887 §2 interleaves the two).
enum class LayerMixer : std::uint8_t { attention, mamba };

// Which keys a layer's attention sees.
enum class AttentionSpan : std::uint8_t {
  full,     // all earlier tokens (causal)
  sliding,  // the last sliding_window tokens (Mistral; gpt-oss)
  chunked,  // tokens of its own chunk of chunk_size (Llama-4 local attention)
};

struct AttentionConfig {
  AttentionKind kind = AttentionKind::standard;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;  // standard only
  std::int64_t head_dim = 0;  // standard only; independent of hidden_size
  // MLA only (DeepSeek-V2 §2.1, Eq. 9-19); q_lora_rank == 0 means q is not compressed.
  std::int64_t q_lora_rank = 0;
  std::int64_t kv_lora_rank = 0;
  std::int64_t qk_rope_head_dim = 0;
  std::int64_t qk_nope_head_dim = 0;
  std::int64_t v_head_dim = 0;
  bool qkv_bias = false;
  bool o_bias = false;
  QkNorm qk_norm = QkNorm::none;
  bool sinks = false;  // one learned logit per head (gpt-oss)
  std::int64_t sliding_window = 0;  // tokens, for layers with AttentionSpan::sliding
  std::int64_t chunk_size = 0;      // tokens, for layers with AttentionSpan::chunked
};

// One Mamba (S6) mixer, as laid out by Hugging Face's modeling_jamba.py JambaMambaMixer:
// in_proj h -> 2*d_inner, a depthwise conv1d of d_conv taps, x_proj d_inner -> dt_rank +
// 2*d_state, dt_proj dt_rank -> d_inner (with bias), A_log d_inner x d_state, D d_inner,
// out_proj d_inner -> h (Gu & Dao 2023, Alg. 2 and Fig. 3), d_inner = expand * hidden_size.
struct MambaConfig {
  std::int64_t expand = 0;   // E, d_inner / hidden_size (Gu & Dao §3.4 and Jamba: 2)
  std::int64_t d_state = 0;  // N, the SSM state per channel
  std::int64_t d_conv = 0;   // taps of the causal depthwise convolution
  std::int64_t dt_rank = 0;  // rank of the Delta projection (mamba_ssm's and JambaConfig's "auto": ceil(h/16))
  bool conv_bias = true;     // a bias of d_inner on the conv1d
  bool proj_bias = false;    // biases on in_proj (2*d_inner) and out_proj (h)
  bool inner_norms = false;  // RMSNorms on dt (dt_rank), B and C (d_state each): Jamba
};

struct FfnConfig {
  std::int64_t width = 0;  // intermediate size
  FfnActivation activation = FfnActivation::glu;
  bool bias = false;
};

struct MoeConfig {
  std::int64_t experts = 0;  // routed experts E
  std::int64_t top_k = 0;    // K, token choice
  FfnConfig expert;          // one routed expert
  RouterKind router = RouterKind::token_choice;
  RouterScoring scoring = RouterScoring::softmax;
  bool router_bias = false;       // a bias of E (gpt-oss) or DeepSeek-V3's correction bias
  double capacity_factor = 1.0;   // expert choice: mean experts per token (Zhou et al. 2022 §3.1)
  std::int64_t slots_per_expert = 1;  // soft MoE
  std::int64_t shared_experts = 0;    // always-on experts
  std::int64_t shared_expert_width = 0;  // width of one shared expert
  bool shared_expert_gate = false;       // a sigmoid gate of h x 1 (Qwen2-MoE)
  // AdaMoE's null experts (Zeng et al. 2024, arXiv 2406.13233 §3.2): empty experts in the
  // token-choice pool; the router scores E + null_experts, a slot on a null expert computes
  // nothing. Their share of the slots is the workload's null_fraction.
  std::int64_t null_experts = 0;
};

struct LayerConfig {
  LayerFfn ffn = LayerFfn::dense;
  AttentionSpan span = AttentionSpan::full;  // attention layers only; a Mamba layer ignores it
  LayerMixer mixer = LayerMixer::attention;
  friend bool operator==(const LayerConfig&, const LayerConfig&) = default;
};

// A per-expert bit-width (EdgeMoE arXiv 2308.14352 §4.1; MoQE arXiv 2310.02410).
struct ExpertFormatOverride {
  std::int64_t layer = -1;  // layer index, or -1 for the expert in every MoE layer
  std::int64_t expert = 0;
  NumberFormat format;
};

// Storage formats per component. Nothing here implies another: int8 weights leave the KV
// cache and activations as they are.
struct Precision {
  NumberFormat attention;
  NumberFormat mamba;  // Mamba mixer weights (projections, conv1d, A_log, D, inner norms)
  NumberFormat dense_ffn;
  NumberFormat experts;
  NumberFormat shared_experts;
  NumberFormat router;
  NumberFormat embedding;
  NumberFormat lm_head;
  NumberFormat norms;
  NumberFormat kv_cache;
  // Mamba recurrent state per sequence. Hugging Face keeps the SSM state in fp32 (the scan
  // accumulates in fp32, Gu & Dao §3.3.2); the conv state holds past in_proj outputs, which
  // are activations, so it defaults to the model's dtype like the KV cache.
  NumberFormat ssm_state{Element::fp32, 0, 0};
  NumberFormat conv_state;
  NumberFormat activations;
  std::vector<ExpertFormatOverride> expert_overrides;
};

struct Architecture {
  std::string name;
  std::int64_t hidden_size = 0;
  std::int64_t vocab_size = 0;
  bool tied_embeddings = false;
  NormKind norm = NormKind::rms_norm;
  AttentionConfig attention;
  FfnConfig dense_ffn;  // width 0 when every layer is MoE
  MoeConfig moe;        // experts 0 when every layer is dense
  MambaConfig mamba;    // expand 0 when no layer is Mamba
  std::vector<LayerConfig> layers;
  // Multi-token-prediction modules (DeepSeek-V3, arXiv 2412.19437 §2.2): used in training only,
  // so they are counted apart from the model's total and active parameters.
  std::int64_t mtp_modules = 0;
  Precision precision;
  // The longest sequence the model's positions were trained for (Hugging Face
  // max_position_embeddings); 0 = not given. Longer contexts cost what they cost, but the
  // model's answers there are untested: a warning, never a refusal (context_warning()).
  std::int64_t max_position_embeddings = 0;
};

// Every weight matrix and embedding stored in `f` (norms keep theirs; per-expert overrides go:
// every means every, as `estimate --weight-format` and `sweep --set weight_format` say).
inline void set_weight_format(Precision& p, const NumberFormat& f) {
  p.attention = p.mamba = p.dense_ffn = p.experts = p.shared_experts = p.router = p.embedding = p.lm_head = f;
  p.expert_overrides.clear();
}
// Every routed expert's weights in `f` (MoQE's low-bit experts; per-expert overrides go).
inline void set_expert_format(Precision& p, const NumberFormat& f) {
  p.experts = f;
  p.expert_overrides.clear();
}

std::string_view to_string(FfnActivation v);
std::string_view to_string(RouterKind v);
std::string_view to_string(RouterScoring v);
std::string_view to_string(AttentionKind v);
std::string_view to_string(QkNorm v);
std::string_view to_string(NormKind v);
std::string_view to_string(LayerFfn v);
std::string_view to_string(LayerMixer v);
std::string_view to_string(AttentionSpan v);
// "MHA", "GQA", "MQA" or "MLA", from the head counts.
std::string_view attention_variant(const AttentionConfig& a);

}  // namespace moesim
