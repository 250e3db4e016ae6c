#include "moesim/io/report.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "moesim/model/enum_names.h"

namespace moesim::io {
namespace {

// v with `digits` significant digits ("0.000123").
std::string significant(double v, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
  return buffer;
}

std::string fixed(double v, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// Shortest text that reads back to the same double, for JSON and CSV.
std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string layer_summary(const Architecture& a) {
  std::int64_t moe = 0;
  for (const auto& l : a.layers) moe += l.ffn == LayerFfn::moe;
  const auto n = static_cast<std::int64_t>(a.layers.size());
  std::string s = std::to_string(n) + " (" + std::to_string(moe) + " MoE, " + std::to_string(n - moe) + " dense";
  if (moe > 0 && moe < n) {
    s += "; MoE at";
    int shown = 0;
    for (std::int64_t i = 0; i < n && shown < 8; ++i)
      if (a.layers[static_cast<std::size_t>(i)].ffn == LayerFfn::moe) {
        s += " " + std::to_string(i);
        ++shown;
      }
    if (shown < moe) s += " ...";
  }
  return s + ")";
}

// Which layers attend, when some are Mamba (the first 8 listed).
std::string mixer_summary(const Architecture& a) {
  std::int64_t attends = 0;
  std::string at;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    if (a.layers[i].mixer != LayerMixer::attention) continue;
    if (++attends <= 8) at += " " + std::to_string(i);
  }
  const auto mamba = static_cast<std::int64_t>(a.layers.size()) - attends;
  if (mamba == 0) return "";
  return std::to_string(attends) + " attention, " + std::to_string(mamba) + " Mamba" +
         (attends > 0 ? "; attention at" + at + (attends > 8 ? " ..." : "") : "");
}

std::string span_summary(const Architecture& a) {
  std::int64_t count[3] = {0, 0, 0};
  for (const auto& l : a.layers)
    if (l.mixer == LayerMixer::attention) ++count[static_cast<int>(l.span)];
  std::string s = std::to_string(count[0]) + " full";
  if (count[1]) s += ", " + std::to_string(count[1]) + " sliding (window " + std::to_string(a.attention.sliding_window) + ")";
  if (count[2]) s += ", " + std::to_string(count[2]) + " chunked (chunk " + std::to_string(a.attention.chunk_size) + ")";
  return s;
}

std::string ffn_summary(const FfnConfig& f) {
  return "width " + std::to_string(f.width) + ", " + std::string(to_string(f.activation)) + (f.bias ? ", with biases" : "");
}

}  // namespace

std::string shortest_number(double v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

std::string human(double v, Unit unit) {
  const double a = std::fabs(v);
  switch (unit) {
    case Unit::params:
      if (a >= 1e9) return fixed(v / 1e9, 4) + " B";
      if (a >= 1e6) return fixed(v / 1e6, 3) + " M";
      return fixed(v, 0);
    case Unit::tokens:
      if (a >= 1e12) return fixed(v / 1e12, 3) + " T tokens";
      if (a >= 1e9) return fixed(v / 1e9, 3) + " B tokens";
      return fixed(v, 0) + " tokens";
    case Unit::seconds:
      if (a == 0) return "0 s";
      if (a < 1e-3) return fixed(v * 1e6, 2) + " us";
      if (a < 1) return fixed(v * 1e3, 3) + " ms";
      if (a < 86400 * 2) return fixed(v, 3) + " s";
      return fixed(v / 86400, 2) + " days";
    case Unit::per_second: return (a >= 10 || a == 0 ? fixed(v, 1) : significant(v, 3)) + " /s";
    case Unit::ratio: return fixed(v, 4);
    case Unit::joules:  // small amounts in their own unit, never "0.000 kWh"
      if (a >= 3.6e9) return fixed(v / 3.6e9, 2) + " MWh";
      if (a >= 3.6e6) return fixed(v / 3.6e6, 3) + " kWh";
      if (a >= 3.6e3) return fixed(v / 3.6e3, 3) + " Wh";
      return fixed(v, 2) + " J";
    case Unit::usd:
      if (a >= 100 || a == 0) return "$" + fixed(v, 0);
      if (a >= 0.01) return "$" + fixed(v, 2);
      return "$" + significant(v, 3);
    case Unit::hours:  // under an hour as time (0.000184 h is 662.400 ms, not "0 h")
      if (a >= 100) return fixed(v, 0) + " h";
      if (a >= 1) return fixed(v, 2) + " h";
      return human(v * 3600, Unit::seconds);
    case Unit::flop: {
      static const char* const names[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP", "ZFLOP", "YFLOP"};
      int k = 0;
      double x = v;
      while (std::fabs(x) >= 1000 && k < 8) {
        x /= 1000;
        ++k;
      }
      return fixed(x, 3) + " " + names[k];
    }
    case Unit::bytes: {
      static const char* const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
      int k = 0;
      double x = v;
      while (std::fabs(x) >= 1024 && k < 5) {
        x /= 1024;
        ++k;
      }
      return fixed(x, k == 0 ? 0 : 2) + " " + names[k];
    }
  }
  return shortest_number(v);
}

const std::vector<EstimateField>& estimate_fields() {
  static const std::vector<EstimateField> fields{
      {"params.total", Unit::params, "total parameters", [](const Estimate& e) { return e.params.total_params(); }},
      {"params.active", Unit::params, "active per token (incl. input embedding)", [](const Estimate& e) { return e.params.active_params(); }},
      {"params.active_excl_input_embedding", Unit::params, "active per token (excl. input embedding)",
       [](const Estimate& e) { return e.params.active_excl_input_embedding(); }},
      {"params.non_embedding", Unit::params, "non-embedding total", [](const Estimate& e) { return e.params.non_embedding_total(); }},
      {"params.non_embedding_active", Unit::params, "non-embedding active", [](const Estimate& e) { return e.params.non_embedding_active(); }},
      {"params.mtp", Unit::params, "multi-token-prediction modules (apart)", [](const Estimate& e) { return e.params.mtp_total; }},
      {"flops.per_token_forward", Unit::flop, "forward per token", [](const Estimate& e) { return e.flops.forward_per_token_total(); }},
      {"flops.attention_context_per_token", Unit::flop, "  of which attention over context",
       [](const Estimate& e) { return e.flops.attention_context_per_token; }},
      {"flops.prefill", Unit::flop, "prefill (batch x context)", [](const Estimate& e) { return e.flops.prefill; }},
      {"flops.decode_step", Unit::flop, "decode step (batch tokens)", [](const Estimate& e) { return e.flops.decode_step; }},
      {"flops.training_per_token", Unit::flop, "training per token", [](const Estimate& e) { return e.flops.training_per_token; }},
      {"flops.training_tokens", Unit::tokens, "training tokens D", [](const Estimate& e) { return e.flops.training_tokens; }},
      {"flops.training_total", Unit::flop, "training on D tokens", [](const Estimate& e) { return e.flops.training_total; }},
      {"flops.six_n_d", Unit::flop, "6 * N_active * D approximation", [](const Estimate& e) { return e.flops.six_n_d; }},
      {"flops.total", Unit::flop, "total for the phase", [](const Estimate& e) { return e.flops.phase_total; }},
      {"memory.weights_bytes", Unit::bytes, "weights", [](const Estimate& e) { return e.memory.weights_bytes; }},
      {"memory.kv_cache_bytes_per_token", Unit::bytes, "KV cache per token", [](const Estimate& e) { return e.memory.kv_cache_bytes_per_token; }},
      {"memory.kv_cache_bytes", Unit::bytes, "KV cache (batch x context)", [](const Estimate& e) { return e.memory.kv_cache_bytes; }},
      {"memory.recurrent_state_bytes_per_sequence", Unit::bytes, "recurrent state per sequence (Mamba)",
       [](const Estimate& e) { return e.memory.recurrent_state_bytes_per_sequence; }},
      {"memory.recurrent_state_bytes", Unit::bytes, "recurrent state (batch)", [](const Estimate& e) { return e.memory.recurrent_state_bytes; }},
      {"memory.activation_bytes", Unit::bytes, "activations kept for backward", [](const Estimate& e) { return e.memory.activation_bytes; }},
      {"memory.mtp_weights_bytes", Unit::bytes, "multi-token-prediction weights (training)",
       [](const Estimate& e) { return e.memory.mtp_weights_bytes; }},
      {"memory.gradient_bytes", Unit::bytes, "gradients", [](const Estimate& e) { return e.memory.gradient_bytes; }},
      {"memory.optimizer_bytes", Unit::bytes, "optimizer states and master weights", [](const Estimate& e) { return e.memory.optimizer_bytes; }},
      {"memory.total_bytes", Unit::bytes, "total", [](const Estimate& e) { return e.memory.total_bytes; }},
  };
  return fields;
}

std::string describe_architecture(const LoadedModel& m) {
  const Architecture& a = m.arch;
  std::ostringstream o;
  o << "model: " << a.name << "  [" << m.origin << ", " << m.format << "]\n";
  if (!m.source.empty()) o << "  source: " << m.source << "\n";
  o << "  hidden_size: " << a.hidden_size << "   vocab: " << a.vocab_size
    << "   embeddings: " << (a.tied_embeddings ? "tied" : "untied") << "   norm: " << to_string(a.norm) << "\n";
  o << "  layers: " << layer_summary(a) << "\n";
  if (const std::string mixers = mixer_summary(a); !mixers.empty()) o << "  mixers: " << mixers << "\n";
  o << "  attention spans: " << span_summary(a) << "\n";
  const AttentionConfig& at = a.attention;
  o << "  attention: " << attention_variant(at) << ", " << at.heads << " heads";
  if (at.kind == AttentionKind::mla) {
    o << ", q_lora_rank " << at.q_lora_rank << ", kv_lora_rank " << at.kv_lora_rank << ", qk nope/rope "
      << at.qk_nope_head_dim << "/" << at.qk_rope_head_dim << ", v_head_dim " << at.v_head_dim;
  } else {
    o << ", " << at.kv_heads << " kv heads, head_dim " << at.head_dim << ", qkv bias " << yes_no(at.qkv_bias)
      << ", o bias " << yes_no(at.o_bias) << ", qk norm " << to_string(at.qk_norm) << ", sinks " << yes_no(at.sinks);
  }
  o << "\n";
  bool any_dense = false, any_moe = false;
  for (const auto& l : a.layers) (l.ffn == LayerFfn::dense ? any_dense : any_moe) = true;
  if (any_dense) o << "  dense FFN: " << ffn_summary(a.dense_ffn) << "\n";
  if (any_moe) {
    const MoeConfig& mo = a.moe;
    o << "  MoE: " << mo.experts << " routed experts, router " << to_string(mo.router);
    if (mo.router == RouterKind::token_choice) o << " top-" << mo.top_k;
    if (mo.router == RouterKind::expert_choice) o << " capacity factor " << mo.capacity_factor;
    if (mo.router == RouterKind::soft_moe) o << " " << mo.slots_per_expert << " slot(s) per expert";
    o << " (" << to_string(mo.scoring) << (mo.router_bias ? ", router bias" : "") << ")\n";
    o << "    expert: " << ffn_summary(mo.expert) << "\n";
    if (mo.shared_experts > 0)
      o << "    shared: " << mo.shared_experts << " x width " << mo.shared_expert_width
        << (mo.shared_expert_gate ? ", sigmoid gate" : "") << "\n";
  }
  const MambaConfig& mb = a.mamba;
  if (mb.expand > 0)
    o << "  mamba: expand " << mb.expand << " (d_inner " << mb.expand * a.hidden_size << "), d_state " << mb.d_state
      << ", d_conv " << mb.d_conv << ", dt_rank " << mb.dt_rank << ", conv bias " << yes_no(mb.conv_bias) << ", proj bias " << yes_no(mb.proj_bias) << ", inner norms "
      << yes_no(mb.inner_norms) << "\n";
  if (a.mtp_modules > 0) o << "  multi-token prediction: " << a.mtp_modules << " module(s)\n";
  const Precision& p = a.precision;
  o << "  formats: attention " << to_string(p.attention) << ", dense_ffn " << to_string(p.dense_ffn) << ", experts "
    << to_string(p.experts) << ", shared " << to_string(p.shared_experts) << ", router " << to_string(p.router)
    << ", embedding " << to_string(p.embedding) << ", lm_head " << to_string(p.lm_head) << ", norms "
    << to_string(p.norms) << ", kv_cache " << to_string(p.kv_cache) << ", activations " << to_string(p.activations)
    << "\n";
  if (mb.expand > 0)
    o << "    mamba " << to_string(p.mamba) << ", ssm_state " << to_string(p.ssm_state) << ", conv_state " << to_string(p.conv_state) << "\n";
  if (!p.expert_overrides.empty()) o << "    " << p.expert_overrides.size() << " per-expert format override(s)\n";
  for (const auto& n : m.notes) o << "  note: " << n << "\n";
  if (!m.ignored_keys.empty()) {
    o << "  ignored keys (no effect on counts):";
    for (const auto& k : m.ignored_keys) o << " " << k;
    o << "\n";
  }
  return o.str();
}

std::string describe_workload(const Workload& w) {
  std::ostringstream o;
  o << "workload: phase " << to_string(w.phase) << ", batch " << w.batch << ", context " << w.context << " tokens";
  if (w.phase == Phase::train) {
    o << ", recompute " << to_string(w.training.recompute) << ", optimizer " << to_string(w.training.optimizer)
      << (w.training.master_weights ? " (fp32 master weights)" : "") << ", gradients "
      << to_string(w.training.gradient_format);
  }
  return o.str() + "\n";
}

Json estimate_json(const LoadedModel& model, const Workload& w, const Estimate& e) {
  Json out;
  out["model"] = model.arch.name;
  out["workload"] = {{"phase", to_string(w.phase)}, {"batch", w.batch}, {"context", w.context},
                     {"recompute", to_string(w.training.recompute)}};
  for (const EstimateField& f : estimate_fields()) {
    const auto dot = f.key.find('.');
    out[std::string(f.key.substr(0, dot))][std::string(f.key.substr(dot + 1))] = f.value(e);
  }
  for (std::size_t k = 0; k < kComponentCount; ++k) {
    const std::string name(to_string(static_cast<Component>(k)));
    out["params"]["by_component"][name] = {{"total", e.params.total.value[k]}, {"active", e.params.active.value[k]}};
    out["flops"]["forward_per_token_by_component"][name] = e.flops.forward_per_token.value[k];
    out["memory"]["weights_by_component"][name] = e.memory.weights.value[k];
  }
  Json groups = Json::array();
  for (std::size_t i = 0; i < e.layers.size; ++i) {
    const LayerGroup& g = e.layers.group[i];
    groups.push_back({{"mixer", to_string(g.mixer)},
                      {"ffn", to_string(g.ffn)},
                      {"attention_span", to_string(g.span)},
                      {"layers", g.layers},
                      {"params_total_per_layer", g.params_total},
                      {"params_active_per_layer", g.params_active},
                      {"forward_flops_per_token_per_layer", g.forward_flops_per_token},
                      {"kv_cache_bytes_per_sequence_per_layer", g.kv_cache_bytes_per_sequence},
                      {"recurrent_state_bytes_per_sequence_per_layer", g.recurrent_state_bytes_per_sequence}});
  }
  out["layer_groups"] = groups;
  return out;
}

std::string estimate_table(const LoadedModel& model, const Workload& w, const Estimate& e) {
  std::ostringstream o;
  o << describe_architecture(model) << describe_workload(w) << "\n";
  std::string section;
  for (const EstimateField& f : estimate_fields()) {
    const std::string head(f.key.substr(0, f.key.find('.')));
    if (head != section) {
      section = head;
      o << section << "\n";
    }
    char line[160];
    std::snprintf(line, sizeof line, "  %-44s %18s\n", std::string(f.label).c_str(), human(f.value(e), f.unit).c_str());
    o << line;
  }
  o << "parameters by component (total / active)\n";
  for (std::size_t k = 0; k < kComponentCount; ++k) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-20s %16s %16s\n", std::string(to_string(static_cast<Component>(k))).c_str(),
                  human(e.params.total.value[k], Unit::params).c_str(), human(e.params.active.value[k], Unit::params).c_str());
    o << line;
  }
  o << "layer groups (per layer)\n";
  for (std::size_t i = 0; i < e.layers.size; ++i) {
    const LayerGroup& g = e.layers.group[i];
    char line[200];
    // a Mamba group shows its mixer where an attention group shows its span
    const std::string_view kind = g.mixer == LayerMixer::mamba ? to_string(g.mixer) : to_string(g.span);
    std::snprintf(line, sizeof line, "  %3lld x %-5s %-7s total %14s  active %14s  forward %16s/token\n",
                  static_cast<long long>(g.layers), std::string(to_string(g.ffn)).c_str(),
                  std::string(kind).c_str(), human(g.params_total, Unit::params).c_str(),
                  human(g.params_active, Unit::params).c_str(), human(g.forward_flops_per_token, Unit::flop).c_str());
    o << line;
  }
  return o.str();
}

std::string estimate_csv_header() {
  std::string s;
  for (const EstimateField& f : estimate_fields()) s += (s.empty() ? "" : ",") + std::string(f.key);
  return s;
}

std::string estimate_csv_row(const Estimate& e) {
  std::string s;
  for (const EstimateField& f : estimate_fields()) s += (s.empty() ? "" : ",") + shortest_number(f.value(e));
  return s;
}

}  // namespace moesim::io

namespace moesim::io {

const std::vector<LatencyField>& latency_fields() {
  static const std::vector<LatencyField> fields{
      {"feasible", Unit::ratio, "feasible (1 = yes)", [](const LatencyEstimate& l) { return l.feasible() ? 1.0 : 0.0; }},
      {"latency.prefill_s", Unit::seconds, "prefill (time to first token)", [](const LatencyEstimate& l) { return l.prefill_s; }},
      {"latency.decode_step_s", Unit::seconds, "decode step (time per output token)", [](const LatencyEstimate& l) { return l.decode_step_s; }},
      {"latency.train_step_s", Unit::seconds, "training step", [](const LatencyEstimate& l) { return l.train_step_s; }},
      {"throughput.decode_tokens_per_s", Unit::per_second, "decode tokens per second (all replicas)",
       [](const LatencyEstimate& l) { return l.decode_tokens_per_s; }},
      {"training.total_s", Unit::seconds, "training on D tokens", [](const LatencyEstimate& l) { return l.train_total_s; }},
      {"training.device_hours", Unit::hours, "device-hours", [](const LatencyEstimate& l) { return l.device_hours; }},
      {"training.mfu", Unit::ratio, "MFU (of the compute format's peak)", [](const LatencyEstimate& l) { return l.train_mfu; }},
      {"training.energy_j", Unit::joules, "energy at TDP", [](const LatencyEstimate& l) { return l.energy_j; }},
      {"training.cost_usd", Unit::usd, "cost at the profile's price", [](const LatencyEstimate& l) { return l.cost_usd; }},
      {"memory_per_device.weights_bytes", Unit::bytes, "weights per device", [](const LatencyEstimate& l) { return l.memory.weights_bytes; }},
      {"memory_per_device.kv_cache_bytes", Unit::bytes, "KV cache per device", [](const LatencyEstimate& l) { return l.memory.kv_cache_bytes; }},
      {"memory_per_device.recurrent_state_bytes", Unit::bytes, "recurrent state per device (Mamba)",
       [](const LatencyEstimate& l) { return l.memory.recurrent_state_bytes; }},
      {"memory_per_device.training_state_bytes", Unit::bytes, "training state per device",
       [](const LatencyEstimate& l) { return l.memory.training_state_bytes; }},
      {"memory_per_device.total_bytes", Unit::bytes, "total per device", [](const LatencyEstimate& l) { return l.memory.total_bytes; }},
      {"memory_per_device.capacity_bytes", Unit::bytes, "device memory", [](const LatencyEstimate& l) { return l.memory.capacity_bytes; }},
      {"routing.decode_distinct_experts", Unit::ratio, "distinct experts per MoE layer (decode)",
       [](const LatencyEstimate& l) { return l.decode_distinct_experts; }},
      {"routing.max_load_over_mean", Unit::ratio, "busiest EP device / mean (decode)", [](const LatencyEstimate& l) { return l.max_load_over_mean; }},
      {"routing.dropped_fraction", Unit::ratio, "tokens dropped at capacity (training)", [](const LatencyEstimate& l) { return l.dropped_fraction; }},
      {"offload.cache_hit_rate", Unit::ratio, "expert cache hit rate", [](const LatencyEstimate& l) { return l.expert_cache_hit_rate; }},
      {"offload.decode_io_share", Unit::ratio, "share of decode time in expert I/O", [](const LatencyEstimate& l) { return l.decode_io_share; }},
  };
  return fields;
}

std::string describe_hardware(const Hardware& hw) {
  std::ostringstream o;
  o << "hardware: " << hw.name << " (" << hw.kind << ")\n";
  o << "  source: " << hw.provenance.method << ", " << hw.provenance.source;
  if (!hw.provenance.date.empty()) o << ", " << hw.provenance.date;
  o << "\n  compute (dense):";
  for (std::size_t i = 0; i < kComputeFormatCount; ++i)
    if (hw.peak_flop_per_s[i] > 0) o << " " << to_string(static_cast<ComputeFormat>(i)) << " " << fixed(hw.peak_flop_per_s[i] / 1e12, 1) << " TFLOP/s";
  o << "\n  memory: " << human(hw.memory_bytes, Unit::bytes) << " at " << fixed(hw.memory_bandwidth_bytes_per_s / 1e9, 1)
    << " GB/s; cache " << human(hw.cache_bytes, Unit::bytes) << "\n";
  o << "  links: host " << fixed(hw.host_link.bandwidth_bytes_per_s / 1e9, 1) << " GB/s, scale-up "
    << fixed(hw.scale_up.bandwidth_bytes_per_s / 1e9, 1) << " GB/s x " << hw.scale_up_devices << " devices"
    << (hw.scale_up_peer_access ? " (peer access)" : "") << ", scale-out "
    << fixed(hw.scale_out.bandwidth_bytes_per_s / 1e9, 2) << " GB/s\n";
  if (hw.storage_sequential_read_bytes_per_s > 0)
    o << "  storage: " << fixed(hw.storage_sequential_read_bytes_per_s / 1e9, 2) << " GB/s sequential, "
      << fixed(hw.storage_random_read_bytes_per_s / 1e9, 2) << " GB/s random\n";
  o << "  efficiency: large GEMM " << fixed(hw.gemm_by_tokens.at(1e9), 2) << ", large transfers "
    << fixed(hw.memory_by_bytes.at(1e12), 2) << ", links " << fixed(hw.link_efficiency, 2) << ", per kernel "
    << human(hw.kernel_overhead_s, Unit::seconds);
  if (hw.graph_kernel_overhead_s > 0) o << " (" << human(hw.graph_kernel_overhead_s, Unit::seconds) << " in a CUDA graph)";
  if (hw.pass_overhead_s > 0) o << ", per serving pass " << human(hw.pass_overhead_s, Unit::seconds);
  o << "\n";
  std::string unpacking;
  for (std::size_t i = 0; i < kElementCount; ++i)
    if (hw.dequantize_bytes_per_s[i] > 0)
      unpacking += std::string(unpacking.empty() ? "" : ", ") + std::string(to_string(static_cast<Element>(i))) + " " +
                   fixed(hw.dequantize_bytes_per_s[i] / 1e9, 1) + " GB/s";
  if (!unpacking.empty()) o << "  unpacking weight-only formats (stored bytes): " << unpacking << "\n";
  if (hw.tdp_w > 0) o << "  power: " << fixed(hw.tdp_w, 0) << " W";
  if (hw.price_usd_per_hour > 0) o << "   price: " << fixed(hw.price_usd_per_hour, 2) << " USD/h";
  o << "\n";
  return o.str();
}

std::string describe_deployment(const Deployment& d) {
  const Parallelism& p = d.parallel;
  std::ostringstream o;
  o << "deployment: tp " << p.tp << ", ep " << p.ep << ", pp " << p.pp << ", dp " << p.dp << " (" << p.devices() << " devices)";
  if (p.pp > 1) o << ", " << p.microbatches << " micro-batches";
  if (p.virtual_stages > 1) o << ", interleaved over " << p.virtual_stages << " virtual stages";
  if (d.capacity_factor > 0) o << ", capacity factor " << d.capacity_factor;
  if (d.offload.target != OffloadTarget::none)
    o << "; experts offloaded to " << (d.offload.target == OffloadTarget::host ? "host memory" : "storage") << ", cache "
      << d.offload.cache_experts_per_layer << " experts/layer (" << (d.offload.policy == CachePolicy::lru ? "LRU" : "LFU")
      << "), prefetch accuracy " << d.offload.prefetch_accuracy;
  return o.str() + "\n";
}

std::string infeasible_reason(const LatencyEstimate& l) {
  if (l.feasible()) return "";
  std::string s(to_string(l.infeasible));
  if (l.infeasible == Infeasible::memory)
    s += " (" + human(l.memory.total_bytes, Unit::bytes) + " needed per device, " + human(l.memory.capacity_bytes, Unit::bytes) + " available)";
  return s;
}

void missing_device_property(const LatencyEstimate& l, const Hardware& hw, const Deployment& d, Diagnostics& out) {
  if (l.infeasible == Infeasible::no_offload_path)
    out.push_back({"offload", "not_applicable",
                   d.offload.target == OffloadTarget::storage
                       ? "storage: the profile " + hw.name + " has no storage read rates (its \"storage\" section)"
                       : "host: the profile " + hw.name + " has no host link (its \"host_link\" section)"});
  if (l.infeasible == Infeasible::no_dequantization)
    out.push_back({"weight_format", "not_applicable",
                   "weights stored narrower than the activations are unpacked before each multiply, and the profile " + hw.name +
                       " has no rate for their element format (its \"efficiency\" / \"dequantization\" section)"});
  if (l.infeasible == Infeasible::no_link)
    out.push_back({"tp", "not_applicable", "tp x pp x dp = " + std::to_string(d.parallel.devices()) + " devices, but the profile " + hw.name +
                                               " has no link between them (its \"scale_up\" / \"scale_out\" sections)"});
}

void add_latency_json(Json& out, const LatencyEstimate& l) {
  for (const LatencyField& f : latency_fields()) {
    const auto dot = f.key.find('.');
    if (dot == std::string_view::npos) continue;
    out[std::string(f.key.substr(0, dot))][std::string(f.key.substr(dot + 1))] = f.value(l);
  }
  out["feasible"] = l.feasible();
  out["infeasible_reason"] = infeasible_reason(l);
  // Built in place: nlohmann's initializer lists copy every nested value, which made this
  // report cost 50 times the latency model (tests/bench/bench_latency.cpp, BM_EstimateJson).
  Json& breakdown = out["breakdown"];
  for (const auto& [name, p] : {std::pair<const char*, const PhaseTime*>{"prefill", &l.prefill}, {"decode", &l.decode}, {"train", &l.train}}) {
    Json& phase = breakdown[name];
    phase["total_s"] = p->total_s;
    Json& ops = phase["operators"] = Json::object();
    for (std::size_t k = 0; k < kOpCount; ++k) {
      const OpTime& t = p->op[k];
      if (t.time_s <= 0) continue;
      Json& op = ops[std::string(to_string(static_cast<Op>(k)))];
      op["time_s"] = t.time_s;
      op["bound"] = to_string(t.bound);
      op["compute_s"] = t.compute_s;
      op["memory_s"] = t.memory_s;
      op["communication_s"] = t.communication_s;
      op["io_s"] = t.io_s;
      op["flops"] = t.flops;
      op["bytes"] = t.bytes;
      op["kernels"] = t.kernels;
    }
  }
}

std::string latency_table(const LatencyEstimate& l, Phase phase) {
  std::ostringstream o;
  if (!l.feasible()) o << "INFEASIBLE: " << infeasible_reason(l) << "\n";
  std::string section;
  for (const LatencyField& f : latency_fields()) {
    if (f.key == "feasible") continue;
    const std::string head(f.key.substr(0, f.key.find('.')));
    if (head != section) {
      section = head;
      o << section << "\n";
    }
    char line[160];
    std::snprintf(line, sizeof line, "  %-44s %18s\n", std::string(f.label).c_str(), human(f.value(l), f.unit).c_str());
    o << line;
  }
  const PhaseTime& p = phase == Phase::prefill ? l.prefill : phase == Phase::decode ? l.decode : l.train;
  o << "where the " << to_string(phase) << " time goes (per device)\n";
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const OpTime& t = p.op[k];
    if (t.time_s <= 0) continue;
    char line[160];
    std::snprintf(line, sizeof line, "  %-20s %14s %6.1f%%  %-20s %8.0f kernels\n", std::string(to_string(static_cast<Op>(k))).c_str(),
                  human(t.time_s, Unit::seconds).c_str(), p.total_s > 0 ? 100 * t.time_s / p.total_s : 0.0,
                  (std::string(to_string(t.bound)) + "-bound").c_str(), t.kernels);
    o << line;
  }
  return o.str();
}

}  // namespace moesim::io
