#include "moesim/io/sweep.h"

#include "moesim/io/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>

#include "moesim/model/enum_names.h"

namespace moesim::io {
namespace {

enum class Kind { integer, real, format, choice, flag, name };

// A `choice` field's check: the value must be one of the enum's names.
template <class Enum>
std::string one_of(const std::string& text) {
  return parse_enum<Enum>(text) ? "" : "must be " + enum_choices<Enum>();
}

struct Field {
  SweepFieldInfo info;
  Kind kind;
  std::function<void(SweepPoint&, const SweepPoint& base, const AxisValue&)> set;
  std::string (*check_choice)(const std::string&) = nullptr;  // Kind::choice: one_of<Enum>
};

std::int64_t as_int(const AxisValue& v) { return static_cast<std::int64_t>(v.number); }

const std::vector<Field>& fields() {
  static const std::vector<Field> table{
      {{"experts", "routed experts E", "routed experts"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.moe.experts = as_int(v); }},
      {{"top_k", "experts per token K", "experts per token (top-k)"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.moe.top_k = as_int(v); }},
      {{"expert_width", "width of one routed expert", "routed expert width"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.moe.expert.width = as_int(v); }},
      // Krajewski et al. 2024 (arXiv 2402.07871) §3: granularity G splits each expert into G
      // experts of width d_expert/G, with G times the experts and G times the top-k.
      {{"granularity", "G: experts x G, top_k x G, expert width / G of the base model", "granularity G"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint& b, const AxisValue& v) {
         const std::int64_t g = as_int(v);
         p.arch.moe.experts = b.arch.moe.experts * g;
         p.arch.moe.top_k = b.arch.moe.top_k * g;
         p.arch.moe.expert.width = g > 0 ? b.arch.moe.expert.width / g : 0;
       }},
      {{"shared_experts", "always-on shared experts", "shared experts"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint& b, const AxisValue& v) {
         p.arch.moe.shared_experts = as_int(v);
         p.arch.moe.shared_expert_width = as_int(v) > 0 ? (b.arch.moe.shared_expert_width > 0 ? b.arch.moe.shared_expert_width : b.arch.moe.expert.width) : 0;
         if (as_int(v) == 0) p.arch.moe.shared_expert_gate = false;
       }},
      {{"null_experts", "AdaMoE null experts in the routing pool", "null experts"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.moe.null_experts = as_int(v); }},
      {{"hidden_size", "model width h", "model width (hidden size)"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.hidden_size = as_int(v); }},
      {{"layers", "layer count (new layers repeat the last layer's kind)", "layers"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint& b, const AxisValue& v) {
         const auto n = static_cast<std::size_t>(std::max<std::int64_t>(as_int(v), 0));
         p.arch.layers.assign(b.arch.layers.begin(), b.arch.layers.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.arch.layers.size())));
         while (p.arch.layers.size() < n) p.arch.layers.push_back(b.arch.layers.back());
       }},
      {{"heads", "attention heads", "attention heads"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.attention.heads = as_int(v); }},
      {{"kv_heads", "key/value heads", "key/value heads"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.attention.kv_heads = as_int(v); }},
      {{"head_dim", "dimension per head", "head dimension"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.attention.head_dim = as_int(v); }},
      {{"dense_width", "width of dense FFN layers", "dense FFN width"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.dense_ffn.width = as_int(v); }},
      {{"vocab_size", "vocabulary", "vocabulary [tokens]"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.vocab_size = as_int(v); }},
      {{"weight_format", "every weight matrix and embedding", "weight format"}, Kind::format,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { set_weight_format(p.arch.precision, *parse_number_format(v.text)); }},
      {{"expert_format", "routed experts' weights", "expert weight format"}, Kind::format,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { set_expert_format(p.arch.precision, *parse_number_format(v.text)); }},
      {{"kv_format", "KV cache", "KV cache format"}, Kind::format, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.precision.kv_cache = *parse_number_format(v.text); }},
      {{"activation_format", "activations (and the compute format)", "activation format"}, Kind::format,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.arch.precision.activations = *parse_number_format(v.text); }},
      {{"phase", "prefill | decode | train", "phase"}, Kind::choice, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.phase = *parse_enum<Phase>(v.text); },
       one_of<Phase>},
      {{"batch", "sequences", "batch [sequences]"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.batch = as_int(v); }},
      {{"context", "tokens", "context [tokens]"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.context = as_int(v); }},
      {{"tokens", "training tokens D", "training tokens D [tokens]"}, Kind::real, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.train_tokens = v.number; }},
      {{"null_fraction", "share of routing slots on null experts, 0..1", "null-expert share of routing slots"}, Kind::real,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.null_fraction = v.number; }},
      {{"recompute", "none | selective | full", "activation recomputation"}, Kind::choice,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.training.recompute = *parse_enum<Recompute>(v.text); }, one_of<Recompute>},
      {{"zero", "ZeRO stage 0-3", "ZeRO stage in training"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.training.zero = as_int(v); }},
      {{"overlap_grad_reduce", "0 | 1: the gradient reduction under the last micro-batch's backward", "gradient reduction overlapped"}, Kind::flag,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.training.overlap_grad_reduce = v.text == "1"; }},
      {{"overlap_param_gather", "0 | 1: ZeRO's weight gather under the first micro-batch's forward", "weight gather overlapped"}, Kind::flag,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.workload.training.overlap_param_gather = v.text == "1"; }},
      {{"tp", "tensor parallel", "tensor-parallel degree"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.tp = as_int(v); }},
      {{"ep", "expert parallel", "expert-parallel degree"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.ep = as_int(v); }},
      {{"pp", "pipeline stages", "pipeline stages"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.pp = as_int(v); }},
      {{"dp", "data parallel", "data-parallel replicas"}, Kind::integer, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.dp = as_int(v); }},
      {{"microbatches", "micro-batches per training step", "micro-batches per step"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.microbatches = as_int(v); }},
      {{"virtual_stages", "model chunks per pipeline device (1 = 1F1B, more = interleaved)", "virtual pipeline stages"}, Kind::integer,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.virtual_stages = as_int(v); }},
      {{"pp_schedule", "1f1b | gpipe", "pipeline schedule"}, Kind::choice,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.parallel.schedule = *parse_enum<PipelineSchedule>(v.text); },
       one_of<PipelineSchedule>},
      {{"two_batch_overlap", "0 | 1: serve as two micro-batches, one's all-to-all under the other's compute", "two-batch overlap"}, Kind::flag,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.two_batch_overlap = v.text == "1"; }},
      {{"capacity_factor", "expert capacity (0 = dropless)", "expert capacity factor"}, Kind::real,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.capacity_factor = v.number; }},
      {{"routing_skew", "Zipf exponent of expert popularity", "routing skew (Zipf exponent)"}, Kind::real, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.routing.zipf_exponent = v.number; }},
      {{"max_violation", "MaxVio, max load / mean load - 1 (instead of a skew)", "load imbalance (MaxVio)"}, Kind::real,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.routing.max_violation = v.number; }},
      {{"routing_locality", "share of routed tokens whose expert is on their own node, 0..1", "routing locality (node share)"}, Kind::real,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.node_locality = v.number; }},
      {{"offload", "none | host | storage", "expert offload target"}, Kind::choice,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.offload.target = *parse_enum<OffloadTarget>(v.text); },
       one_of<OffloadTarget>},
      {{"expert_cache", "experts cached per MoE layer", "experts cached per MoE layer"}, Kind::real,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.offload.cache_experts_per_layer = v.number; }},
      {{"prefetch_accuracy", "0..1", "expert prefetch accuracy"}, Kind::real, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.deployment.offload.prefetch_accuracy = v.number; }},
      {{"hw", "hardware profile names (or files)", "device"}, Kind::name, [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.hardware = v.text; }},
      // The architecture itself: StudyCursor starts each row from that model (StudyPlan::models)
      // before the other axes set their fields on it.
      {{"model", "model presets or files (native or Hugging Face config.json)", "model"}, Kind::name,
       [](SweepPoint& p, const SweepPoint&, const AxisValue& v) { p.model = v.text; }},
  };
  return table;
}

std::optional<double> number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Checks one value against the field's kind; the error names the rule.
std::string check_value(const Field& field, const AxisValue& v) {
  switch (field.kind) {
    case Kind::integer:
      if (v.number != std::floor(v.number) || v.number < 0 || v.number > 9e15) return "must be a whole number >= 0";
      return "";
    case Kind::real: return v.number >= 0 ? "" : "must be >= 0";
    case Kind::format: return parse_number_format(v.text) ? "" : "is not a number format: " + std::string(number_format_grammar());
    case Kind::choice: return field.check_choice(v.text);
    case Kind::flag: return v.text == "0" || v.text == "1" ? "" : "must be 0 or 1";
    case Kind::name: return v.text.empty() ? "must not be empty" : "";
  }
  return "";
}

}  // namespace

const std::vector<SweepFieldInfo>& sweep_fields() {
  static const std::vector<SweepFieldInfo> list = [] {
    std::vector<SweepFieldInfo> v;
    for (const Field& f : fields()) v.push_back(f.info);
    return v;
  }();
  return list;
}

std::optional<SweepAxis> parse_sweep_axis(std::string_view text, Diagnostics& out, std::size_t max_values) {
  const std::string where = "--set " + std::string(text);
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    out.push_back({"--set", "bad_option", "\"" + std::string(text) + "\" must be FIELD=VALUES, e.g. experts=8,16,64 or top_k=1..8"});
    return std::nullopt;
  }
  SweepAxis axis;
  axis.field = std::string(text.substr(0, eq));
  const Field* field = nullptr;
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < fields().size(); ++i) {
    names.push_back(fields()[i].info.name);
    if (fields()[i].info.name == axis.field) {
      field = &fields()[i];
      axis.field_index = i;
    }
  }
  if (!field) {
    std::string list;
    for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    out.push_back({"--set", "unknown_field", "\"" + axis.field + "\" is not a sweep field (" + list + ")"});
    return std::nullopt;
  }
  // Fields of SweepPoint::workload; any other field rebuilds the latency model.
  static constexpr std::string_view kWorkloadFields[] = {"phase", "batch", "context", "tokens", "null_fraction", "recompute", "zero",
                                                         "overlap_grad_reduce", "overlap_param_gather"};
  axis.workload_only = std::find(std::begin(kWorkloadFields), std::end(kWorkloadFields), axis.field) != std::end(kWorkloadFields);
  const bool numeric = field->kind == Kind::integer || field->kind == Kind::real;
  axis.numeric = numeric;
  std::string_view rest = text.substr(eq + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto dots = item.find("..");
    if (numeric && dots != std::string_view::npos) {  // a..b or a..b*f
      const auto star = item.find('*', dots);
      const auto lo = number(item.substr(0, dots));
      const auto hi = number(item.substr(dots + 2, star == std::string_view::npos ? std::string_view::npos : star - dots - 2));
      const auto factor = star == std::string_view::npos ? std::optional<double>(1.0) : number(item.substr(star + 1));
      if (!lo || !hi || !factor || *hi < *lo || (star != std::string_view::npos && !(*factor > 1))) {
        out.push_back({where, "bad_range", "\"" + std::string(item) + "\" must be a..b (step 1) or a..b*f (f > 1), a <= b"});
        return std::nullopt;
      }
      for (double v = *lo; v <= *hi * (1 + 1e-12); v = star == std::string_view::npos ? v + 1 : v * *factor) {
        if (axis.values.size() >= max_values) break;
        axis.values.push_back({shortest_number(v), v});
        if (star != std::string_view::npos && *lo <= 0) break;
      }
    } else if (numeric) {
      const auto v = number(item);
      if (!v) {
        out.push_back({where, "wrong_type", "\"" + std::string(item) + "\" is not a number"});
        return std::nullopt;
      }
      axis.values.push_back({std::string(item), *v});
    } else {
      axis.values.push_back({std::string(item), 0});
    }
    if (axis.values.size() >= max_values) {
      out.push_back({where, "too_many_values", "more than " + std::to_string(max_values) + " values"});
      return std::nullopt;
    }
  }
  for (const AxisValue& v : axis.values) {
    const std::string why = check_value(*field, v);
    if (!why.empty()) {
      out.push_back({where, "out_of_range", "\"" + v.text + "\" " + why});
      return std::nullopt;
    }
  }
  if (axis.values.empty()) {
    out.push_back({where, "missing", "no values"});
    return std::nullopt;
  }
  return axis;
}

void apply_sweep_value(SweepPoint& point, const SweepPoint& base, const SweepAxis& axis, std::size_t index) {
  fields()[axis.field_index].set(point, base, axis.values[index]);
}

}  // namespace moesim::io
