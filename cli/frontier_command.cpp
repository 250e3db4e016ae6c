// moesim frontier: the loss-minimising design per budget, under the limits the user names
// (total size, memory, serving devices, decode latency and throughput, training hours),
// with inference charged to the budget; the search is moesim::fit::optimize().
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common.h"
#include "frontier_ranks.h"
#include "moesim/fit/io/frontier_query.h"
#include "moesim/io/files.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"

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
Under `mpirun -np N` (a build with MPI) budget i is solved by rank i mod N; rank 0 prints
the answer one process prints (docs/scale-out.md).

examples:
  moesim frontier --hw h100-sxm --devices 8                       # the main job
  moesim frontier --max-params 1e11 --budgets 1e21,1e22,1e23
  moesim frontier --hw h100-sxm --devices 8 --max-decode-latency "30 ms" --inference-tokens 1e12
  moesim frontier --law ludziejewski2025 --experts 1,2,4,8,16,32 --max-memory "2 GB" --kv-tokens 0
  moesim frontier --law krajewski2024 --budgets 1e20:1e24:5

options)";

// The options: the query itself (defaults from fit::FrontierQuery), plus the CLI's own.
struct Args {
  fit::FrontierQuery q;
  std::string hw, emit_dir, format = "table", out;
  bool force = false;
};

void add_options(po::options_description& desc, Args& a) {
  fit::FrontierQuery& q = a.q;
  desc.add_options()
      ("help,h", "show this help")
      ("law", po::value(&q.law)->default_value(q.law), "a built-in law (moesim laws) or a fit.json from moesim fit")
      ("budgets", po::value(&q.budgets)->default_value(q.budgets), "LO:HI:COUNT (log-spaced) or a comma list, in the budget unit")
      ("family", po::value(&q.family), "design conventions: abnar2025 | ludziejewski2025 (default: the law's own)")
      ("top-k", po::value<std::string>()->default_value(fit::FrontierQuery::kTopK), "experts per token K searched")
      ("granularity", po::value<std::string>()->default_value(fit::FrontierQuery::kGranularity), "granularities G searched (expert width = factor d / G)")
      ("experts", po::value<std::string>(), "expert counts E searched (instead of the sparsity grid)")
      ("weight-format", po::value(&q.weight_format)->default_value(q.weight_format), "weight formats searched, e.g. bf16,fp8,int4-g128")
      ("aspect-ratio", po::value(&q.aspect_ratio)->default_value(q.aspect_ratio), "d_model / layers (abnar2025 family)")
      ("flops", po::value<std::string>()->default_value("exact"), "FLOPs per token: exact (moesim's count) or 6n (6 N_active)")
      ("sparsity-levels", po::value<std::size_t>()->default_value(100), "sparsity levels from 0 to --max-sparsity")
      ("max-sparsity", po::value<double>()->default_value(0.98, "0.98"), "largest sparsity S = (E-K)/E searched")
      ("fixed-size", po::value(&q.fixed_size)->default_value(0), "also the optimal sparsity at this total size N (parameters)")
      ("max-params", po::value<std::string>(), "limit: total parameters")
      ("max-memory", po::value<std::string>(), "limit: weights + KV cache of --kv-tokens tokens, e.g. \"80 GB\"")
      ("kv-tokens", po::value(&q.kv_tokens)->default_value(0), "tokens of KV cache counted by --max-memory")
      ("hw", po::value(&a.hw), "serving device profile: every design must fit; latency, device-hours")
      ("devices", po::value(&q.devices)->default_value(0), "serving devices (0: the fewest that fit, up to 64)")
      ("serve-batch", po::value(&q.serve_batch)->default_value(q.serve_batch), "sequences decoded together")
      ("serve-context", po::value(&q.serve_context)->default_value(q.serve_context), "tokens of context per sequence")
      ("max-decode-latency", po::value<std::string>(), "limit: decode step, e.g. \"50 ms\"")
      ("min-decode-throughput", po::value(&q.min_decode_throughput)->default_value(0), "limit: decoded tokens/s of all replicas")
      ("max-train-hours", po::value<double>(), "limit: training wall-clock hours on --train-devices")
      ("train-devices", po::value(&q.train_devices)->default_value(0), "devices of the profile that train the model")
      ("inference-tokens", po::value(&q.inference_tokens)->default_value(0), "tokens served over the model's life, charged to the budget")
      ("budget-unit", po::value(&q.budget_unit)->default_value(q.budget_unit), "flops | device-hours (training + serving, needs --hw)")
      ("alternatives", po::value(&q.alternatives)->default_value(0), "also the N next best designs within 0.01 of the optimal loss")
      ("emit-models", po::value(&a.emit_dir), "write each optimum as a native model file into DIR")
      ("format", po::value(&a.format)->default_value(a.format), "table | csv | json")
      ("out", po::value(&a.out), "also write the rows as CSV (or JSON with --format json) to FILE")
      ("force", po::bool_switch(&a.force), "replace an existing --out FILE or emitted model files");
}

// The options the user gave (not their defaults), as the query's optionals: unset ones take
// the law's conventions.
template <class T>
void chosen(const po::variables_map& vm, const char* option, std::optional<T>& field) {
  if (vm.count(option) && !vm[option].defaulted()) field = vm[option].as<T>();
}

// The study of the options; every problem as a diagnostic naming its option.
fit::FrontierStudy make_study(Args& a, const po::variables_map& vm) {
  fit::FrontierQuery& q = a.q;
  chosen(vm, "top-k", q.top_k);
  chosen(vm, "granularity", q.granularity);
  chosen(vm, "experts", q.experts);
  chosen(vm, "flops", q.flops);
  chosen(vm, "sparsity-levels", q.sparsity_levels);
  chosen(vm, "max-sparsity", q.max_sparsity);
  chosen(vm, "max-params", q.max_params);
  chosen(vm, "max-memory", q.max_memory);
  chosen(vm, "max-decode-latency", q.max_decode_latency);
  chosen(vm, "max-train-hours", q.max_train_hours);
  Diagnostics d;
  if (vm.count("hw"))
    if (auto hw = io::load_hardware(a.hw, d)) q.hw = std::make_shared<const Hardware>(std::move(*hw));
  if (d.empty()) {
    auto study = fit::frontier_study(q, d);
    name_options(d);
    if (study) return std::move(*study);
  }
  throw BadInput{d};
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

std::string csv_text(const io::Json& rows, const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string csv;
  for (const auto& [name, pointer] : columns) csv += (&name == &columns.front().first ? "" : ",") + name;
  csv += "\n";
  for (const io::Json& row : rows) {
    for (const auto& [name, pointer] : columns) csv += (&name == &columns.front().first ? "" : ",") + csv_cell(row, pointer);
    csv += "\n";
  }
  return csv;
}

// 1.2345e10 -> "12.3B": counts of parameters and tokens, three digits.
std::string short_count(double v) {
  const char* suffix[] = {"", "K", "M", "B", "T", "P", "E"};
  int k = 0;
  while (std::fabs(v) >= 1000 && k < 6) v /= 1000, ++k;
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%s", v, suffix[k]);
  return text;
}

std::string table_line(const fit::ConstrainedOptimum& r, const fit::FrontierStudy& s) {
  char line[600];
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
  if (s.hw) {
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

std::string table_header(const fit::FrontierStudy& s) {
  std::ostringstream t;
  const fit::OptimizeOptions& o = s.options;
  t << "optimal design per budget (" << s.law.law->info.name << ", " << s.law.source << ")";
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

std::string emit_model(const fit::Design& d, const fit::FrontierStudy& s, const std::string& dir, std::size_t index, double budget, bool force,
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

// A table of one of the answer's lists: `format` prints each row's `keys` (numbers).
std::string json_table(const io::Json& rows, const char* head, const char* format, std::initializer_list<const char*> keys) {
  std::string table = head;
  for (const io::Json& row : rows) {
    double v[6] = {};
    std::size_t i = 0;
    for (const char* key : keys) v[i++] = row.at(key).get<double>();
    char line[200];
    std::snprintf(line, sizeof line, format, v[0], v[1], v[2], v[3], v[4], v[5]);
    table += line;
  }
  return table;
}

struct Rendered {
  std::string table, csv;
  io::Json json;
};

// The answer as a table, CSV and JSON; emitted model files are named in the JSON rows.
Rendered render(fit::FrontierAnswer& answer, const fit::FrontierStudy& s, const Args& a, Diagnostics& diag) {
  Rendered r;
  io::Json& rows = answer.json["rows"];
  if (!fit::searches_designs(s)) {
    r.table = json_table(rows, "optimal granularity per budget (Krajewski et al. 2024, Eq. 9-10, E = 64)\n     budget   G*          N*          D*     loss\n",
                         "%11.3g %4.0f %11.4g %11.4g %8.4f\n", {"budget_flops", "granularity", "total_params", "tokens", "loss"});
    r.csv = csv_text(rows, {{"budget_flops", "/budget_flops"}, {"granularity", "/granularity"}, {"total_params", "/total_params"},
                            {"tokens", "/tokens"}, {"loss", "/loss"}});
    r.json = std::move(answer.json);
    return r;
  }
  r.table = table_header(s);
  for (std::size_t i = 0; i < answer.rows.size(); ++i) {
    const fit::ConstrainedOptimum& row = answer.rows[i];
    r.table += table_line(row, s);
    if (!a.emit_dir.empty())
      rows[i]["model_file"] = row.feasible ? io::Json(emit_model(row.best, s, a.emit_dir, i, row.budget, a.force, diag)) : io::Json();
  }
  r.csv = csv_text(rows, csv_columns(s.options.objective.unit == fit::BudgetUnit::flops, s.hw != nullptr, !a.emit_dir.empty()));
  if (answer.json.contains("fixed_size"))
    r.table += json_table(answer.json["fixed_size"],
                          ("\noptimal sparsity at fixed total size N = " + io::shortest_number(s.fixed_size) + "\n     budget     S*     E          D*    loss\n").c_str(),
                          "%11.3g %6.3f %5.0f %11.4g %7.4f\n", {"budget_flops", "sparsity", "experts", "tokens", "loss"});
  if (answer.json.contains("expert_counts")) {
    r.table += "\ncompute-optimal active size and data per expert count, law alone (Ludziejewski et al. 2025, Eq. 7, C = 6 N_act D)\n"
               "     budget      E   N_act*       D*     loss\n";
    for (const io::Json& x : answer.json["expert_counts"]) {
      char line[200];
      std::snprintf(line, sizeof line, "%11.3g %6.0f %8s %8s %8.4f\n", x["budget_flops"].get<double>(), x["experts"].get<double>(),
                    short_count(x["active_params"].get<double>()).c_str(), short_count(x["tokens"].get<double>()).c_str(), x["loss"].get<double>());
      r.table += line;
    }
  }
  r.json = std::move(answer.json);
  return r;
}

}  // namespace

int run_frontier(const std::vector<std::string>& args) {
  World& world = World::get();  // first: under mpirun, only the root reports errors that every rank finds
  Args a;
  po::options_description desc;
  add_options(desc, a);
  po::variables_map vm;
  if (!parse_command_line(args, desc, kUsage, vm)) return kOk;
  const OutputFormat out_format = parse_output_format(a.format);
  const fit::FrontierStudy s = make_study(a, vm);
  Diagnostics d;
  if (!a.out.empty() && !a.force && std::filesystem::exists(a.out))
    throw BadInput{{{"--out", "exists", a.out + " exists (use --force to replace it)"}}};
  if (!a.emit_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.emit_dir, ec);
    if (ec || !std::filesystem::is_directory(a.emit_dir)) throw BadInput{{{"--emit-models", "not_writable", a.emit_dir + ": " + ec.message()}}};
  }
  if (const std::string w = fit::unidentified_warning(s.law); !w.empty() && world.root()) std::cerr << "moesim frontier: warning: " << w << "\n";
  if (!world.root()) {  // the others solve their share of the budgets; the root answers for all
    if (fit::searches_designs(s)) solve_on_ranks(s, world);
    return kOk;
  }
  fit::FrontierAnswer answer = world.size() == 1 ? fit::answer_frontier(s)
                                                 : fit::answer_frontier(s, [&](const fit::FrontierStudy& study) { return solve_on_ranks(study, world); });
  const Rendered r = render(answer, s, a, d);
  if (!d.empty()) throw BadInput{d};
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
