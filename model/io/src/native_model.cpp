// The native model format: one key per struct field, exact key sets. docs/formats.md
// describes it field by field.
#include <algorithm>

#include "moesim/io/model_io.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/validate.h"

namespace moesim::io {
namespace {

template <class Enum>
void read_enum(ObjectReader& r, std::string_view key, Enum& target) {
  const auto text = r.string(key, false);
  if (!text) return;
  if (const auto v = parse_enum<Enum>(*text)) {
    target = *v;
  } else {
    r.fail(key, "unknown_value", "\"" + *text + "\" is not one of " + enum_choices<Enum>());
  }
}

void read_int(ObjectReader& r, std::string_view key, std::int64_t& target, bool required) {
  if (const auto v = r.integer(key, required)) target = *v;
}

void read_bool(ObjectReader& r, std::string_view key, bool& target) {
  if (const auto v = r.boolean(key, false)) target = *v;
}

void read_format(ObjectReader& r, std::string_view key, NumberFormat& target) {
  const auto text = r.string(key, false);
  if (!text) return;
  if (const auto f = parse_number_format(*text)) {
    target = *f;
  } else {
    r.fail(key, "unknown_value", "\"" + *text + "\" is not a number format: " + std::string(number_format_grammar()));
  }
}

void read_ffn(ObjectReader& r, FfnConfig& f) {
  read_int(r, "width", f.width, true);
  read_enum(r, "activation", f.activation);
  read_bool(r, "bias", f.bias);
}

// Which layers have a property (/layers/moe: a MoE FFN; /layers/attention: an attention
// mixer): "all" | "none" | {"every": n, "offset": o} | [layer indices], and for /layers/moe
// {"first_dense": k}. `apply(i, flag)` sets layer i; absent, every layer gets `absent_flag`.
template <class Apply>
void read_layer_set(ObjectReader& layers, std::string_view key, std::int64_t n, bool with_first_dense, bool absent_flag,
                    Apply apply) {
  const std::string path = child_path(layers.path(), key);
  const Json* spec = layers.value(key, false);
  Diagnostics& diag = layers.diagnostics();
  auto set = [&](auto rule) {
    for (std::int64_t i = 0; i < n; ++i) apply(static_cast<std::size_t>(i), rule(i));
  };
  if (!spec) {
    set([&](std::int64_t) { return absent_flag; });
    return;
  }
  if (spec->is_string()) {
    const auto s = spec->get<std::string>();
    if (s == "all" || s == "none") {
      set([&](std::int64_t) { return s == "all"; });
    } else {
      diag.push_back({path, "unknown_value", "\"" + s + "\" must be \"all\", \"none\", " + (with_first_dense ? "{\"first_dense\": k}, " : "") +
                                                 "{\"every\": n, \"offset\": o} or a list of layer indices"});
    }
    return;
  }
  if (spec->is_array()) {
    set([](std::int64_t) { return false; });
    for (std::size_t k = 0; k < spec->size(); ++k) {
      const Json& v = (*spec)[k];
      const std::string item = child_path(path, std::to_string(k));
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() >= n) {
        diag.push_back({item, "out_of_range", describe_value(v) + " must be a layer index in [0, " + std::to_string(n - 1) + "]"});
        continue;
      }
      apply(v.get<std::size_t>(), true);
    }
    return;
  }
  ObjectReader r(*spec, path, diag);
  if (with_first_dense && r.has("first_dense")) {
    const auto k = r.integer("first_dense", true);
    if (k && (*k < 0 || *k > n)) r.fail("first_dense", "out_of_range", std::to_string(*k) + " must be in [0, layers/count]");
    else if (k) set([&](std::int64_t i) { return i >= *k; });
  } else {
    const auto every = r.integer("every", true);
    const auto offset = r.integer("offset", true);
    if (every && (*every < 1 || *every > std::max<std::int64_t>(n, 1))) r.fail("every", "out_of_range", std::to_string(*every) + " must be in [1, layers/count]");
    else if (offset && every && (*offset < 0 || *offset >= *every)) r.fail("offset", "out_of_range", std::to_string(*offset) + " must be in [0, every - 1]");
    else if (every && offset) set([&](std::int64_t i) { return i % *every == *offset; });
  }
  r.finish();
}

// "full" | "sliding" | "chunked" | {"pattern": ["sliding", "full", ...]} repeated over layers
void read_spans(ObjectReader& layers, std::vector<LayerConfig>& out) {
  const std::string path = child_path(layers.path(), "attention_span");
  const Json* spec = layers.value("attention_span", false);
  if (!spec) return;
  Diagnostics& diag = layers.diagnostics();
  auto parse_span = [&](const Json& v, const std::string& at) -> std::optional<AttentionSpan> {
    if (v.is_string())
      if (const auto s = parse_enum<AttentionSpan>(v.get<std::string>())) return s;
    diag.push_back({at, "unknown_value", describe_value(v) + " must be " + enum_choices<AttentionSpan>()});
    return std::nullopt;
  };
  if (spec->is_string()) {
    if (const auto s = parse_span(*spec, path))
      for (auto& l : out) l.span = *s;
    return;
  }
  ObjectReader r(*spec, path, diag);
  const Json* pattern = r.value("pattern", true);
  r.finish();
  if (!pattern) return;
  const std::string pattern_path = child_path(path, "pattern");
  if (!pattern->is_array() || pattern->empty() || pattern->size() > out.size()) {
    diag.push_back({pattern_path, "wrong_type", "must be a list of 1 to layers/count spans"});
    return;
  }
  std::vector<AttentionSpan> spans;
  for (std::size_t k = 0; k < pattern->size(); ++k)
    if (const auto s = parse_span((*pattern)[k], child_path(pattern_path, std::to_string(k)))) spans.push_back(*s);
  if (spans.size() != pattern->size()) return;
  for (std::size_t i = 0; i < out.size(); ++i) out[i].span = spans[i % spans.size()];
}

void read_precision(ObjectReader& r, Precision& p) {
  read_format(r, "attention", p.attention);
  read_format(r, "mamba", p.mamba);
  read_format(r, "dense_ffn", p.dense_ffn);
  read_format(r, "experts", p.experts);
  read_format(r, "shared_experts", p.shared_experts);
  read_format(r, "router", p.router);
  read_format(r, "embedding", p.embedding);
  read_format(r, "lm_head", p.lm_head);
  read_format(r, "norms", p.norms);
  read_format(r, "kv_cache", p.kv_cache);
  read_format(r, "ssm_state", p.ssm_state);
  read_format(r, "conv_state", p.conv_state);
  read_format(r, "activations", p.activations);
  const Json* overrides = r.value("expert_overrides", false);
  if (!overrides) return;
  const std::string path = child_path(r.path(), "expert_overrides");
  if (!overrides->is_array()) {
    r.fail("expert_overrides", "wrong_type", "must be a list of {\"layer\", \"expert\", \"format\"}");
    return;
  }
  for (std::size_t k = 0; k < overrides->size(); ++k) {
    ObjectReader o((*overrides)[k], child_path(path, std::to_string(k)), r.diagnostics());
    ExpertFormatOverride item;
    read_int(o, "layer", item.layer, false);
    read_int(o, "expert", item.expert, true);
    if (!o.has("format")) o.fail("format", "missing", "required field is missing (expected a number format)");
    read_format(o, "format", item.format);
    o.finish();
    p.expert_overrides.push_back(item);
  }
}

}  // namespace

std::optional<Architecture> read_native_model(const Json& doc, Diagnostics& out, std::string* source) {
  const std::size_t before = out.size();
  ObjectReader r(doc, "/", out);
  if (!doc.is_object()) return std::nullopt;
  if (const auto v = r.integer("schema_version", true); v && *v != kModelSchemaVersion)
    r.fail("schema_version", "unsupported", std::to_string(*v) + " is not supported (this moesim reads version " +
                                                std::to_string(kModelSchemaVersion) + ")");
  Architecture a;
  if (const auto v = r.string("name", true)) a.name = *v;
  if (const auto v = r.string("source", false); v && source) *source = *v;
  read_int(r, "hidden_size", a.hidden_size, true);
  read_int(r, "vocab_size", a.vocab_size, true);
  read_bool(r, "tied_embeddings", a.tied_embeddings);
  read_enum(r, "norm", a.norm);
  read_int(r, "max_position_embeddings", a.max_position_embeddings, false);

  const bool has_moe = r.has("moe");
  if (const Json* layers = r.value("layers", true)) {
    ObjectReader lr(*layers, "/layers", out);
    std::int64_t count = 0;
    read_int(lr, "count", count, true);
    if (count < 1 || count > kMaxLayers) {
      if (lr.has("count")) lr.fail("count", "out_of_range", std::to_string(count) + " must be in [1, " + std::to_string(kMaxLayers) + "]");
      lr.allow("moe");
      lr.allow("attention");
      lr.allow("attention_span");
    } else {
      std::vector<LayerConfig>& l = a.layers;
      l.resize(static_cast<std::size_t>(count));
      read_layer_set(lr, "moe", count, true, has_moe, [&](std::size_t i, bool moe) { l[i].ffn = moe ? LayerFfn::moe : LayerFfn::dense; });
      read_layer_set(lr, "attention", count, false, true,
                     [&](std::size_t i, bool attends) { l[i].mixer = attends ? LayerMixer::attention : LayerMixer::mamba; });
      read_spans(lr, a.layers);
    }
    read_int(lr, "mtp_modules", a.mtp_modules, false);
    lr.finish();
  }

  if (const Json* attention = r.value("attention", true)) {
    ObjectReader ar(*attention, "/attention", out);
    AttentionConfig& at = a.attention;
    read_enum(ar, "kind", at.kind);
    const bool mla = at.kind == AttentionKind::mla;
    read_int(ar, "heads", at.heads, true);
    read_int(ar, "kv_heads", at.kv_heads, !mla);
    read_int(ar, "head_dim", at.head_dim, !mla);
    read_int(ar, "q_lora_rank", at.q_lora_rank, false);
    read_int(ar, "kv_lora_rank", at.kv_lora_rank, mla);
    read_int(ar, "qk_rope_head_dim", at.qk_rope_head_dim, mla);
    read_int(ar, "qk_nope_head_dim", at.qk_nope_head_dim, mla);
    read_int(ar, "v_head_dim", at.v_head_dim, mla);
    read_bool(ar, "qkv_bias", at.qkv_bias);
    read_bool(ar, "o_bias", at.o_bias);
    read_enum(ar, "qk_norm", at.qk_norm);
    read_bool(ar, "sinks", at.sinks);
    read_int(ar, "sliding_window", at.sliding_window, false);
    read_int(ar, "chunk_size", at.chunk_size, false);
    ar.finish();
  }
  if (const Json* ffn = r.value("dense_ffn", false)) {
    ObjectReader fr(*ffn, "/dense_ffn", out);
    read_ffn(fr, a.dense_ffn);
    fr.finish();
  }
  if (const Json* moe = r.value("moe", false)) {
    ObjectReader mr(*moe, "/moe", out);
    MoeConfig& m = a.moe;
    read_int(mr, "experts", m.experts, true);
    read_enum(mr, "router", m.router);
    read_int(mr, "top_k", m.top_k, m.router == RouterKind::token_choice);
    if (const Json* expert = mr.value("expert", true)) {
      ObjectReader er(*expert, "/moe/expert", out);
      read_ffn(er, m.expert);
      er.finish();
    }
    read_enum(mr, "scoring", m.scoring);
    read_bool(mr, "router_bias", m.router_bias);
    if (const auto v = mr.number("capacity_factor", m.router == RouterKind::expert_choice)) m.capacity_factor = *v;
    read_int(mr, "slots_per_expert", m.slots_per_expert, m.router == RouterKind::soft_moe);
    read_int(mr, "shared_experts", m.shared_experts, false);
    read_int(mr, "shared_expert_width", m.shared_expert_width, m.shared_experts > 0);
    read_bool(mr, "shared_expert_gate", m.shared_expert_gate);
    read_int(mr, "null_experts", m.null_experts, false);
    // Each router reads only its own knob: a knob of another router would be silently unused.
    const std::pair<std::string_view, RouterKind> knobs[] = {{"top_k", RouterKind::token_choice},
                                                             {"capacity_factor", RouterKind::expert_choice},
                                                             {"slots_per_expert", RouterKind::soft_moe}};
    for (const auto& [key, owner] : knobs)
      if (mr.has(key) && m.router != owner)
        mr.fail(key, "not_applicable", "is set, but router is " + std::string(to_string(m.router)) + " (" +
                                           std::string(key) + " belongs to " + std::string(to_string(owner)) + ")");
    mr.finish();
  }
  if (const Json* mamba = r.value("mamba", false)) {
    ObjectReader mr(*mamba, "/mamba", out);
    MambaConfig& m = a.mamba;
    read_int(mr, "expand", m.expand, true);
    read_int(mr, "d_state", m.d_state, true);
    read_int(mr, "d_conv", m.d_conv, true);
    read_int(mr, "dt_rank", m.dt_rank, true);
    read_bool(mr, "conv_bias", m.conv_bias);
    read_bool(mr, "proj_bias", m.proj_bias);
    read_bool(mr, "inner_norms", m.inner_norms);
    mr.finish();
  }
  if (const Json* precision = r.value("precision", false)) {
    ObjectReader pr(*precision, "/precision", out);
    read_precision(pr, a.precision);
    pr.finish();
  }
  r.finish();
  if (out.size() != before) return std::nullopt;
  validate(a, out);
  if (out.size() != before) return std::nullopt;
  return a;
}

namespace {

Json ffn_json(const FfnConfig& f) {
  return Json{{"width", f.width}, {"activation", to_string(f.activation)}, {"bias", f.bias}};
}

// The shortest of the accepted descriptions that reproduces the layer set `in`
// (read_layer_set's shapes; "first_dense" only where `with_first_dense`).
Json layer_set_json(const std::vector<bool>& in, bool with_first_dense) {
  const auto n = static_cast<std::int64_t>(in.size());
  auto matches = [&](auto rule) {
    for (std::int64_t i = 0; i < n; ++i)
      if (in[static_cast<std::size_t>(i)] != rule(i)) return false;
    return true;
  };
  if (matches([](std::int64_t) { return true; })) return "all";
  if (matches([](std::int64_t) { return false; })) return "none";
  for (std::int64_t k = 1; k < n && with_first_dense; ++k)
    if (matches([&](std::int64_t i) { return i >= k; })) return Json{{"first_dense", k}};
  for (std::int64_t every = 2; every <= n; ++every)
    for (std::int64_t offset = 0; offset < every; ++offset)
      if (matches([&](std::int64_t i) { return i % every == offset; })) return Json{{"every", every}, {"offset", offset}};
  Json list = Json::array();
  for (std::int64_t i = 0; i < n; ++i)
    if (in[static_cast<std::size_t>(i)]) list.push_back(i);
  return list;
}

Json spans_json(const std::vector<LayerConfig>& layers) {
  for (std::size_t period = 1; period <= layers.size(); ++period) {
    bool ok = true;
    for (std::size_t i = period; i < layers.size() && ok; ++i) ok = layers[i].span == layers[i % period].span;
    if (!ok) continue;
    if (period == 1) return to_string(layers[0].span);
    Json pattern = Json::array();
    for (std::size_t i = 0; i < period; ++i) pattern.push_back(to_string(layers[i].span));
    return Json{{"pattern", pattern}};
  }
  return "full";
}

}  // namespace

Json write_native_model(const Architecture& a, const std::string& source) {
  Json doc;
  doc["schema_version"] = kModelSchemaVersion;
  doc["name"] = a.name;
  if (!source.empty()) doc["source"] = source;
  doc["hidden_size"] = a.hidden_size;
  doc["vocab_size"] = a.vocab_size;
  doc["tied_embeddings"] = a.tied_embeddings;
  doc["norm"] = to_string(a.norm);
  if (a.max_position_embeddings > 0) doc["max_position_embeddings"] = a.max_position_embeddings;
  std::vector<bool> moe, attends;
  for (const LayerConfig& l : a.layers) {
    moe.push_back(l.ffn == LayerFfn::moe);
    attends.push_back(l.mixer == LayerMixer::attention);
  }
  const bool any_mamba = std::find(attends.begin(), attends.end(), false) != attends.end();
  Json layers{{"count", a.layers.size()}, {"moe", layer_set_json(moe, true)}};
  if (any_mamba) layers["attention"] = layer_set_json(attends, false);  // absent: every layer attends
  if (!a.layers.empty()) layers["attention_span"] = spans_json(a.layers);
  if (a.mtp_modules > 0) layers["mtp_modules"] = a.mtp_modules;
  doc["layers"] = layers;

  const AttentionConfig& at = a.attention;
  Json attention{{"kind", to_string(at.kind)}, {"heads", at.heads}};
  if (at.kind == AttentionKind::mla) {
    attention["q_lora_rank"] = at.q_lora_rank;
    attention["kv_lora_rank"] = at.kv_lora_rank;
    attention["qk_rope_head_dim"] = at.qk_rope_head_dim;
    attention["qk_nope_head_dim"] = at.qk_nope_head_dim;
    attention["v_head_dim"] = at.v_head_dim;
  } else {
    attention["kv_heads"] = at.kv_heads;
    attention["head_dim"] = at.head_dim;
    attention["qkv_bias"] = at.qkv_bias;
    attention["o_bias"] = at.o_bias;
    attention["qk_norm"] = to_string(at.qk_norm);
    attention["sinks"] = at.sinks;
  }
  if (at.sliding_window > 0) attention["sliding_window"] = at.sliding_window;
  if (at.chunk_size > 0) attention["chunk_size"] = at.chunk_size;
  doc["attention"] = attention;

  const bool any_dense = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::dense; });
  const bool any_moe = std::any_of(a.layers.begin(), a.layers.end(), [](auto& l) { return l.ffn == LayerFfn::moe; });
  if (any_dense) doc["dense_ffn"] = ffn_json(a.dense_ffn);
  if (any_moe) {
    const MoeConfig& m = a.moe;
    Json moe{{"experts", m.experts}, {"router", to_string(m.router)}};
    if (m.router == RouterKind::token_choice) moe["top_k"] = m.top_k;
    if (m.router == RouterKind::expert_choice) moe["capacity_factor"] = m.capacity_factor;
    if (m.router == RouterKind::soft_moe) moe["slots_per_expert"] = m.slots_per_expert;
    moe["expert"] = ffn_json(m.expert);
    moe["scoring"] = to_string(m.scoring);
    moe["router_bias"] = m.router_bias;
    moe["shared_experts"] = m.shared_experts;
    if (m.shared_experts > 0) {
      moe["shared_expert_width"] = m.shared_expert_width;
      moe["shared_expert_gate"] = m.shared_expert_gate;
    }
    if (m.null_experts > 0) moe["null_experts"] = m.null_experts;
    doc["moe"] = moe;
  }
  if (any_mamba) {
    const MambaConfig& m = a.mamba;
    doc["mamba"] = Json{{"expand", m.expand},       {"d_state", m.d_state},     {"d_conv", m.d_conv},
                        {"dt_rank", m.dt_rank},     {"conv_bias", m.conv_bias}, {"proj_bias", m.proj_bias},
                        {"inner_norms", m.inner_norms}};
  }
  const Precision& p = a.precision;
  Json precision{{"attention", to_string(p.attention)},   {"dense_ffn", to_string(p.dense_ffn)},
                 {"experts", to_string(p.experts)},       {"shared_experts", to_string(p.shared_experts)},
                 {"router", to_string(p.router)},         {"embedding", to_string(p.embedding)},
                 {"lm_head", to_string(p.lm_head)},       {"norms", to_string(p.norms)},
                 {"kv_cache", to_string(p.kv_cache)},     {"activations", to_string(p.activations)}};
  if (any_mamba) {  // formats of what only Mamba layers have
    precision["mamba"] = to_string(p.mamba);
    precision["ssm_state"] = to_string(p.ssm_state);
    precision["conv_state"] = to_string(p.conv_state);
  }
  if (!p.expert_overrides.empty()) {
    Json list = Json::array();
    for (const auto& o : p.expert_overrides) list.push_back({{"layer", o.layer}, {"expert", o.expert}, {"format", to_string(o.format)}});
    precision["expert_overrides"] = list;
  }
  doc["precision"] = precision;
  return doc;
}

}  // namespace moesim::io
