// Hugging Face config.json → Architecture. Each family names its fields differently
// (REFERENCE.md §2; the transformers modeling_*.py files are the ground truth for which
// layers are MoE and which tensors exist). Keys that change no count are listed back to the
// user as ignored, never silently dropped.
#include <algorithm>
#include <functional>
#include <map>

#include "moesim/io/model_io.h"
#include "moesim/model/validate.h"

namespace moesim::io {
namespace {

struct Importer {
  explicit Importer(ObjectReader reader) : r(std::move(reader)) {}
  ObjectReader r;
  Architecture a;
  std::vector<std::string> notes;
  std::optional<std::string> torch_dtype;  // read by a family from a nested config (Llama-4)
  std::vector<std::string> nested_ignored;  // "section.key" of nested configs

  std::int64_t req(std::string_view key) { return r.integer(key, true).value_or(0); }
  std::int64_t opt(std::string_view key, std::int64_t fallback) { return r.integer(key, false).value_or(fallback); }
  bool flag(std::string_view key, bool fallback) { return r.boolean(key, false).value_or(fallback); }

  void resize_layers(std::int64_t n) {
    if (n >= 1 && n <= kMaxLayers) a.layers.resize(static_cast<std::size_t>(n));
    else r.fail("num_hidden_layers", "out_of_range", std::to_string(n) + " must be in [1, " + std::to_string(kMaxLayers) + "]");
  }
  void moe_where(const std::function<bool(std::int64_t)>& rule) {
    for (std::size_t i = 0; i < a.layers.size(); ++i)
      a.layers[i].ffn = rule(static_cast<std::int64_t>(i)) ? LayerFfn::moe : LayerFfn::dense;
  }
  // The layout most families share: hidden_size, num_hidden_layers, heads, head_dim, vocab.
  void standard_decoder() {
    a.hidden_size = req("hidden_size");
    resize_layers(req("num_hidden_layers"));
    a.vocab_size = req("vocab_size");
    a.tied_embeddings = flag("tie_word_embeddings", false);
    AttentionConfig& at = a.attention;
    at.heads = req("num_attention_heads");
    at.kv_heads = opt("num_key_value_heads", at.heads);
    const auto head_dim = r.integer("head_dim", false);
    at.head_dim = head_dim.value_or(at.heads > 0 ? a.hidden_size / at.heads : 0);
    if (!head_dim) notes.push_back("head_dim absent: hidden_size / num_attention_heads = " + std::to_string(at.head_dim));
  }
  void sliding_all_layers() {
    const auto w = r.integer("sliding_window", false);
    if (!w) return;
    a.attention.sliding_window = *w;
    for (auto& l : a.layers) l.span = AttentionSpan::sliding;
    notes.push_back("sliding_window " + std::to_string(*w) + ": every layer uses sliding-window attention");
  }
  void routed(std::string_view experts_key, std::string_view width_key) {
    a.moe.experts = req(experts_key);
    a.moe.top_k = req("num_experts_per_tok");
    a.moe.expert.width = req(width_key);
  }
  void qwen_moe_layers() {
    // Qwen2/3-MoE decoder layer: MoE unless listed in mlp_only_layers, every decoder_sparse_step.
    const std::int64_t step = opt("decoder_sparse_step", 1);
    std::vector<std::int64_t> mlp_only;
    if (const Json* v = r.value("mlp_only_layers", false)) {
      for (std::size_t k = 0; v->is_array() && k < v->size(); ++k) {
        if ((*v)[k].is_number_integer()) mlp_only.push_back((*v)[k].get<std::int64_t>());
        else r.diagnostics().push_back({"/mlp_only_layers/" + std::to_string(k), "wrong_type", describe_value((*v)[k]) + " must be a layer index"});
      }
      if (!v->is_array()) r.fail("mlp_only_layers", "wrong_type", describe_value(*v) + " must be a list of layer indices");
    }
    if (step < 1) r.fail("decoder_sparse_step", "out_of_range", std::to_string(step) + " must be at least 1");
    else moe_where([&](std::int64_t i) {
      return std::find(mlp_only.begin(), mlp_only.end(), i) == mlp_only.end() && (i + 1) % step == 0;
    });
    const bool any_dense = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::dense; });
    if (any_dense) a.dense_ffn.width = req("intermediate_size");
    else r.allow("intermediate_size");
  }
  void qwen_sliding() {
    if (!flag("use_sliding_window", false)) {
      r.allow("sliding_window");
      r.allow("max_window_layers");
      return;
    }
    a.attention.sliding_window = req("sliding_window");
    const std::int64_t from = opt("max_window_layers", 0);
    for (std::size_t i = 0; i < a.layers.size(); ++i)
      if (static_cast<std::int64_t>(i) >= from) a.layers[i].span = AttentionSpan::sliding;
    notes.push_back("use_sliding_window: layers from max_window_layers = " + std::to_string(from) + " use a window");
  }
};

void mixtral(Importer& m) {
  m.standard_decoder();
  m.routed("num_local_experts", "intermediate_size");
  m.moe_where([](std::int64_t) { return true; });
  m.sliding_all_layers();
}

void dense_llama(Importer& m) {
  m.standard_decoder();
  m.a.dense_ffn.width = m.req("intermediate_size");
  m.a.dense_ffn.bias = m.flag("mlp_bias", false);
  const bool bias = m.flag("attention_bias", false);
  m.a.attention.qkv_bias = m.a.attention.o_bias = bias;
  m.sliding_all_layers();
}

void qwen2_moe(Importer& m) {
  m.standard_decoder();
  m.routed("num_experts", "moe_intermediate_size");
  m.a.attention.qkv_bias = true;  // Qwen2 attention: q/k/v projections with bias, o without
  m.notes.push_back("qwen2 attention: q, k and v projections carry biases");
  m.qwen_moe_layers();
  if (const std::int64_t shared = m.opt("shared_expert_intermediate_size", 0); shared > 0) {
    m.a.moe.shared_experts = 1;
    m.a.moe.shared_expert_width = shared;
    m.a.moe.shared_expert_gate = true;
    m.notes.push_back("one shared expert of width " + std::to_string(shared) + " with a sigmoid gate (h x 1)");
  }
  m.qwen_sliding();
}

void qwen3_moe(Importer& m) {
  m.standard_decoder();
  m.routed("num_experts", "moe_intermediate_size");
  const bool bias = m.flag("attention_bias", false);
  m.a.attention.qkv_bias = m.a.attention.o_bias = bias;
  m.a.attention.qk_norm = QkNorm::per_head;
  m.notes.push_back("qwen3 attention: RMSNorm of head_dim on q and k");
  m.qwen_moe_layers();
  m.qwen_sliding();
}

void deepseek(Importer& m, bool v3) {
  Architecture& a = m.a;
  a.hidden_size = m.req("hidden_size");
  m.resize_layers(m.req("num_hidden_layers"));
  a.vocab_size = m.req("vocab_size");
  a.tied_embeddings = m.flag("tie_word_embeddings", false);
  AttentionConfig& at = a.attention;
  at.kind = AttentionKind::mla;
  at.heads = m.req("num_attention_heads");
  m.r.allow("num_key_value_heads");  // MLA has no K/V heads of its own
  const auto q_lora_rank = m.r.integer("q_lora_rank", false);
  at.q_lora_rank = q_lora_rank.value_or(0);
  if (!q_lora_rank) m.notes.push_back("q_lora_rank null: queries are not compressed");
  at.kv_lora_rank = m.req("kv_lora_rank");
  at.qk_rope_head_dim = m.req("qk_rope_head_dim");
  at.qk_nope_head_dim = m.req("qk_nope_head_dim");
  at.v_head_dim = m.req("v_head_dim");
  if (m.flag("attention_bias", false)) m.r.fail("attention_bias", "unsupported", "true: biases are not modelled for MLA");

  a.moe.experts = m.req("n_routed_experts");
  a.moe.top_k = m.req("num_experts_per_tok");
  a.moe.expert.width = m.req("moe_intermediate_size");
  const std::int64_t first_dense = m.opt("first_k_dense_replace", 0);
  const std::int64_t freq = m.opt("moe_layer_freq", 1);
  if (freq < 1) m.r.fail("moe_layer_freq", "out_of_range", std::to_string(freq) + " must be at least 1");
  else m.moe_where([&](std::int64_t i) { return i >= first_dense && i % freq == 0; });
  const bool any_dense = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::dense; });
  if (any_dense) {
    a.dense_ffn.width = m.req("intermediate_size");
    m.notes.push_back("intermediate_size " + std::to_string(a.dense_ffn.width) + " is the width of the " +
                      std::to_string(first_dense) + " leading dense layers (first_k_dense_replace)");
  }
  a.moe.shared_experts = m.opt("n_shared_experts", 0);
  if (a.moe.shared_experts > 0) a.moe.shared_expert_width = a.moe.expert.width;
  if (const auto s = m.r.string("scoring_func", false)) {
    if (*s == "sigmoid") a.moe.scoring = RouterScoring::sigmoid;
    else if (*s != "softmax") m.r.fail("scoring_func", "unknown_value", "\"" + *s + "\" must be softmax or sigmoid");
  }
  if (const auto method = m.r.string("topk_method", false); method && *method == "noaux_tc") {
    a.moe.router_bias = true;  // e_score_correction_bias of E (DeepSeek-V3 §2.1.2, Eq. 16)
    m.notes.push_back("topk_method noaux_tc: the router carries a correction bias of n_routed_experts");
  }
  if (v3) {
    a.mtp_modules = m.opt("num_nextn_predict_layers", 0);
    if (a.mtp_modules > 0)
      m.notes.push_back(std::to_string(a.mtp_modules) + " multi-token-prediction module(s), counted apart (training only)");
  }
}

void olmoe(Importer& m) {
  m.standard_decoder();
  m.routed("num_experts", "intermediate_size");
  m.moe_where([](std::int64_t) { return true; });
  const bool bias = m.flag("attention_bias", false);
  m.a.attention.qkv_bias = m.a.attention.o_bias = bias;
  m.a.attention.qk_norm = QkNorm::full;
  m.notes.push_back("olmoe attention: RMSNorm over all q values and all k values");
}

void dbrx(Importer& m) {
  Architecture& a = m.a;
  a.hidden_size = m.req("d_model");
  m.resize_layers(m.req("n_layers"));
  a.vocab_size = m.req("vocab_size");
  a.tied_embeddings = m.flag("tie_word_embeddings", false);
  a.attention.heads = m.req("n_heads");
  a.attention.head_dim = a.attention.heads > 0 ? a.hidden_size / a.attention.heads : 0;
  a.norm = NormKind::rms_norm;  // DBRX's LayerNorm has no bias: one weight of h, as RMSNorm
  m.notes.push_back("dbrx: LayerNorm without bias, counted as h weights per norm");
  if (const Json* attn = m.r.value("attn_config", true)) {
    ObjectReader ar(*attn, "/attn_config", m.r.diagnostics());
    a.attention.kv_heads = ar.integer("kv_n_heads", true).value_or(0);
    for (const auto& k : ar.finish(false)) m.nested_ignored.push_back("attn_config." + k);
  }
  if (const Json* ffn = m.r.value("ffn_config", true)) {
    ObjectReader fr(*ffn, "/ffn_config", m.r.diagnostics());
    a.moe.expert.width = fr.integer("ffn_hidden_size", true).value_or(0);
    a.moe.experts = fr.integer("moe_num_experts", true).value_or(0);
    a.moe.top_k = fr.integer("moe_top_k", true).value_or(0);
    for (const auto& k : fr.finish(false)) m.nested_ignored.push_back("ffn_config." + k);
  }
  m.moe_where([](std::int64_t) { return true; });
}

void gpt_oss(Importer& m) {
  m.standard_decoder();
  Architecture& a = m.a;
  a.moe.experts = m.req("num_local_experts");
  a.moe.top_k = m.r.has("experts_per_token") ? m.req("experts_per_token") : m.req("num_experts_per_tok");
  a.moe.expert.width = m.req("intermediate_size");
  a.moe.expert.bias = true;  // gate_up_proj_bias and down_proj_bias
  a.moe.router_bias = true;
  const bool bias = m.flag("attention_bias", true);
  a.attention.qkv_bias = a.attention.o_bias = bias;
  a.attention.sinks = true;
  m.moe_where([](std::int64_t) { return true; });
  m.notes.push_back("gpt-oss: expert and router biases, one attention sink per head");
  const std::int64_t window = m.opt("sliding_window", 0);
  const Json* types = m.r.value("layer_types", false);
  if (!types && window > 0) {  // GptOssConfig's default: sliding and full layers alternate
    for (std::size_t i = 0; i < a.layers.size(); ++i)
      if (i % 2 == 0) a.layers[i].span = AttentionSpan::sliding;
    a.attention.sliding_window = window;
    m.notes.push_back("layer_types absent: sliding and full attention alternate, as in GptOssConfig");
  }
  if (types) {
    if (!types->is_array() || types->size() != a.layers.size()) {
      m.r.fail("layer_types", "inconsistent", "must list one type per layer (num_hidden_layers)");
      return;
    }
    for (std::size_t i = 0; i < a.layers.size(); ++i) {
      const Json& t = (*types)[i];
      if (t == "sliding_attention") a.layers[i].span = AttentionSpan::sliding;
      else if (t != "full_attention")
        m.r.diagnostics().push_back({"/layer_types/" + std::to_string(i), "unknown_value",
                                     describe_value(t) + " must be \"sliding_attention\" or \"full_attention\""});
    }
    a.attention.sliding_window = window;
  }
}

// A layer pattern "i mod period = offset" (Jamba's attention and expert layers); a period
// below 1 or an offset outside [0, period - 1] is refused at its own key.
std::optional<std::pair<std::int64_t, std::int64_t>> period_offset(Importer& m, std::string_view period_key,
                                                                   std::string_view offset_key, std::int64_t period_default,
                                                                   std::int64_t offset_default) {
  const std::int64_t period = m.opt(period_key, period_default), offset = m.opt(offset_key, offset_default);
  if (period < 1) {
    m.r.fail(period_key, "out_of_range", std::to_string(period) + " must be at least 1");
    return std::nullopt;
  }
  if (offset < 0 || offset >= period) {
    m.r.fail(offset_key, "out_of_range", std::to_string(offset) + " must be in [0, " + std::string(period_key) + " - 1 = " +
                                             std::to_string(period - 1) + "]");
    return std::nullopt;
  }
  return std::pair{period, offset};
}

// Jamba (Lieber et al. 2024, arXiv 2403.19887 §2; HF modeling_jamba.py): attention at layer i
// iff i mod attn_layer_period = attn_layer_offset, Mamba elsewhere; a MoE FFN iff i mod
// expert_layer_period = expert_layer_offset, else a dense FFN of the same intermediate_size.
// Absent keys take JambaConfig's defaults.
void jamba(Importer& m) {
  m.standard_decoder();
  Architecture& a = m.a;
  m.routed("num_experts", "intermediate_size");
  const auto attn = period_offset(m, "attn_layer_period", "attn_layer_offset", 8, 4);
  const auto expert = period_offset(m, "expert_layer_period", "expert_layer_offset", 2, 1);
  for (std::size_t i = 0; i < a.layers.size() && attn && expert; ++i) {
    const auto k = static_cast<std::int64_t>(i);
    a.layers[i].mixer = k % attn->first == attn->second ? LayerMixer::attention : LayerMixer::mamba;
    a.layers[i].ffn = k % expert->first == expert->second ? LayerFfn::moe : LayerFfn::dense;
  }
  const bool any_dense = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::dense; });
  if (any_dense) a.dense_ffn.width = a.moe.expert.width;  // JambaMLP and each expert: intermediate_size
  MambaConfig& mb = a.mamba;
  mb.d_state = m.opt("mamba_d_state", 16);
  mb.d_conv = m.opt("mamba_d_conv", 4);
  mb.expand = m.opt("mamba_expand", 2);  // JambaMambaMixer: intermediate_size = expand * hidden_size
  // mamba_dt_rank: an integer, or "auto" = ceil(hidden_size / 16) (JambaConfig). An absurd
  // hidden_size is validate()'s to report, not to overflow here.
  const std::int64_t auto_rank = (std::clamp<std::int64_t>(a.hidden_size, 0, kMaxDimension) + 15) / 16;
  if (const Json* rank = m.r.value("mamba_dt_rank", false); rank && rank->is_string() && *rank == "auto") {
    mb.dt_rank = auto_rank;
    m.notes.push_back("mamba_dt_rank auto: ceil(hidden_size / 16) = " + std::to_string(mb.dt_rank));
  } else {
    mb.dt_rank = m.opt("mamba_dt_rank", auto_rank);
  }
  mb.conv_bias = m.flag("mamba_conv_bias", true);
  mb.proj_bias = m.flag("mamba_proj_bias", false);
  mb.inner_norms = true;  // JambaMambaMixer: dt_layernorm, b_layernorm, c_layernorm
  m.sliding_all_layers();
  m.notes.push_back("jamba: Mamba mixers with RMSNorms on dt, B and C; SSM state in fp32, conv state in torch_dtype");
}

void llama4(Importer& outer, Diagnostics& out) {
  const Json* text = outer.r.value("text_config", true);
  outer.r.allow("vision_config");
  if (!text) return;
  Importer m(ObjectReader(*text, "/text_config", out));
  m.standard_decoder();
  outer.torch_dtype = m.r.string("torch_dtype", false);
  if (!outer.torch_dtype) outer.torch_dtype = m.r.string("dtype", false);
  Architecture& a = m.a;
  a.moe.experts = m.req("num_local_experts");
  a.moe.top_k = m.req("num_experts_per_tok");
  a.moe.expert.width = m.req("intermediate_size");
  a.moe.shared_experts = 1;  // Llama-4: one always-on shared expert per MoE layer
  a.moe.shared_expert_width = a.moe.expert.width;
  a.moe.scoring = RouterScoring::sigmoid;
  const bool bias = m.flag("attention_bias", false);
  a.attention.qkv_bias = a.attention.o_bias = bias;
  m.flag("use_qk_norm", false);  // an L2 norm without weights: no parameters
  if (const Json* list = m.r.value("moe_layers", false); list && list->is_array()) {
    m.moe_where([&](std::int64_t i) { return std::find(list->begin(), list->end(), Json(i)) != list->end(); });
    m.r.allow("interleave_moe_layer_step");
  } else {
    const std::int64_t step = m.opt("interleave_moe_layer_step", 1);
    if (step < 1) m.r.fail("interleave_moe_layer_step", "out_of_range", std::to_string(step) + " must be at least 1");
    else m.moe_where([&](std::int64_t i) { return (i + 1) % step == 0; });
  }
  const bool any_dense = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::dense; });
  if (any_dense) a.dense_ffn.width = m.req("intermediate_size_mlp");
  else m.r.allow("intermediate_size_mlp");
  // RoPE layers use chunked local attention; every no_rope_layer_interval-th layer is NoPE and global.
  if (const auto chunk = m.r.integer("attention_chunk_size", false)) {
    const std::int64_t interval = m.opt("no_rope_layer_interval", 4);
    a.attention.chunk_size = *chunk;
    // no_rope_layers lists 1 for each RoPE layer; absent, Llama4TextConfig derives it from the interval.
    const Json* rope = m.r.value("no_rope_layers", false);
    if (rope && (!rope->is_array() || rope->size() != a.layers.size())) {
      m.r.fail("no_rope_layers", "inconsistent", "must list 0 or 1 for each of the num_hidden_layers layers");
    } else {
      for (std::size_t i = 0; i < a.layers.size(); ++i) {
        const bool uses_rope = rope ? (*rope)[i] == 1 : (interval < 1 || (static_cast<std::int64_t>(i) + 1) % interval != 0);
        if (uses_rope) a.layers[i].span = AttentionSpan::chunked;
      }
    }
    m.notes.push_back("attention_chunk_size " + std::to_string(*chunk) + ": RoPE layers chunked, every " +
                      std::to_string(interval) + "th layer global (NoPE)");
  }
  m.notes.push_back("llama4: one shared expert of intermediate_size per MoE layer; vision encoder not counted");
  if (const auto n = m.r.integer("max_position_embeddings", false)) a.max_position_embeddings = *n;
  outer.a = std::move(a);
  outer.notes.insert(outer.notes.end(), m.notes.begin(), m.notes.end());
  outer.a.name = "llama4";
  for (const auto& k : m.r.finish(false)) outer.nested_ignored.push_back("text_config." + k);
}

using FamilyReader = std::function<void(Importer&, Diagnostics&)>;

const std::map<std::string, FamilyReader, std::less<>>& families() {
  static const std::map<std::string, FamilyReader, std::less<>> table{
      {"mixtral", [](Importer& m, Diagnostics&) { mixtral(m); }},
      {"qwen2_moe", [](Importer& m, Diagnostics&) { qwen2_moe(m); }},
      {"qwen3_moe", [](Importer& m, Diagnostics&) { qwen3_moe(m); }},
      {"deepseek_v2", [](Importer& m, Diagnostics&) { deepseek(m, false); }},
      {"deepseek_v3", [](Importer& m, Diagnostics&) { deepseek(m, true); }},
      {"olmoe", [](Importer& m, Diagnostics&) { olmoe(m); }},
      {"dbrx", [](Importer& m, Diagnostics&) { dbrx(m); }},
      {"gpt_oss", [](Importer& m, Diagnostics&) { gpt_oss(m); }},
      {"llama4", [](Importer& m, Diagnostics& out) { llama4(m, out); }},
      {"jamba", [](Importer& m, Diagnostics&) { jamba(m); }},
      {"llama", [](Importer& m, Diagnostics&) { dense_llama(m); }},
      {"mistral", [](Importer& m, Diagnostics&) { dense_llama(m); }},
  };
  return table;
}

// Weight formats from torch_dtype and quantization_config.
void read_precision(Importer& m) {
  NumberFormat base{Element::bf16, 0, 0};
  // transformers 4.56 renamed torch_dtype to dtype: the same field under either name.
  std::string_view dtype_key = "torch_dtype";
  auto outer_dtype = m.r.string("torch_dtype", false);
  if (!outer_dtype && (outer_dtype = m.r.string("dtype", false))) dtype_key = "dtype";
  if (!outer_dtype && m.torch_dtype) dtype_key = "text_config/torch_dtype";
  if (const auto dtype = outer_dtype ? outer_dtype : m.torch_dtype) {
    if (*dtype == "float32") base = {Element::fp32, 0, 0};
    else if (*dtype == "float16") base = {Element::fp16, 0, 0};
    else if (*dtype != "bfloat16")
      m.r.fail(dtype_key, "unknown_value", "\"" + *dtype + "\" must be bfloat16, float16 or float32");
  } else {
    m.notes.push_back("torch_dtype absent: bf16 assumed");
  }
  Precision& p = m.a.precision;
  p.attention = p.mamba = p.dense_ffn = p.experts = p.shared_experts = p.router = p.embedding = p.lm_head = p.norms = base;
  p.kv_cache = p.conv_state = p.activations = base;  // the SSM state stays fp32, as HF keeps it
  const Json* q = m.r.value("quantization_config", false);
  if (!q || !q->is_object()) return;
  const Json* quant = q->contains("quant_method") ? &(*q)["quant_method"] : nullptr;
  if (quant && !quant->is_string()) {  // once an exception and exit 1, no path
    m.r.fail("quantization_config", "wrong_type", "quant_method " + describe_value(*quant) + " must be a string (mxfp4, fp8)");
    return;
  }
  const std::string method = quant ? quant->get<std::string>() : "";
  if (method == "mxfp4") {  // gpt-oss: MoE weights in MXFP4, the rest in bf16
    p.experts = *parse_number_format("mxfp4");
    m.notes.push_back("quantization_config mxfp4: routed experts stored as MXFP4 (4.25 bits/value)");
  } else if (method == "fp8") {  // DeepSeek-V3: linear layers fp8, 128x128 fp32 block scales
    p.attention = p.mamba = p.dense_ffn = p.experts = p.shared_experts = NumberFormat{Element::fp8, 0, 0};
    m.notes.push_back("quantization_config fp8: linear layers stored as fp8 (128x128-block fp32 scales, 0.002 bits/value, not counted)");
  } else {
    m.r.fail("quantization_config", "unsupported", "quant_method \"" + method + "\" is not supported (mxfp4, fp8)");
  }
}

}  // namespace

const std::vector<std::string_view>& supported_hf_families() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& [name, reader] : families()) v.push_back(name);
    return v;
  }();
  return names;
}

std::optional<LoadedModel> import_hf_config(const Json& doc, Diagnostics& out) {
  const std::size_t before = out.size();
  Importer m(ObjectReader(doc, "/", out));
  if (!doc.is_object()) return std::nullopt;
  const auto type = m.r.string("model_type", true);
  if (!type) return std::nullopt;
  const auto family = families().find(*type);
  if (family == families().end()) {
    std::string list;
    for (auto name : supported_hf_families()) list += (list.empty() ? "" : ", ") + std::string(name);
    m.r.fail("model_type", "unknown_family", "\"" + *type + "\" is not a supported family (" + list + ")");
    return std::nullopt;
  }
  family->second(m, out);
  read_precision(m);
  // The trained context: warned about (context_warning), never refused; DBRX calls it max_seq_len.
  if (const auto n = m.r.integer("max_position_embeddings", false)) m.a.max_position_embeddings = *n;
  else if (const auto n = m.r.integer("max_seq_len", false)) m.a.max_position_embeddings = *n;
  if (m.a.name.empty()) m.a.name = *type;
  m.r.allow("architectures");
  LoadedModel loaded;
  loaded.ignored_keys = m.r.finish(false);
  loaded.ignored_keys.insert(loaded.ignored_keys.end(), m.nested_ignored.begin(), m.nested_ignored.end());
  if (out.size() != before) return std::nullopt;
  // The rules speak of the native fields the config was read into: say so.
  Diagnostics rules;
  validate(m.a, rules);
  for (Diagnostic& d : rules) {
    d.message += " (native field " + d.path + ", as read from this config)";
    d.path = "/";
    out.push_back(std::move(d));
  }
  if (out.size() != before) return std::nullopt;
  loaded.arch = std::move(m.a);
  loaded.format = "huggingface:" + *type;
  loaded.notes = std::move(m.notes);
  return loaded;
}

}  // namespace moesim::io
