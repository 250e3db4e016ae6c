// moesim frontier: the loss-minimising design per budget, under the limits the user names
// (total size, memory, serving devices, decode latency and throughput, training hours),
// with inference charged to the budget; the search is moesim::fit::optimize().
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common.h"
#include "moesim/fit/optimize.h"
#include "moesim/fit/io/fit_file.h"
#include "moesim/io/files.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/io/units.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim frontier — the loss-minimising design per budget, under real limits

usage: moesim frontier [--law NAME|fit.json] [--budgets LO:HI:COUNT | B1,B2,...] [--family abnar2025|ludziejewski2025]
                       [--top-k LIST] [--granularity LIST] [--experts LIST] [--weight-format LIST]
                       [--max-params N] [--max-memory BYTES] [--kv-tokens T]
                       [--hw PROFILE [--devices N] [--serve-batch B] [--serve-context L]
                        [--max-decode-latency TIME] [--min-decode-throughput X] [--max-train-hours H --train-devices N]]
                       [--inference-tokens T] [--budget-unit flops|device-hours] [--alternatives N]
                       [--emit-models DIR] [--format table|csv|json] [--out FILE] [--force]

Each candidate is a concrete MoE of the family (abnar2025: GLU experts of width 4 d/G,
E = K/(1-S) over the sparsity grid; ludziejewski2025: SwiGLU experts of width 3 d, E from
--experts, N_act with embeddings) whose parameters, FLOPs, memory and decode latency come
from moesim's model. Per budget it prints the optimum, the limits that bind (their removal
would lower the loss), the unconstrained optimum beside it, and the search bounds the
optimum sits on (then widen the search: it is not an interior answer). With --hw every
design must fit the serving devices (--devices, or the fewest of up to 64) at the serving
batch and context; training device-hours are at the profile's large-GEMM efficiency.
The budget is training FLOPs (with --inference-tokens T, plus 2 N_act T, Ludziejewski et al.
2025 §4.4), or with --budget-unit device-hours training plus serving T tokens on the devices.
Laws: abnar2025 (default), chinchilla and ludziejewski2025 drive the search; krajewski2024
gives its optimal granularity per budget (Eq. 10 compute model, E = 64).

examples:
  moesim frontier --hw h100-sxm --devices 8                       # the main job
  moesim frontier --max-params 1e11 --budgets 1e21,1e22,1e23
  moesim frontier --hw h100-sxm --devices 8 --max-decode-latency "30 ms" --inference-tokens 1e12
  moesim frontier --law ludziejewski2025 --experts 1,2,4,8,16,32 --max-memory "2 GB" --kv-tokens 0
  moesim frontier --law krajewski2024 --budgets 1e20:1e24:5

options)";

struct Args {
  std::string law = "abnar2025", budgets = "1e20:1e24:11", family, hw, top_k = "1,2,4,8", granularity = "1,2,4", experts,
              weight_formats = "bf16", max_params, max_memory, max_latency, budget_unit = "flops", emit_dir, format = "table",
              out, flops = "exact";
  double kv_tokens = 0, min_throughput = 0, max_train_hours = 0, inference_tokens = 0, fixed_size = 0;
  std::int64_t devices = 0, serve_batch = 64, serve_context = 8192, train_devices = 0;
  std::size_t alternatives = 0, sparsity_levels = 100;
  double max_sparsity = 0.98, aspect_ratio = 128;
  bool force = false;
};

void add_options(po::options_description& desc, Args& a) {
  desc.add_options()
      ("help,h", "show this help")
      ("law", po::value(&a.law)->default_value(a.law), "a built-in law (moesim laws) or a fit.json from moesim fit")
      ("budgets", po::value(&a.budgets)->default_value(a.budgets), "LO:HI:COUNT (log-spaced) or a comma list, in the budget unit")
      ("family", po::value(&a.family), "design conventions: abnar2025 | ludziejewski2025 (default: the law's own)")
      ("top-k", po::value(&a.top_k)->default_value(a.top_k), "experts per token K searched")
      ("granularity", po::value(&a.granularity)->default_value(a.granularity), "granularities G searched (expert width = factor d / G)")
      ("experts", po::value(&a.experts), "expert counts E searched (instead of the sparsity grid)")
      ("weight-format", po::value(&a.weight_formats)->default_value(a.weight_formats), "weight formats searched, e.g. bf16,fp8,int4-g128")
      ("aspect-ratio", po::value(&a.aspect_ratio)->default_value(a.aspect_ratio), "d_model / layers (abnar2025 family)")
      ("flops", po::value(&a.flops)->default_value(a.flops), "FLOPs per token: exact (moesim's count) or 6n (6 N_active)")
      ("sparsity-levels", po::value(&a.sparsity_levels)->default_value(a.sparsity_levels), "sparsity levels from 0 to --max-sparsity")
      ("max-sparsity", po::value(&a.max_sparsity)->default_value(a.max_sparsity, "0.98"), "largest sparsity S = (E-K)/E searched")
      ("fixed-size", po::value(&a.fixed_size)->default_value(0), "also the optimal sparsity at this total size N (parameters)")
      ("max-params", po::value(&a.max_params), "limit: total parameters")
      ("max-memory", po::value(&a.max_memory), "limit: weights + KV cache of --kv-tokens tokens, e.g. \"80 GB\"")
      ("kv-tokens", po::value(&a.kv_tokens)->default_value(0), "tokens of KV cache counted by --max-memory")
      ("hw", po::value(&a.hw), "serving device profile: every design must fit; latency, device-hours")
      ("devices", po::value(&a.devices)->default_value(0), "serving devices (0: the fewest that fit, up to 64)")
      ("serve-batch", po::value(&a.serve_batch)->default_value(a.serve_batch), "sequences decoded together")
      ("serve-context", po::value(&a.serve_context)->default_value(a.serve_context), "tokens of context per sequence")
      ("max-decode-latency", po::value(&a.max_latency), "limit: decode step, e.g. \"50 ms\"")
      ("min-decode-throughput", po::value(&a.min_throughput)->default_value(0), "limit: decoded tokens/s of all replicas")
      ("max-train-hours", po::value(&a.max_train_hours), "limit: training wall-clock hours on --train-devices")
      ("train-devices", po::value(&a.train_devices)->default_value(0), "devices of the profile that train the model")
      ("inference-tokens", po::value(&a.inference_tokens)->default_value(0), "tokens served over the model's life, charged to the budget")
      ("budget-unit", po::value(&a.budget_unit)->default_value(a.budget_unit), "flops | device-hours (training + serving, needs --hw)")
      ("alternatives", po::value(&a.alternatives)->default_value(0), "also the N next best designs within 0.01 of the optimal loss")
      ("emit-models", po::value(&a.emit_dir), "write each optimum as a native model file into DIR")
      ("format", po::value(&a.format)->default_value(a.format), "table | csv | json")
      ("out", po::value(&a.out), "also write the rows as CSV (or JSON with --format json) to FILE")
      ("force", po::bool_switch(&a.force), "replace an existing --out FILE or emitted model files");
}

template <class T>
std::vector<T> list_option(const std::string& text, const std::string& option, const char* what, Diagnostics& d) {
  if constexpr (std::is_integral_v<T>) return io::parse_whole_number_list(text, option, what, d).value_or(std::vector<T>{});
  else return io::parse_number_list(text, option, what, d).value_or(std::vector<T>{});
}

double quantity_option(const std::string& text, const std::string& option, io::Dimension dim, Diagnostics& d) {
  const io::ParsedQuantity q = io::parse_quantity(text, dim);
  if (!q.value) d.push_back({option, "wrong_type", q.error});
  return q.value.value_or(0);
}

struct Study {
  fit::LoadedLaw law;
  fit::OptimizeOptions options;
  std::optional<Hardware> hw;
  fit::FrontierOptions frontier;  // the unconstrained grid, for the IsoFLOP curves and dense equivalents
};

// The design space: the family's conventions and the lists searched.
fit::DesignSpace design_space(const Args& a, const po::variables_map& vm, const fit::LoadedLaw* law, Diagnostics& d) {
  fit::DesignSpace space;
  const std::string family = a.family.empty() ? std::string(law ? law->law->info.family : "abnar2025") : a.family;
  if (family == "ludziejewski2025") space.family = fit::ludziejewski2025_family();
  else if (family != "abnar2025") d.push_back({"--family", "unknown_value", "\"" + family + "\" must be abnar2025 or ludziejewski2025"});
  if (family == "abnar2025") space.family.aspect_ratio = a.aspect_ratio;
  if (a.flops != "exact" && a.flops != "6n") d.push_back({"--flops", "unknown_value", "\"" + a.flops + "\" must be exact or 6n"});
  if (!vm["flops"].defaulted()) space.family.exact_flops = a.flops == "exact";
  const bool switch_top1 = family == "ludziejewski2025";  // their convention, unless given
  space.top_k = switch_top1 && vm["top-k"].defaulted() ? std::vector<std::int64_t>{1} : list_option<std::int64_t>(a.top_k, "--top-k", "experts per token", d);
  space.granularity = switch_top1 && vm["granularity"].defaulted() ? std::vector<double>{1} : list_option<double>(a.granularity, "--granularity", "granularity", d);
  if (!a.experts.empty()) space.experts = list_option<std::int64_t>(a.experts, "--experts", "experts", d);
  else if (switch_top1) space.experts = fit::ludziejewski2025_experts();
  space.weight_formats.clear();
  std::stringstream formats(a.weight_formats);
  for (std::string item; std::getline(formats, item, ',');) {
    if (const auto f = parse_number_format(item)) space.weight_formats.push_back(*f);
    else d.push_back({"--weight-format", "unknown_value", "\"" + item + "\" is not a number format: " + std::string(number_format_grammar())});
  }
  space.sparsity_levels = a.sparsity_levels;
  space.max_sparsity = a.max_sparsity;
  if (!(a.max_sparsity >= 0 && a.max_sparsity <= 0.999)) d.push_back({"--max-sparsity", "out_of_range", "must be in [0, 0.999]"});
  if (a.sparsity_levels < 1 || a.sparsity_levels > 100000) d.push_back({"--sparsity-levels", "out_of_range", "must be in [1, 100000]"});
  if (!(a.aspect_ratio >= 8 && a.aspect_ratio <= 4096)) d.push_back({"--aspect-ratio", "out_of_range", "must be in [8, 4096]"});
  if (law && law->law->info.optima == fit::Optima::design_search && !law->law->info.reads_experts) {  // the dense family
    for (const char* option : {"top-k", "granularity", "experts", "max-sparsity", "sparsity-levels"})
      if (!vm[option].empty() && !vm[option].defaulted())
        d.push_back({std::string("--") + option, "not_applicable", std::string(law->law->info.name) + " has no sparsity term: it searches dense models only"});
    space.max_sparsity = 0, space.sparsity_levels = 1, space.top_k = {1}, space.granularity = {1}, space.experts.clear();
  }
  return space;
}

// The limits and the objective.
void limits_and_objective(const Args& a, const po::variables_map& vm, fit::OptimizeOptions& o, Diagnostics& d) {
  if (vm.count("max-params")) {
    if (const auto v = io::parse_number_list(a.max_params, "--max-params", "parameters", d); v && v->size() == 1) o.limits.max_total_params = (*v)[0];
    else if (v) d.push_back({"--max-params", "wrong_type", "one number of parameters"});
  }
  if (vm.count("max-memory")) o.limits.max_memory_bytes = quantity_option(a.max_memory, "--max-memory", io::Dimension::bytes, d);
  o.limits.kv_tokens = a.kv_tokens;
  if (vm.count("max-decode-latency")) o.limits.max_decode_step_s = quantity_option(a.max_latency, "--max-decode-latency", io::Dimension::seconds, d);
  o.limits.min_decode_tokens_per_s = a.min_throughput;
  if (vm.count("max-train-hours")) o.limits.max_train_hours = a.max_train_hours;
  o.limits.train_devices = a.train_devices;
  o.objective.inference_tokens = a.inference_tokens;
  if (a.budget_unit == "device-hours") o.objective.unit = fit::BudgetUnit::device_hours;
  else if (a.budget_unit != "flops") d.push_back({"--budget-unit", "unknown_value", "\"" + a.budget_unit + "\" must be flops or device-hours"});
  if (const auto b = io::parse_budgets(a.budgets, "--budgets", d)) o.budgets = *b;
  o.alternatives = a.alternatives;
}

// Options -> the optimizer's options; every problem as a diagnostic naming its option.
Study make_study(const Args& a, const po::variables_map& vm) {
  Diagnostics d;
  Study s;
  const auto law = fit::load_law(a.law, d);
  if (law) {
    const fit::LawInfo& info = law->law->info;
    if (info.optima == fit::Optima::none) d.push_back({"--law", "not_applicable", std::string(info.name) + ": " + std::string(info.no_optima_reason)});
    if (a.fixed_size > 0 && !fit::has_fixed_size_optima(info))
      d.push_back({"--fixed-size", "not_applicable", "the fixed-size optima need a law of (N, D, S): abnar2025 or chinchilla"});
  }
  if (!(a.fixed_size >= 0)) d.push_back({"--fixed-size", "out_of_range", "must be >= 0"});
  fit::OptimizeOptions& o = s.options;
  o.space = design_space(a, vm, law ? &*law : nullptr, d);
  limits_and_objective(a, vm, o, d);
  if (vm.count("hw")) s.hw = io::load_hardware(a.hw, d);
  o.serving = {s.hw ? &*s.hw : nullptr, a.devices, a.serve_batch, a.serve_context};
  if (d.empty()) {
    fit::validate(o, d);
    name_options(d);
  }
  if (d.empty() && std::isfinite(o.limits.max_decode_step_s)) {
    const double floor = fit::decode_step_floor(o);
    if (o.limits.max_decode_step_s < floor)
      d.push_back({"--max-decode-latency", "out_of_range", "\"" + a.max_latency + "\" is below the decode step of the smallest design searched (" +
                                                               io::human(floor, io::Unit::seconds) + " on " + s.hw->name + "): no design can meet it"});
  }
  if (!d.empty()) throw BadInput{d};
  s.law = *law;
  s.frontier.family = o.space.family;
  s.frontier.family.top_k = o.space.top_k.front();
  s.frontier.family.granularity = o.space.granularity.front();
  s.frontier.family.weight_format = o.space.weight_formats.front();
  s.frontier.budgets = o.budgets;
  s.frontier.sparsity_levels = o.space.sparsity_levels;
  s.frontier.max_sparsity = o.space.max_sparsity;
  return s;
}

std::string joined(const std::vector<std::string_view>& names, char sep) {
  std::string s;
  for (std::string_view n : names) s += (s.empty() ? "" : std::string(1, sep)) + std::string(n);
  return s;
}

std::vector<std::string_view> binding_names(const fit::ConstrainedOptimum& r) {
  std::vector<std::string_view> out;
  for (fit::Limit l : r.binding) out.push_back(fit::to_string(l));
  return out;
}

io::Json names_json(const std::vector<std::string_view>& names) {
  io::Json j = io::Json::array();
  for (std::string_view n : names) j.push_back(std::string(n));
  return j;
}

io::Json design_json(const fit::Design& d, bool hw) {
  const fit::Candidate& c = d.candidate;
  io::Json j{{"sparsity", c.sparsity},         {"experts", c.experts},        {"top_k", d.top_k},
             {"granularity", d.granularity},   {"weight_format", to_string(d.weight_format)},
             {"d_model", c.d_model},           {"layers", c.layers},          {"total_params", c.total_params},
             {"active_params", c.active_params}, {"tokens", c.tokens},        {"training_flops", c.budget_flops},
             {"loss", c.loss},                 {"memory_bytes", d.memory_bytes}};
  if (hw) {
    const Placement& p = d.placement;
    j["deployment"] = p.fits ? io::Json{{"devices", p.devices}, {"tp", p.parallel.tp}, {"ep", p.parallel.ep}, {"pp", p.parallel.pp}, {"dp", p.parallel.dp}}
                             : io::Json();
    j["memory_per_device_bytes"] = p.fits ? io::Json(p.memory_per_device_bytes) : io::Json();
    j["decode_step_s"] = p.fits ? io::Json(p.decode_step_s) : io::Json();
    j["decode_tokens_per_s"] = p.fits ? io::Json(p.decode_tokens_per_s) : io::Json();
    j["training_device_hours"] = d.training_device_hours;
    j["inference_device_hours"] = d.inference_device_hours;
  }
  return j;
}

// The CSV is the JSON row flattened: one column per JSON pointer, so the two cannot disagree.
// Absent or null values are empty cells, lists are joined with ';'.
std::vector<std::pair<std::string, std::string>> csv_columns(bool flops, bool hw, bool models) {
  std::vector<std::pair<std::string, std::string>> c;
  auto add = [&](const char* name, const char* pointer) { c.emplace_back(name, pointer); };
  for (const char* key : {flops ? "budget_flops" : "budget_device_hours", "feasible", "sparsity", "experts", "top_k", "granularity",
                          "weight_format", "d_model", "layers", "total_params", "active_params", "tokens", "training_flops", "loss",
                          "memory_bytes"})
    c.emplace_back(key, "/" + std::string(key));
  if (hw) {
    for (const char* key : {"devices", "tp", "ep", "pp", "dp"}) c.emplace_back(key, "/deployment/" + std::string(key));
    for (const char* key : {"memory_per_device_bytes", "decode_step_s", "decode_tokens_per_s", "training_device_hours", "inference_device_hours"})
      c.emplace_back(key, "/" + std::string(key));
  }
  add("binding", "/binding");
  add("at_bound", "/at_bound");
  add("unconstrained_sparsity", "/unconstrained/sparsity");
  add("unconstrained_loss", "/unconstrained/loss");
  add("dense_equivalent_compute_ratio", "/dense_equivalent_compute_ratio");
  if (models) add("model_file", "/model_file");
  return c;
}

std::string csv_cell(const io::Json& row, const std::string& pointer) {
  const io::Json::json_pointer at(pointer);
  if (!row.contains(at)) return "";
  const io::Json& v = row.at(at);
  if (v.is_number()) return io::shortest_number(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_string()) return v.get<std::string>();
  std::string joined;
  if (v.is_array())
    for (const io::Json& x : v) joined += (joined.empty() ? "" : ";") + x.get<std::string>();
  return joined;  // and "" for null
}

struct Rendered {
  std::string table, csv;
  io::Json json;
};

// 1.2345e10 -> "12.3B": counts of parameters and tokens, three digits.
std::string short_count(double v) {
  const char* suffix[] = {"", "K", "M", "B", "T", "P", "E"};
  int k = 0;
  while (std::fabs(v) >= 1000 && k < 6) v /= 1000, ++k;
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%s", v, suffix[k]);
  return text;
}

std::string table_line(const fit::ConstrainedOptimum& r, const Study& s) {
  char line[600];
  const bool hw = s.hw.has_value();
  if (!r.feasible) {
    std::snprintf(line, sizeof line, "%11.3g  infeasible: %s\n", r.budget, std::string(r.reason).c_str());
    return line;
  }
  const fit::Design& d = r.best;
  const fit::Candidate& c = d.candidate;
  std::string binding = joined(binding_names(r), ',');
  std::string bounds = joined(r.at_bound, ',');
  std::snprintf(line, sizeof line, "%11.3g %6.3f %5lld %2lld %3g %-9s %6.0f %5lld %7s %7s %7s %7.4f  %-22s %6.3f %7.4f",
                r.budget, c.sparsity, static_cast<long long>(c.experts), static_cast<long long>(d.top_k), d.granularity,
                to_string(d.weight_format).c_str(), c.d_model, static_cast<long long>(c.layers), short_count(c.total_params).c_str(),
                short_count(c.active_params).c_str(), short_count(c.tokens).c_str(), c.loss,
                binding.empty() ? "-" : binding.c_str(), r.unconstrained.candidate.sparsity, r.unconstrained.candidate.loss);
  std::string out = line;
  if (hw) {
    const Placement& p = d.placement;
    std::snprintf(line, sizeof line, "  %2lldx%lldx%lldx%lld %10s %10s %10.4g %10.4g", static_cast<long long>(p.parallel.tp),
                  static_cast<long long>(p.parallel.ep), static_cast<long long>(p.parallel.pp), static_cast<long long>(p.parallel.dp),
                  io::human(p.decode_step_s, io::Unit::seconds).c_str(), io::human(p.memory_per_device_bytes, io::Unit::bytes).c_str(),
                  d.training_device_hours, d.inference_device_hours);
    out += line;
  }
  if (!bounds.empty()) out += "  ON BOUND: " + bounds;
  return out + "\n";
}

std::string table_header(const Study& s, const std::string& law_name) {
  std::ostringstream t;
  const fit::OptimizeOptions& o = s.options;
  t << "optimal design per budget (" << law_name << ", " << s.law.source << ")";
  t << (o.objective.unit == fit::BudgetUnit::flops ? "; budget in training FLOPs" : "; budget in device-hours");
  if (o.objective.inference_tokens > 0) t << " incl. serving " << o.objective.inference_tokens << " tokens";
  if (s.hw)
    t << "\nserving: " << s.hw->name << ", " << (o.serving.devices > 0 ? std::to_string(o.serving.devices) + " devices" : std::string("fewest devices that fit"))
      << ", batch " << o.serving.batch << " x context " << o.serving.context;
  t << "\n     budget     S*     E  K   G format    d_model layers      N*    N_a*      D*    loss  binding               "
       "uncon. S*  loss";
  if (s.hw) t << "  tpxepxppxdp decode step mem/device   train-dh   serve-dh";
  return t.str() + "\n";
}

std::string emit_model(const fit::Design& d, const Study& s, const std::string& dir, std::size_t index, double budget, bool force,
                       Diagnostics& diag) {
  char name[64];
  std::snprintf(name, sizeof name, "optimum-%02zu-%.3g.json", index, budget);
  const std::string path = (std::filesystem::path(dir) / name).string();
  Architecture a = fit::design_architecture(s.options.space.family, d);
  char title[200];
  std::snprintf(title, sizeof title, "moesim frontier optimum: E=%lld K=%lld d=%.0f (%s)", static_cast<long long>(d.candidate.experts),
                static_cast<long long>(d.top_k), d.candidate.d_model, std::string(s.law.law->info.name).c_str());
  a.name = title;
  io::write_file_atomically(path, io::write_native_model(a, "moesim frontier --law " + s.law.source).dump(2) + "\n", force, diag);
  return path;
}

// The compute a dense model of the optimum's own K, G and format needs to reach its loss.
double dense_equivalent(const Study& s, const fit::Design& d) {
  fit::FrontierOptions dense = s.frontier;
  dense.family.top_k = d.top_k;
  dense.family.granularity = d.granularity;
  dense.family.weight_format = d.weight_format;
  return fit::dense_equivalent_ratio(*s.law.law, s.law.params, dense, d.candidate.loss, d.candidate.budget_flops);
}

Rendered render(const std::vector<fit::ConstrainedOptimum>& rows, const Study& s, const Args& a, Diagnostics& diag) {
  Rendered r;
  const bool hw = s.hw.has_value();
  const std::string law_name(s.law.law->info.name);
  const bool flops = s.options.objective.unit == fit::BudgetUnit::flops;
  r.table = table_header(s, law_name);
  const auto columns = csv_columns(flops, hw, !a.emit_dir.empty());
  for (const auto& [name, pointer] : columns) r.csv += (&name == &columns.front().first ? "" : ",") + name;
  r.csv += "\n";
  io::Json out_rows = io::Json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const fit::ConstrainedOptimum& row = rows[i];
    r.table += table_line(row, s);
    io::Json j = row.feasible ? design_json(row.best, hw) : io::Json::object();
    j[flops ? "budget_flops" : "budget_device_hours"] = row.budget;
    j["feasible"] = row.feasible;
    if (!row.feasible) j["reason"] = std::string(row.reason);
    j["binding"] = names_json(binding_names(row));
    j["at_bound"] = names_json(row.at_bound);
    j["unconstrained"] = row.unconstrained_feasible ? io::Json{{"sparsity", row.unconstrained.candidate.sparsity}, {"experts", row.unconstrained.candidate.experts},
                                                               {"top_k", row.unconstrained.top_k}, {"total_params", row.unconstrained.candidate.total_params},
                                                               {"loss", row.unconstrained.candidate.loss}}
                                                    : io::Json();
    const double ratio = row.feasible && flops ? dense_equivalent(s, row.best) : NAN;
    j["dense_equivalent_compute_ratio"] = std::isfinite(ratio) ? io::Json(ratio) : io::Json();
    std::string model_file;
    if (row.feasible && !a.emit_dir.empty()) model_file = emit_model(row.best, s, a.emit_dir, i, row.budget, a.force, diag);
    if (!a.emit_dir.empty()) j["model_file"] = row.feasible ? io::Json(model_file) : io::Json();
    io::Json alts = io::Json::array();
    for (const fit::Design& alt : row.alternatives) alts.push_back(design_json(alt, hw));
    j["alternatives"] = alts;
    out_rows.push_back(j);
    for (const auto& [name, pointer] : columns) r.csv += (&name == &columns.front().first ? "" : ",") + csv_cell(j, pointer);
    r.csv += "\n";
  }
  r.json = {{"law", law_name}, {"coefficients", s.law.source}, {"budgets", s.options.budgets}, {"budget_unit", flops ? "flops" : "device-hours"}, {"rows", out_rows}};
  return r;
}

// The IsoFLOP curves and the fixed-size optima of the unconstrained grid (first K, G, format).
void add_unconstrained_curves(Rendered& r, const Study& s, double fixed_size) {
  const fit::Frontier f = fit::compute_frontier(*s.law.law, s.law.params, s.frontier);
  io::Json iso = io::Json::array();
  for (const auto& curve : f.isoflop) {
    io::Json points = io::Json::array();
    for (const fit::Candidate& c : curve)
      points.push_back({{"sparsity", c.sparsity}, {"total_params", c.total_params}, {"active_params", c.active_params}, {"tokens", c.tokens}, {"loss", c.loss}});
    iso.push_back({{"budget_flops", curve.empty() ? 0.0 : curve[0].budget_flops}, {"points", points}});
  }
  r.json["isoflop"] = iso;
  if (fixed_size <= 0) return;
  r.table += "\noptimal sparsity at fixed total size N = " + io::shortest_number(fixed_size) + "\n     budget     S*     E          D*    loss\n";
  io::Json fixed = io::Json::array();
  for (const fit::Candidate& c : fit::fixed_size_optima(*s.law.law, s.law.params, s.frontier, fixed_size)) {
    char line[200];
    std::snprintf(line, sizeof line, "%11.3g %6.3f %5lld %11.4g %7.4f\n", c.budget_flops, c.sparsity, static_cast<long long>(c.experts), c.tokens, c.loss);
    r.table += line;
    fixed.push_back({{"budget_flops", c.budget_flops}, {"sparsity", c.sparsity}, {"total_params", c.total_params}, {"tokens", c.tokens}, {"loss", c.loss}});
  }
  r.json["fixed_size"] = fixed;
}

// Ludziejewski et al. 2025's Table 1 form: the law alone, C = 6 N_act D, per expert count.
void add_expert_count_table(Rendered& r, const Study& s) {
  std::vector<double> counts;
  for (std::int64_t e : s.options.space.experts) counts.push_back(static_cast<double>(e));
  r.table += "\ncompute-optimal active size and data per expert count, law alone (Ludziejewski et al. 2025, Eq. 7, C = 6 N_act D)\n"
             "     budget      E   N_act*       D*     loss\n";
  io::Json rows = io::Json::array();
  for (const auto& x : fit::ludziejewski_optima(s.law.params, s.options.budgets, counts)) {
    char line[200];
    std::snprintf(line, sizeof line, "%11.3g %6.0f %8s %8s %8.4f\n", x.budget_flops, x.experts, short_count(x.active_params).c_str(),
                  short_count(x.tokens).c_str(), x.loss);
    r.table += line;
    rows.push_back({{"budget_flops", x.budget_flops}, {"experts", x.experts}, {"active_params", x.active_params}, {"tokens", x.tokens}, {"loss", x.loss}});
  }
  r.json["expert_counts"] = rows;
}

Rendered krajewski_table(const Study& s) {
  Rendered r;
  r.csv = "budget_flops,granularity,total_params,tokens,loss\n";
  r.table = "optimal granularity per budget (Krajewski et al. 2024, Eq. 9-10, E = 64)\n     budget   G*          N*          D*     loss\n";
  io::Json rows = io::Json::array();
  for (const auto& k : fit::krajewski_optima(s.law.params, s.options.budgets)) {
    char line[200];
    std::snprintf(line, sizeof line, "%11.3g %4.0f %11.4g %11.4g %8.4f\n", k.budget_flops, k.granularity, k.total_params, k.tokens, k.loss);
    r.table += line;
    r.csv += io::shortest_number(k.budget_flops) + "," + io::shortest_number(k.granularity) + "," + io::shortest_number(k.total_params) + "," +
             io::shortest_number(k.tokens) + "," + io::shortest_number(k.loss) + "\n";
    rows.push_back({{"budget_flops", k.budget_flops}, {"granularity", k.granularity}, {"total_params", k.total_params}, {"tokens", k.tokens}, {"loss", k.loss}});
  }
  r.json = {{"law", "krajewski2024"}, {"coefficients", s.law.source}, {"budgets", s.options.budgets}, {"rows", rows}};
  return r;
}

}  // namespace

int run_frontier(const std::vector<std::string>& args) {
  Args a;
  po::options_description desc;
  add_options(desc, a);
  po::variables_map vm;
  if (!parse_command_line(args, desc, kUsage, vm)) return kOk;
  const OutputFormat out_format = parse_output_format(a.format);
  const Study s = make_study(a, vm);
  Diagnostics d;
  if (!a.out.empty() && !a.force && std::filesystem::exists(a.out))
    throw BadInput{{{"--out", "exists", a.out + " exists (use --force to replace it)"}}};
  if (!a.emit_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.emit_dir, ec);
    if (ec || !std::filesystem::is_directory(a.emit_dir)) throw BadInput{{{"--emit-models", "not_writable", a.emit_dir + ": " + ec.message()}}};
  }
  Rendered r;
  const fit::LawInfo& info = s.law.law->info;
  if (const std::string w = fit::unidentified_warning(s.law); !w.empty()) std::cerr << "moesim frontier: warning: " << w << "\n";
  if (info.optima == fit::Optima::granularity_table) {
    r = krajewski_table(s);
  } else {
    r = render(fit::optimize(*s.law.law, s.law.params, s.options), s, a, d);
    if (!d.empty()) throw BadInput{d};
    if (info.expert_count_table && s.options.objective.unit == fit::BudgetUnit::flops) add_expert_count_table(r, s);
    else if (!info.expert_count_table) add_unconstrained_curves(r, s, a.fixed_size);
  }
  switch (out_format) {
    case OutputFormat::table: std::cout << r.table; break;
    case OutputFormat::csv: std::cout << r.csv; break;
    case OutputFormat::json: std::cout << r.json.dump(2) << "\n"; break;
  }
  std::cout.flush();
  if (!a.out.empty()) {
    const std::string text = out_format == OutputFormat::json ? r.json.dump(2) + "\n" : r.csv;
    if (!io::write_file_atomically(a.out, text, a.force, d)) throw BadInput{d};
    std::cerr << "moesim frontier: wrote " << a.out << "\n";
  }
  return kOk;
}

}  // namespace moesim::cli
