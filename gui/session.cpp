#include "session.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "moesim/io/files.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/report.h"
#include "moesim/io/sweep.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/routing.h"
#include "moesim/model/validate.h"

namespace moesim::gui {
namespace {

// The library's path in front of its message, as the CLI prints "PATH: MESSAGE".
Diagnostic for_field(const std::string& field, const Diagnostic& d) {
  return {field, d.code, d.path.empty() || d.path == field ? d.message : d.path + ": " + d.message};
}

// Which override field a rule of validate(Architecture) belongs to (native-format paths).
std::string field_of_model_path(const std::string& path) {
  static const std::pair<const char*, const char*> table[] = {
      {"/layers", "layers"},          {"/hidden_size", "hidden_size"},      {"/moe/experts", "experts"},
      {"/moe/top_k", "top_k"},        {"/moe/expert/width", "expert_width"}, {"/moe/shared_expert", "shared_experts"},
      {"/attention/heads", "heads"},  {"/attention/kv_heads", "kv_heads"},  {"/attention/kv_lora_rank", "attention_kind"},
      {"/attention/head_dim", "attention_kind"},
  };
  for (const auto& [prefix, field] : table)
    if (path.rfind(prefix, 0) == 0) return std::string("/model/overrides/") + field;
  return "/model/spec";
}

struct OverrideText {
  const char* field;
  std::optional<std::string> value;
};

std::vector<OverrideText> override_texts(const ModelOverrides& o) {
  auto num = [](const std::optional<std::int64_t>& v) { return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt; };
  // Order matters where fields overlap: all weights first, then the experts' own format.
  return {{"layers", num(o.layers)},           {"hidden_size", num(o.hidden_size)},   {"experts", num(o.experts)},
          {"top_k", num(o.top_k)},             {"expert_width", num(o.expert_width)}, {"shared_experts", num(o.shared_experts)},
          {"heads", num(o.heads)},             {"kv_heads", num(o.kv_heads)},         {"weight_format", o.weight_format},
          {"expert_format", o.expert_format},  {"kv_format", o.kv_format},            {"activation_format", o.activation_format}};
}

// The deployment rules the CLI checks too (moesim::validate), at the session's paths.
void check_deployment(const Deployment& d, const Architecture& arch, Diagnostics& out) {
  const std::size_t before = out.size();
  validate(d, arch, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = "/deployment/" + out[i].path;
}

// A number field that may be left empty ("" = not given).
std::optional<double> optional_number(const std::string& text, const char* path, Diagnostics& out) {
  if (text.empty()) return std::nullopt;
  const auto v = io::finite_number(text);
  if (!v) out.push_back({path, "wrong_type", "\"" + text + "\" is not a number"});
  return v;
}

}  // namespace

std::optional<Resolved> resolve(const Session& s, Diagnostics& out) {
  const std::size_t before = out.size();
  Resolved r;

  Diagnostics d;
  auto model = io::load_model(s.model.spec, d);
  for (const Diagnostic& x : d) out.push_back(for_field("/model/spec", x));
  if (model) {
    io::SweepPoint base{model->arch, s.workload, {}, "", ""};
    io::SweepPoint point = base;
    for (const OverrideText& o : override_texts(s.model.overrides)) {
      if (!o.value) continue;
      const std::string field = std::string("/model/overrides/") + o.field;
      d.clear();
      const auto axis = io::parse_sweep_axis(std::string(o.field) + "=" + *o.value, d);
      for (const Diagnostic& x : d) out.push_back({field, x.code, x.message});
      if (!axis) continue;
      if (axis->values.size() != 1) {
        out.push_back({field, "out_of_range", "\"" + *o.value + "\" must be one value"});
        continue;
      }
      io::apply_sweep_value(point, base, *axis, 0);
    }
    if (s.model.overrides.attention_kind) point.arch.attention.kind = *s.model.overrides.attention_kind;
    d.clear();
    validate(point.arch, d);
    for (const Diagnostic& x : d) out.push_back(for_field(field_of_model_path(x.path), x));
    model->arch = std::move(point.arch);
    r.model = std::move(*model);
  }

  d.clear();
  if (model) validate(s.workload, r.model.arch, d);
  else validate(s.workload, d);
  for (const Diagnostic& x : d) out.push_back({"/workload/" + x.path, x.code, x.message});
  r.workload = s.workload;

  d.clear();
  auto hw = io::load_hardware(s.hardware, d);
  for (const Diagnostic& x : d) out.push_back(for_field("/hardware", x));
  if (hw) r.hardware = std::move(*hw);

  const DeploymentInput& in = s.deployment;
  r.deployment.parallel = {in.tp, in.ep, in.pp, in.dp, in.microbatches, in.virtual_stages, in.pp_schedule};
  r.deployment.capacity_factor = in.capacity_factor;
  r.deployment.offload = {in.offload, in.expert_cache, in.cache_policy, in.prefetch_accuracy};
  r.deployment.expert_reads = in.expert_reads;
  r.deployment.expert_placement = in.expert_placement;
  r.deployment.two_batch_overlap = in.two_batch_overlap;
  r.deployment.routing.zipf_exponent = in.routing_skew;
  if (!in.routing_histogram.empty())
    if (auto shares = io::parse_share_list(in.routing_histogram, "/deployment/routing_histogram", out)) r.deployment.routing.histogram = std::move(*shares);
  r.deployment.node_locality = optional_number(in.routing_locality, "/deployment/routing_locality", out);
  r.deployment.routing.max_violation = optional_number(in.max_violation, "/deployment/max_violation", out);
  check_deployment(r.deployment, r.model.arch, out);
  if (out.size() != before) return std::nullopt;
  return r;
}


// ---- JSON

io::Json session_json(const Session& s) {
  io::Json overrides = io::Json::object();
  for (const OverrideText& o : override_texts(s.model.overrides)) {
    if (!o.value) continue;
    if (std::string_view(o.field).ends_with("_format")) overrides[o.field] = *o.value;
    else overrides[o.field] = std::stoll(*o.value);
  }
  if (s.model.overrides.attention_kind) overrides["attention_kind"] = to_string(*s.model.overrides.attention_kind);
  const DeploymentInput& d = s.deployment;
  return io::Json{
      {"schema_version", kSessionSchemaVersion},
      {"model", {{"spec", s.model.spec}, {"overrides", overrides}}},
      {"hardware", s.hardware},
      {"workload",
       {{"phase", to_string(s.workload.phase)},
        {"batch", s.workload.batch},
        {"context", s.workload.context},
        {"tokens", s.workload.train_tokens},
        {"null_fraction", s.workload.null_fraction},
        {"recompute", to_string(s.workload.training.recompute)},
        {"zero", s.workload.training.zero},
        {"overlap_grad_reduce", s.workload.training.overlap_grad_reduce},
        {"overlap_param_gather", s.workload.training.overlap_param_gather}}},
      {"deployment",
       {{"tp", d.tp},
        {"ep", d.ep},
        {"pp", d.pp},
        {"dp", d.dp},
        {"microbatches", d.microbatches},
        {"virtual_stages", d.virtual_stages},
        {"pp_schedule", to_string(d.pp_schedule)},
        {"capacity_factor", d.capacity_factor},
        {"offload", to_string(d.offload)},
        {"expert_cache", d.expert_cache},
        {"cache_policy", to_string(d.cache_policy)},
        {"expert_reads", to_string(d.expert_reads)},
        {"expert_placement", to_string(d.expert_placement)},
        {"two_batch_overlap", d.two_batch_overlap},
        {"prefetch_accuracy", d.prefetch_accuracy},
        {"routing_skew", d.routing_skew},
        {"routing_histogram", d.routing_histogram},
        {"routing_locality", d.routing_locality},
        {"max_violation", d.max_violation}}},
      {"sweep", {{"x", s.sweep.x}, {"values", s.sweep.values}, {"series", s.sweep.series}, {"series_values", s.sweep.series_values}, {"y", s.sweep.y}}},
      {"scaling", {{"law", s.scaling.law}, {"budgets", s.scaling.budgets}, {"data", s.scaling.data}, {"data_columns", s.scaling.data_columns},
                   {"top_k", s.scaling.top_k}, {"granularity", s.scaling.granularity}, {"max_sparsity", s.scaling.max_sparsity}, {"fixed_size", s.scaling.fixed_size},
                   {"max_params", s.scaling.max_params}, {"max_memory", s.scaling.max_memory}, {"kv_tokens", s.scaling.kv_tokens},
                   {"devices", s.scaling.devices}, {"serve_batch", s.scaling.serve_batch}, {"serve_context", s.scaling.serve_context},
                   {"max_decode_latency", s.scaling.max_decode_latency}, {"inference_tokens", s.scaling.inference_tokens}}},
      {"pareto", {{"axes", s.pareto.axes}, {"x", s.pareto.x}, {"budget_flops", s.pareto.budget_flops}}},
      {"calibration", {{"csv", s.calibration.csv}}},
  };
}

namespace {

// A nested object: its reader, or nullptr when the key is absent (the defaults stay).
template <class F>
void read_object(io::ObjectReader& parent, const char* key, F&& body) {
  if (const io::Json* v = parent.value(key, false)) {
    io::ObjectReader r(*v, io::child_path(parent.path(), key), parent.diagnostics());
    body(r);
    r.finish();
  }
}

void read_string(io::ObjectReader& r, const char* key, std::string& target) {
  if (auto v = r.string(key, false)) target = std::move(*v);
}
void read_int(io::ObjectReader& r, const char* key, std::int64_t& target) {
  if (auto v = r.integer(key, false)) target = *v;
}
void read_double(io::ObjectReader& r, const char* key, double& target) {
  if (auto v = r.number(key, false)) target = *v;
}
void read_bool(io::ObjectReader& r, const char* key, bool& target) {
  if (auto v = r.boolean(key, false)) target = *v;
}
// A number list "1,2,4"; a single number as sessions before lists wrote it.
void read_list(io::ObjectReader& r, const char* key, std::string& target) {
  if (const io::Json* v = r.value(key, false)) {
    if (v->is_number()) target = io::shortest_number(v->get<double>());
    else if (v->is_string()) target = v->get<std::string>();
    else r.fail(key, "wrong_type", io::describe_value(*v) + " must be a number or a list \"1,2,4\"");
  }
}
template <class Enum>
void read_enum(io::ObjectReader& r, const char* key, Enum& target) {
  if (auto v = r.string(key, false)) {
    if (auto e = parse_enum<Enum>(*v)) target = *e;
    else r.fail(key, "unknown_value", "\"" + *v + "\" must be " + enum_choices<Enum>());
  }
}

// The "model" object: the spec and the overrides, each format checked.
void read_model(io::ObjectReader& root, ModelInput& model) {
  read_object(root, "model", [&](io::ObjectReader& m) {
    read_string(m, "spec", model.spec);
    read_object(m, "overrides", [&](io::ObjectReader& o) {
      ModelOverrides& v = model.overrides;
      std::pair<const char*, std::optional<std::int64_t>*> ints[] = {
          {"layers", &v.layers}, {"hidden_size", &v.hidden_size}, {"experts", &v.experts}, {"top_k", &v.top_k},
          {"expert_width", &v.expert_width}, {"shared_experts", &v.shared_experts}, {"heads", &v.heads}, {"kv_heads", &v.kv_heads}};
      for (auto& [key, target] : ints) *target = o.integer(key, false);
      std::pair<const char*, std::optional<std::string>*> formats[] = {
          {"weight_format", &v.weight_format}, {"expert_format", &v.expert_format}, {"kv_format", &v.kv_format},
          {"activation_format", &v.activation_format}};
      for (auto& [key, target] : formats) {
        *target = o.string(key, false);
        if (*target && !parse_number_format(**target))
          o.fail(key, "unknown_value", "\"" + **target + "\" is not a number format: " + std::string(number_format_grammar()));
      }
      if (auto kind = o.string("attention_kind", false)) {
        if (auto k = parse_enum<AttentionKind>(*kind)) v.attention_kind = *k;
        else o.fail("attention_kind", "unknown_value", "\"" + *kind + "\" must be " + enum_choices<AttentionKind>());
      }
    });
  });
}

void read_workload(io::ObjectReader& w, Workload& workload) {
  read_enum(w, "phase", workload.phase);
  read_int(w, "batch", workload.batch);
  read_int(w, "context", workload.context);
  read_double(w, "tokens", workload.train_tokens);
  read_double(w, "null_fraction", workload.null_fraction);
  read_enum(w, "recompute", workload.training.recompute);
  read_int(w, "zero", workload.training.zero);
  read_bool(w, "overlap_grad_reduce", workload.training.overlap_grad_reduce);
  read_bool(w, "overlap_param_gather", workload.training.overlap_param_gather);
}

void read_deployment(io::ObjectReader& r, DeploymentInput& d) {
  read_int(r, "tp", d.tp);
  read_int(r, "ep", d.ep);
  read_int(r, "pp", d.pp);
  read_int(r, "dp", d.dp);
  read_int(r, "microbatches", d.microbatches);
  read_int(r, "virtual_stages", d.virtual_stages);
  read_enum(r, "pp_schedule", d.pp_schedule);
  read_double(r, "capacity_factor", d.capacity_factor);
  read_enum(r, "offload", d.offload);
  read_double(r, "expert_cache", d.expert_cache);
  read_enum(r, "cache_policy", d.cache_policy);
  read_enum(r, "expert_reads", d.expert_reads);
  read_enum(r, "expert_placement", d.expert_placement);
  read_bool(r, "two_batch_overlap", d.two_batch_overlap);
  read_double(r, "prefetch_accuracy", d.prefetch_accuracy);
  read_double(r, "routing_skew", d.routing_skew);
  read_string(r, "routing_histogram", d.routing_histogram);
  read_string(r, "routing_locality", d.routing_locality);
  read_string(r, "max_violation", d.max_violation);
}

}  // namespace

std::optional<Session> read_session(const io::Json& doc, Diagnostics& out) {
  const std::size_t before = out.size();
  Session s;
  io::ObjectReader root(doc, "/", out);
  if (const auto version = root.integer("schema_version", true); version && *version != kSessionSchemaVersion)
    root.fail("schema_version", "unsupported", std::to_string(*version) + " is not supported (this build reads " +
                                                   std::to_string(kSessionSchemaVersion) + ")");
  read_model(root, s.model);
  read_string(root, "hardware", s.hardware);
  read_object(root, "workload", [&](io::ObjectReader& w) { read_workload(w, s.workload); });
  read_object(root, "deployment", [&](io::ObjectReader& r) { read_deployment(r, s.deployment); });
  read_object(root, "sweep", [&](io::ObjectReader& r) {
    read_string(r, "x", s.sweep.x);
    read_string(r, "values", s.sweep.values);
    read_string(r, "series", s.sweep.series);
    read_string(r, "series_values", s.sweep.series_values);
    read_string(r, "y", s.sweep.y);
  });
  read_object(root, "scaling", [&](io::ObjectReader& r) {
    read_string(r, "law", s.scaling.law);
    read_string(r, "budgets", s.scaling.budgets);
    read_string(r, "data", s.scaling.data);
    read_string(r, "data_columns", s.scaling.data_columns);
    read_list(r, "top_k", s.scaling.top_k);
    read_list(r, "granularity", s.scaling.granularity);
    read_string(r, "fixed_size", s.scaling.fixed_size);
    read_double(r, "max_sparsity", s.scaling.max_sparsity);
    read_string(r, "max_params", s.scaling.max_params);
    read_string(r, "max_memory", s.scaling.max_memory);
    read_double(r, "kv_tokens", s.scaling.kv_tokens);
    read_int(r, "devices", s.scaling.devices);
    read_int(r, "serve_batch", s.scaling.serve_batch);
    read_int(r, "serve_context", s.scaling.serve_context);
    read_string(r, "max_decode_latency", s.scaling.max_decode_latency);
    read_double(r, "inference_tokens", s.scaling.inference_tokens);
  });
  read_object(root, "pareto", [&](io::ObjectReader& r) {
    if (const io::Json* axes = r.value("axes", false)) {
      s.pareto.axes.clear();
      if (!axes->is_array()) r.fail("axes", "wrong_type", io::describe_value(*axes) + " must be an array of \"FIELD=VALUES\" strings");
      else
        for (std::size_t i = 0; i < axes->size(); ++i) {
          if ((*axes)[i].is_string()) s.pareto.axes.push_back((*axes)[i].get<std::string>());
          else out.push_back({io::child_path(r.path(), "axes") + "/" + std::to_string(i), "wrong_type",
                              io::describe_value((*axes)[i]) + " must be a string FIELD=VALUES"});
        }
    }
    read_string(r, "x", s.pareto.x);
    read_double(r, "budget_flops", s.pareto.budget_flops);
  });
  read_object(root, "calibration", [&](io::ObjectReader& r) { read_string(r, "csv", s.calibration.csv); });
  root.finish();
  if (out.size() != before) return std::nullopt;
  return s;
}

std::optional<Session> load_session(const std::string& path, Diagnostics& out) {
  const std::size_t before = out.size();
  const auto text = io::read_text_file(path, out);
  if (!text) return std::nullopt;
  std::optional<Session> s;
  if (const auto doc = io::parse_json(*text, out)) s = read_session(*doc, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = path + ":" + out[i].path;
  return s;
}

bool save_session(const Session& session, const std::string& path, Diagnostics& out) {
  return io::write_file_atomically(path, session_json(session).dump(2) + "\n", true, out);
}

}  // namespace moesim::gui
