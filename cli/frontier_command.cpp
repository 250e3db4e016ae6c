// moesim frontier: the optimal sparsity (and size, and data) per compute budget, from a law,
// with each optimum's training cost, decode latency and memory on a device.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "common.h"
#include "moesim/fit/frontier.h"
#include "moesim/io/fit_io.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/report.h"
#include "moesim/model/validate.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim frontier — the loss-minimising sparsity, size and data per compute budget

usage: moesim frontier [--law NAME|fit.json] [--budgets LO:HI:COUNT | C1,C2,...] [--hw PROFILE]
                       [--top-k K] [--granularity G] [--aspect-ratio R] [--flops exact|6n]
                       [--sparsity-levels N] [--max-sparsity S] [--fixed-size N]
                       [--format table|csv|json] [--out FILE [--force]]

Laws: abnar2025 (default) and chinchilla give the optimal-sparsity frontier; krajewski2024 the
optimal granularity per budget; ludziejewski2025 the optimal active size and data per expert
count. Each candidate is a concrete MoE (GLU experts of width 4 d_model / G, E = K/(1 - S),
d_model / layers = aspect ratio) whose active parameters and FLOPs per token come from
moesim's model. Budgets in FLOPs; sizes in parameters; D in tokens. With --hw each optimum
also gets its training device-hours (budget at the profile's large-GEMM efficiency), and
its decode step (context 2048, one sequence per replica) and memory per device on the fewest
devices it fits (tensor parallel within a node, experts over ep replicas, pipeline stages).

examples:
  moesim frontier                                        # Abnar et al. 2025, 1e19..1e24 FLOPs
  moesim frontier --hw h100-sxm --out frontier.csv
  moesim frontier --law fit.json --budgets 1e20,1e21,1e22 --format json
  moesim frontier --law krajewski2024 --budgets 1e20:1e24:5

options)";


struct OnDevice {
  double device_hours = 0, decode_s = 0, memory_bytes = 0;
  std::int64_t tp = 1, ep = 1, pp = 1;
  bool fits = false;
  std::int64_t devices() const { return tp * ep * pp; }
};

// The fewest devices on which the optimum's decode step fits: tensor parallel within the
// scale-up domain, experts spread over ep attention replicas (dp = ep, one sequence each),
// then pipeline stages.
OnDevice place(const Architecture& a, const Hardware& hw, double budget) {
  OnDevice best;
  const double peak = peak_flop_per_s(hw, ComputeFormat::bf16) * hw.gemm_by_tokens.at(1e9) * hw.gemm_by_width.at(1e9);
  best.device_hours = peak > 0 ? budget / peak / 3600 : 0;
  for (std::int64_t pp = 1; pp <= static_cast<std::int64_t>(a.layers.size()); pp *= 2)
    for (std::int64_t tp = 1; tp <= std::max<std::int64_t>(1, std::min<std::int64_t>(8, hw.scale_up_devices)); tp *= 2)
      for (std::int64_t ep = 1; ep <= std::min<std::int64_t>(a.moe.experts, 256); ++ep) {
        if (a.attention.heads % tp != 0 || a.moe.experts % ep != 0) continue;
        if (best.fits && tp * ep * pp >= best.devices()) continue;
        Workload w;
        w.phase = Phase::decode;
        w.context = 2048;
        w.batch = ep;
        Deployment d;
        d.parallel = {tp, ep, pp, ep, 1};
        const LatencyEstimate l = estimate_latency(a, w, hw, d, {}, {false, true, false});
        if (l.feasible()) best = {best.device_hours, l.decode_step_s, l.memory.total_bytes, tp, ep, pp, true};
      }
  return best;
}

}  // namespace

int run_frontier(const std::vector<std::string>& args) {
  std::string law_spec, budgets_text, hw_spec, format, flops, out_path;
  double fixed_size = 0;
  bool force = false;
  fit::FrontierOptions options;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("law", po::value(&law_spec)->default_value("abnar2025"), "a built-in law (moesim laws) or a fit.json from moesim fit")
      ("budgets", po::value(&budgets_text)->default_value("1e19:1e24:11"), "FLOPs: LO:HI:COUNT (log-spaced) or a comma list")
      ("hw", po::value(&hw_spec), "a hardware profile: training device-hours, decode latency and memory of each optimum")
      ("top-k", po::value(&options.family.top_k)->default_value(1), "experts per token K of the family (E = K/(1-S))")
      ("granularity", po::value(&options.family.granularity)->default_value(1), "expert width = 4 d_model / G")
      ("aspect-ratio", po::value(&options.family.aspect_ratio)->default_value(128), "d_model / layers")
      ("flops", po::value(&flops)->default_value("exact"), "FLOPs per token: exact (moesim's count, attention included) or 6n (6 N_active)")
      ("sparsity-levels", po::value(&options.sparsity_levels)->default_value(100), "sparsity levels from 0 to --max-sparsity")
      ("max-sparsity", po::value(&options.max_sparsity)->default_value(0.98), "largest sparsity S = (E-K)/E")
      ("fixed-size", po::value(&fixed_size)->default_value(0), "also the optimal sparsity at this total size N (parameters)")
      ("format", po::value(&format)->default_value("table"), "table | csv | json")
      ("out", po::value(&out_path), "also write the rows as CSV (or JSON with --format json) to FILE")
      ("force", po::bool_switch(&force), "replace an existing --out FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kUsage, vm)) return kOk;
  const OutputFormat out_format = parse_output_format(format);
  Diagnostics budget_errors;
  const auto budgets = io::parse_budgets(budgets_text, "--budgets", budget_errors);
  if (!budgets) throw BadInput{budget_errors};
  options.budgets = *budgets;
  if (flops != "exact" && flops != "6n") throw BadInput{{{"--flops", "unknown_value", "\"" + flops + "\" must be exact or 6n"}}};
  options.family.exact_flops = flops == "exact";
  Diagnostics d;
  if (options.family.top_k < 1 || options.family.top_k > 1024) d.push_back({"--top-k", "out_of_range", "must be in [1, 1024]"});
  if (!(options.family.granularity >= 1 && options.family.granularity <= 256)) d.push_back({"--granularity", "out_of_range", "must be in [1, 256]"});
  if (!(options.family.aspect_ratio >= 8 && options.family.aspect_ratio <= 4096)) d.push_back({"--aspect-ratio", "out_of_range", "must be in [8, 4096]"});
  if (!(options.max_sparsity >= 0 && options.max_sparsity <= 0.999)) d.push_back({"--max-sparsity", "out_of_range", "must be in [0, 0.999]"});
  if (options.sparsity_levels < 1 || options.sparsity_levels > 100000) d.push_back({"--sparsity-levels", "out_of_range", "must be in [1, 100000]"});
  if (!(fixed_size >= 0)) d.push_back({"--fixed-size", "out_of_range", "must be >= 0"});
  const auto law = io::load_law(law_spec, d);
  std::optional<Hardware> hw;
  if (vm.count("hw")) hw = io::load_hardware(hw_spec, d);
  if (!d.empty()) throw BadInput{d};
  const std::string law_name(law->law->info.name);

  io::Json json{{"law", law_name}, {"coefficients", law->source}, {"budgets", options.budgets}};
  std::string csv;
  std::ostringstream table;
  if (law_name == "krajewski2024") {
    csv = "budget_flops,granularity,total_params,tokens,loss\n";
    table << "optimal granularity per budget (Krajewski et al. 2024, Eq. 9-10, E = 64)\n";
    table << "     budget   G*          N*          D*     loss\n";
    io::Json rows = io::Json::array();
    for (const auto& r : fit::krajewski_optima(law->params, options.budgets)) {
      char line[200];
      std::snprintf(line, sizeof line, "%11.3g %4.0f %11.4g %11.4g %8.4f\n", r.budget_flops, r.granularity, r.total_params, r.tokens, r.loss);
      table << line;
      std::snprintf(line, sizeof line, "%.9g,%.9g,%.9g,%.9g,%.9g\n", r.budget_flops, r.granularity, r.total_params, r.tokens, r.loss);
      csv += line;
      rows.push_back({{"budget_flops", r.budget_flops}, {"granularity", r.granularity}, {"total_params", r.total_params},
                      {"tokens", r.tokens}, {"loss", r.loss}});
    }
    json["rows"] = rows;
  } else if (law_name == "ludziejewski2025") {
    csv = "budget_flops,experts,active_params,tokens,loss\n";
    table << "optimal active size and data per expert count (Ludziejewski et al. 2025, Eq. 6, C = 6 N_act D)\n";
    table << "     budget      E      N_act*          D*     loss\n";
    io::Json rows = io::Json::array();
    for (const auto& r : fit::ludziejewski_optima(law->params, options.budgets, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512})) {
      char line[200];
      std::snprintf(line, sizeof line, "%11.3g %6.0f %11.4g %11.4g %8.4f\n", r.budget_flops, r.experts, r.active_params, r.tokens, r.loss);
      table << line;
      std::snprintf(line, sizeof line, "%.9g,%.9g,%.9g,%.9g,%.9g\n", r.budget_flops, r.experts, r.active_params, r.tokens, r.loss);
      csv += line;
      rows.push_back({{"budget_flops", r.budget_flops}, {"experts", r.experts}, {"active_params", r.active_params},
                      {"tokens", r.tokens}, {"loss", r.loss}});
    }
    json["rows"] = rows;
  } else if (law_name == "abnar2025" || law_name == "chinchilla") {
    if (law_name == "chinchilla") options.max_sparsity = 0, options.sparsity_levels = 1;
    const fit::Frontier f = fit::compute_frontier(*law->law, law->params, options);
    csv = "budget_flops,sparsity,experts,top_k,d_model,layers,total_params,active_params,tokens,loss,dense_equivalent_compute_ratio";
    if (hw) csv += ",training_device_hours,decode_step_s,decode_memory_bytes_per_device,tp,ep,pp";
    csv += "\n";
    table << "optimal sparsity per budget (" << law_name << ", " << law->source << ")\n";
    table << "     budget     S*     E  d_model layers          N*        N_a*          D*    loss  dense-equiv";
    if (hw) table << "   device-h  decode/tok  mem/device  tp x ep x pp";
    table << "\n";
    io::Json rows = io::Json::array();
    for (std::size_t i = 0; i < f.optimum.size(); ++i) {
      const fit::Candidate& c = f.optimum[i];
      const double ratio = f.dense_equivalent_ratio[i];
      OnDevice placed;
      if (hw) placed = place(fit::family_architecture(options.family, c.d_model, c.sparsity), *hw, c.budget_flops);
      char line[400];
      std::snprintf(line, sizeof line, "%11.3g %6.3f %5lld %8.0f %6lld %11.4g %11.4g %11.4g %7.4f %9.2fx", c.budget_flops, c.sparsity,
                    static_cast<long long>(c.experts), c.d_model, static_cast<long long>(c.layers), c.total_params, c.active_params,
                    c.tokens, c.loss, ratio);
      table << line;
      if (hw) {
        if (placed.fits)
          std::snprintf(line, sizeof line, " %10.4g %11s %11s %4lld x %lld x %lld", placed.device_hours,
                        io::human(placed.decode_s, io::Unit::seconds).c_str(), io::human(placed.memory_bytes, io::Unit::bytes).c_str(),
                        static_cast<long long>(placed.tp), static_cast<long long>(placed.ep), static_cast<long long>(placed.pp));
        else
          std::snprintf(line, sizeof line, " %10.4g  does not fit %s", placed.device_hours, hw->name.c_str());
        table << line;
      }
      table << "\n";
      std::snprintf(line, sizeof line, "%.9g,%.9g,%lld,%lld,%.9g,%lld,%.9g,%.9g,%.9g,%.9g,%.9g", c.budget_flops, c.sparsity,
                    static_cast<long long>(c.experts), static_cast<long long>(options.family.top_k), c.d_model,
                    static_cast<long long>(c.layers), c.total_params, c.active_params, c.tokens, c.loss, ratio);
      csv += line;
      io::Json row{{"budget_flops", c.budget_flops}, {"sparsity", c.sparsity},       {"experts", c.experts},
                   {"top_k", options.family.top_k},  {"d_model", c.d_model},         {"layers", c.layers},
                   {"total_params", c.total_params}, {"active_params", c.active_params}, {"tokens", c.tokens},
                   {"loss", c.loss},                 {"dense_equivalent_compute_ratio", std::isfinite(ratio) ? io::Json(ratio) : io::Json()}};
      if (hw) {
        std::snprintf(line, sizeof line, ",%.9g,%.9g,%.9g,%lld,%lld,%lld", placed.device_hours, placed.fits ? placed.decode_s : NAN,
                      placed.fits ? placed.memory_bytes : NAN, static_cast<long long>(placed.tp), static_cast<long long>(placed.ep),
                      static_cast<long long>(placed.pp));
        csv += line;
        row["training_device_hours"] = placed.device_hours;
        row["decode_step_s"] = placed.fits ? io::Json(placed.decode_s) : io::Json();
        row["decode_memory_bytes_per_device"] = placed.fits ? io::Json(placed.memory_bytes) : io::Json();
        row["tp"] = placed.tp;
        row["ep"] = placed.ep;
        row["pp"] = placed.pp;
      }
      csv += "\n";
      rows.push_back(row);
    }
    json["rows"] = rows;
    io::Json iso = io::Json::array();
    for (const auto& curve : f.isoflop) {
      io::Json points = io::Json::array();
      for (const fit::Candidate& c : curve)
        points.push_back({{"sparsity", c.sparsity}, {"total_params", c.total_params}, {"active_params", c.active_params},
                          {"tokens", c.tokens}, {"loss", c.loss}});
      iso.push_back({{"budget_flops", curve.empty() ? 0.0 : curve[0].budget_flops}, {"points", points}});
    }
    json["isoflop"] = iso;
    if (fixed_size > 0) {
      table << "\noptimal sparsity at fixed total size N = " << fixed_size << "\n     budget     S*     E          D*    loss\n";
      io::Json fixed = io::Json::array();
      for (const fit::Candidate& c : fit::fixed_size_optima(*law->law, law->params, options, fixed_size)) {
        char line[200];
        std::snprintf(line, sizeof line, "%11.3g %6.3f %5lld %11.4g %7.4f\n", c.budget_flops, c.sparsity, static_cast<long long>(c.experts), c.tokens, c.loss);
        table << line;
        fixed.push_back({{"budget_flops", c.budget_flops}, {"sparsity", c.sparsity}, {"total_params", c.total_params}, {"tokens", c.tokens}, {"loss", c.loss}});
      }
      json["fixed_size"] = fixed;
    }
  } else {
    throw BadInput{{{"--law", "not_applicable", law_name + " has no compute frontier: its data fix D at 130B tokens (use abnar2025, chinchilla, krajewski2024 or ludziejewski2025)"}}};
  }

  switch (out_format) {
    case OutputFormat::table: std::cout << table.str(); break;
    case OutputFormat::csv: std::cout << csv; break;
    case OutputFormat::json: std::cout << json.dump(2) << "\n"; break;
  }
  if (!out_path.empty()) {
    const std::string text = out_format == OutputFormat::json ? json.dump(2) + "\n" : csv;
    if (!io::write_file_atomically(out_path, text, force, d)) throw BadInput{d};
    std::cerr << "moesim frontier: wrote " << out_path << "\n";
  }
  return kOk;
}

}  // namespace moesim::cli
