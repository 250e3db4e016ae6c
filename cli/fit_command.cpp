// moesim fit: fit a loss law to scaling-law data; moesim laws: the built-in laws.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <iostream>

#include "common.h"
#include "moesim/fit/io/fit_query.h"
#include "moesim/fit/io/fit_file.h"
#include "moesim/fit/io/scaling_data.h"
#include "moesim/io/report.h"
#include "moesim/io/files.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim fit — fit a loss law to training runs

usage: moesim fit --law NAME --data FILE [--dataset NAME] [--columns ROLE=COLUMN,...]
                  [--filter COLUMN=VALUE]... [--fix NAME=VALUE]... [--bootstrap N] [--holdout RULE]
                  [--max-starts N] [--threads N] [--seed N] [--out fit.json [--force]]

The recipe of Hoffmann et al. (2022) as corrected by Besiroglu et al. (2024): residuals of
log loss, Huber loss with the law's delta summed over points, L-BFGS from every start of
the law's initialisation grid; the best start is kept. Losses are in nats; N, D in counts.

--dataset: epoch-chinchilla | clark2022 | steplaw | generic (default: recognised from the
header). --columns maps roles to a generic CSV's columns: N (total parameters), Na (active),
D (tokens), S (sparsity), E (experts), G (granularity), loss, weight.
--holdout: none | max_sparsity | lowest_loss:FRACTION | largest_compute:FRACTION.

examples:
  moesim fit --law chinchilla --data ../shared/data/epoch_chinchilla_svg_extracted.csv --bootstrap 1000 --out chinchilla.json
  moesim fit --law clark2022 --data ../shared/data/clark2022_routing_curves.csv.gz --filter router_type=S-Base
  moesim fit --law abnar2025 --data ../shared/data/steplaw_moe_lr_bs_loss.csv --holdout max_sparsity --max-starts 2000
  moesim fit --law chinchilla --data runs.csv --columns N=params,D=tokens,loss=final_loss
  moesim fit --law abnar2025 --data ../shared/data/steplaw_moe_lr_bs_loss.csv --fix a=16612.5 --fix alpha=0.5962 --fix d=17.26 --fix gamma=0.1595

options)";

const char* const kLawsUsage = R"(moesim laws — the built-in loss laws, their parameters and sources

usage: moesim laws [--format table|json]

options)";

std::vector<std::pair<std::string, std::string>> pairs(const std::vector<std::string>& items, const char* option) {
  std::vector<std::pair<std::string, std::string>> out;
  Diagnostics d;
  for (const std::string& item : items) {
    std::string_view rest = item;
    while (!rest.empty()) {
      const auto comma = std::string_view(option) == "--columns" ? rest.find(',') : std::string_view::npos;
      const std::string_view one = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto eq = one.find('=');
      if (eq == std::string_view::npos || eq == 0) d.push_back({option, "bad_option", "\"" + std::string(one) + "\" must be NAME=VALUE"});
      else out.emplace_back(std::string(one.substr(0, eq)), std::string(one.substr(eq + 1)));
    }
  }
  if (!d.empty()) throw BadInput{d};
  return out;
}

// fit.json, unless a parameter is not a number: that is no law, and frontier could not read it.
void write_fit_file(const fit::FitReport& report, const std::string& data_path, const std::vector<std::string>& notes,
                    const std::string& out_path, bool force) {
  Diagnostics d;
  for (std::size_t i = 0; i < report.param_names.size(); ++i)
    if (!std::isfinite(report.params[i]))
      d.push_back({data_path, "unidentified", "the fit reached " + report.param_names[i] + " = " + io::shortest_number(report.params[i]) +
                                                  ": the data cannot determine the law; nothing written to " + out_path +
                                                  " (hold parameters with --fix NAME=VALUE)"});
  if (!d.empty()) throw BadInput{d};
  const io::Json j = fit::fit_report_json(report, data_path, notes);
  if (!io::write_file_atomically(out_path, j.dump(2) + "\n", force, d)) throw BadInput{d};
}

}  // namespace

int run_fit(const std::vector<std::string>& args) {
  fit::FitQuery q;
  std::string out_path;
  std::vector<std::string> columns, filters, fixes;
  bool force = false;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("law", po::value(&q.law)->required(), "chinchilla | abnar2025 | clark2022 | krajewski2024 | ludziejewski2025")
      ("data", po::value(&q.data)->required(), "CSV file (.csv or .csv.gz)")
      ("dataset", po::value(&q.dataset), "epoch-chinchilla | clark2022 | steplaw | generic")
      ("columns", po::value(&columns)->composing(), "generic CSV: ROLE=COLUMN,... (N, Na, D, S, E, G, loss, weight)")
      ("filter", po::value(&filters)->composing(), "keep rows with COLUMN=VALUE (repeatable)")
      ("fix", po::value(&fixes)->composing(), "hold a parameter at a value, NAME=VALUE (repeatable)")
      ("bootstrap", po::value(&q.bootstrap)->default_value(0), "bootstrap refits for standard errors and 95% intervals")
      ("holdout", po::value(&q.holdout)->default_value(q.holdout), "none | max_sparsity | lowest_loss:F | largest_compute:F")
      ("max-starts", po::value(&q.max_starts)->default_value(q.max_starts), "at most N starts, evenly spaced over the law's grid (0 = every start)")
      ("threads", po::value(&q.threads)->default_value(q.threads), "threads for starts and bootstrap")
      ("seed", po::value(&q.seed)->default_value(q.seed), "bootstrap seed")
      ("out", po::value(&out_path), "write the fit as JSON to FILE (atomically)")
      ("force", po::bool_switch(&force), "replace an existing --out FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kUsage, vm)) return kOk;
  q.columns = pairs(columns, "--columns");
  q.filters = pairs(filters, "--filter");
  for (const auto& [name, value] : pairs(fixes, "--fix")) {
    const auto v = io::finite_number(value);
    if (!v) throw BadInput{{{"--fix", "wrong_type", "\"" + value + "\" is not a number"}}};
    q.fixed.emplace_back(name, *v);
  }
  Diagnostics d;
  auto setup = fit::fit_setup(q, d);
  name_options(d);
  if (!setup) throw BadInput{d};
  const fit::Law* law = setup->law;
  fit::FitOptions& options = setup->options;
  const auto& data = setup->data;
  const std::string& data_path = q.data;
  ProgressLine bar(true);
  options.progress = [&bar](std::size_t done, std::size_t all) {
    bar.update(static_cast<double>(done) / static_cast<double>(all), std::to_string(done) + "/" + std::to_string(all) + " starts");
  };
  const fit::FitReport report = fit::fit(data.points, *law, options);
  bar.finish();

  std::printf("%s\n", report.BriefReport().c_str());
  std::printf("data: %s (%s, %zu points)\n", data_path.c_str(), std::string(fit::to_string(data.dataset)).c_str(), data.points.size());
  for (const auto& n : data.notes) std::printf("  note: %s\n", n.c_str());
  std::printf("%-10s %14s %12s %14s %14s %14s\n", "parameter", "fit", "stderr", "ci95 low", "ci95 high", "published");
  for (std::size_t i = 0; i < report.param_names.size(); ++i)
    std::printf("%-10s %14.6g %12.4g %14.6g %14.6g %14.6g\n", report.param_names[i].c_str(), report.params[i], report.stderrs[i],
                report.ci_low[i], report.ci_high[i], law->info.published[i]);
  if (report.bootstrap_refits > 0)
    std::printf("bootstrap: %d refits in %.2f s\n", report.bootstrap_refits, report.bootstrap_time_in_seconds);
  if (!out_path.empty()) write_fit_file(report, data_path, data.notes, out_path, force);
  return kOk;
}

int run_laws(const std::vector<std::string>& args) {
  std::string format;
  po::options_description desc;
  desc.add_options()("help,h", "show this help")("format", po::value(&format)->default_value("table"), "table | json");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kLawsUsage, vm)) return kOk;
  const OutputFormat out = parse_output_format(format);
  io::Json list = io::Json::array();
  for (const fit::Law* l : fit::laws()) {
    io::Json params = io::Json::object();
    for (std::size_t i = 0; i < l->info.param_count(); ++i) params[std::string(l->info.param_names[i])] = l->info.published[i];
    list.push_back({{"law", l->info.name}, {"formula", l->info.formula}, {"source", l->info.citation},
                    {"coefficients_source", l->info.published_source}, {"params", params}});
    if (out == OutputFormat::table) {
      std::printf("%s\n  %s\n  form: %s\n  coefficients (%s):", std::string(l->info.name).c_str(), std::string(l->info.formula).c_str(),
                  std::string(l->info.citation).c_str(), std::string(l->info.published_source).c_str());
      for (std::size_t i = 0; i < l->info.param_count(); ++i)
        std::printf(" %s=%g", std::string(l->info.param_names[i]).c_str(), l->info.published[i]);
      std::printf("\n");
    }
  }
  if (out == OutputFormat::json) std::cout << list.dump(2) << "\n";
  if (out == OutputFormat::csv) throw BadInput{{{"--format", "not_applicable", "laws prints table or json"}}};
  return kOk;
}

}  // namespace moesim::cli
