// The frontier query resolved and answered: moved here from the CLI so that `moesim frontier`
// and Python's moesim.frontier() read one query by one set of rules and print one report.
#include "moesim/fit/io/frontier_query.h"

#include <cmath>
#include <sstream>
#include <type_traits>

#include "moesim/io/files.h"
#include "moesim/io/report.h"
#include "moesim/io/units.h"

namespace moesim::fit {
namespace {

template <class T>
std::vector<T> list_of(const std::string& text, const char* field, const char* what, Diagnostics& d) {
  if constexpr (std::is_integral_v<T>) return io::parse_whole_number_list(text, field, what, d).value_or(std::vector<T>{});
  else return io::parse_number_list(text, field, what, d).value_or(std::vector<T>{});
}

double quantity_of(const std::string& text, const char* field, io::Dimension dim, Diagnostics& d) {
  const io::ParsedQuantity q = io::parse_quantity(text, dim);
  if (!q.value) d.push_back({field, "wrong_type", q.error});
  return q.value.value_or(0);
}

// The design space: the family's conventions and the lists searched.
DesignSpace design_space(const FrontierQuery& q, const LoadedLaw* law, Diagnostics& d) {
  DesignSpace space;
  const std::string family = q.family.empty() ? std::string(law ? law->law->info.family : "abnar2025") : q.family;
  if (family == "ludziejewski2025") space.family = ludziejewski2025_family();
  else if (family != "abnar2025") d.push_back({"family", "unknown_value", "\"" + family + "\" must be abnar2025 or ludziejewski2025"});
  if (family == "abnar2025") space.family.aspect_ratio = q.aspect_ratio;
  if (q.flops && *q.flops != "exact" && *q.flops != "6n") d.push_back({"flops", "unknown_value", "\"" + *q.flops + "\" must be exact or 6n"});
  if (q.flops) space.family.exact_flops = *q.flops == "exact";
  const bool switch_top1 = family == "ludziejewski2025";  // their convention, unless given
  space.top_k = list_of<std::int64_t>(q.top_k.value_or(switch_top1 ? "1" : FrontierQuery::kTopK), "top_k", "experts per token", d);
  space.granularity = list_of<double>(q.granularity.value_or(switch_top1 ? "1" : FrontierQuery::kGranularity), "granularity", "granularity", d);
  if (q.experts) space.experts = list_of<std::int64_t>(*q.experts, "experts", "experts", d);
  else if (switch_top1) space.experts = ludziejewski2025_experts();
  space.weight_formats.clear();
  std::stringstream formats(q.weight_format);
  for (std::string item; std::getline(formats, item, ',');) {
    if (const auto f = parse_number_format(item)) space.weight_formats.push_back(*f);
    else d.push_back({"weight_format", "unknown_value", "\"" + item + "\" is not a number format: " + std::string(number_format_grammar())});
  }
  space.sparsity_levels = q.sparsity_levels.value_or(space.sparsity_levels);
  space.max_sparsity = q.max_sparsity.value_or(space.max_sparsity);
  if (!(space.max_sparsity >= 0 && space.max_sparsity <= 0.999)) d.push_back({"max_sparsity", "out_of_range", "must be in [0, 0.999]"});
  if (space.sparsity_levels < 1 || space.sparsity_levels > 100000) d.push_back({"sparsity_levels", "out_of_range", "must be in [1, 100000]"});
  if (!(q.aspect_ratio >= 8 && q.aspect_ratio <= 4096)) d.push_back({"aspect_ratio", "out_of_range", "must be in [8, 4096]"});
  if (law && law->law->info.optima == Optima::design_search && !law->law->info.reads_experts) {  // the dense family
    const std::pair<const char*, bool> chosen[] = {{"top_k", q.top_k.has_value()},
                                                   {"granularity", q.granularity.has_value()},
                                                   {"experts", q.experts.has_value()},
                                                   {"max_sparsity", q.max_sparsity.has_value()},
                                                   {"sparsity_levels", q.sparsity_levels.has_value()}};
    for (const auto& [field, given] : chosen)
      if (given) d.push_back({field, "not_applicable", std::string(law->law->info.name) + " has no sparsity term: it searches dense models only"});
    space.max_sparsity = 0, space.sparsity_levels = 1, space.top_k = {1}, space.granularity = {1}, space.experts.clear();
  }
  return space;
}

// The limits and the objective.
void limits_and_objective(const FrontierQuery& q, OptimizeOptions& o, Diagnostics& d) {
  if (q.max_params) {
    if (const auto v = io::parse_number_list(*q.max_params, "max_params", "parameters", d); v && v->size() == 1) o.limits.max_total_params = (*v)[0];
    else if (v) d.push_back({"max_params", "wrong_type", "one number of parameters"});
  }
  if (q.max_memory) o.limits.max_memory_bytes = quantity_of(*q.max_memory, "max_memory", io::Dimension::bytes, d);
  o.limits.kv_tokens = q.kv_tokens;
  if (q.max_decode_latency) o.limits.max_decode_step_s = quantity_of(*q.max_decode_latency, "max_decode_latency", io::Dimension::seconds, d);
  o.limits.min_decode_tokens_per_s = q.min_decode_throughput;
  if (q.max_train_hours) o.limits.max_train_hours = *q.max_train_hours;
  o.limits.train_devices = q.train_devices;
  o.objective.inference_tokens = q.inference_tokens;
  if (q.budget_unit == "device-hours") o.objective.unit = BudgetUnit::device_hours;
  else if (q.budget_unit != "flops") d.push_back({"budget_unit", "unknown_value", "\"" + q.budget_unit + "\" must be flops or device-hours"});
  if (const auto b = io::parse_budgets(q.budgets, "budgets", d)) o.budgets = *b;
  o.alternatives = q.alternatives;
}

io::Json names_json(const std::vector<std::string_view>& names) {
  io::Json j = io::Json::array();
  for (std::string_view n : names) j.push_back(std::string(n));
  return j;
}

io::Json design_json(const Design& d, bool hw) {
  const Candidate& c = d.candidate;
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

// The compute a dense model of the optimum's own K, G and format needs to reach its loss.
double dense_equivalent(const FrontierStudy& s, const Design& d) {
  FrontierOptions dense = s.frontier;
  dense.family.top_k = d.top_k;
  dense.family.granularity = d.granularity;
  dense.family.weight_format = d.weight_format;
  return dense_equivalent_ratio(*s.law.law, s.law.params, dense, d.candidate.loss, d.candidate.budget_flops);
}

io::Json row_json(const ConstrainedOptimum& row, const FrontierStudy& s) {
  const bool flops = s.options.objective.unit == BudgetUnit::flops;
  io::Json j = row.feasible ? design_json(row.best, s.hw != nullptr) : io::Json::object();
  j[flops ? "budget_flops" : "budget_device_hours"] = row.budget;
  j["feasible"] = row.feasible;
  if (!row.feasible) j["reason"] = std::string(row.reason);
  std::vector<std::string_view> binding;
  for (Limit l : row.binding) binding.push_back(to_string(l));
  j["binding"] = names_json(binding);
  j["at_bound"] = names_json(row.at_bound);
  const Design& u = row.unconstrained;
  j["unconstrained"] = row.unconstrained_feasible ? io::Json{{"sparsity", u.candidate.sparsity}, {"experts", u.candidate.experts}, {"top_k", u.top_k},
                                                             {"total_params", u.candidate.total_params}, {"loss", u.candidate.loss}}
                                                  : io::Json();
  const double ratio = row.feasible && flops ? dense_equivalent(s, row.best) : NAN;
  j["dense_equivalent_compute_ratio"] = std::isfinite(ratio) ? io::Json(ratio) : io::Json();
  io::Json alternatives = io::Json::array();
  for (const Design& alt : row.alternatives) alternatives.push_back(design_json(alt, s.hw != nullptr));
  j["alternatives"] = alternatives;
  return j;
}

// The IsoFLOP curves and the fixed-size optima of the unconstrained grid (first K, G, format).
void add_unconstrained_curves(io::Json& out, const FrontierStudy& s) {
  const Frontier f = compute_frontier(*s.law.law, s.law.params, s.frontier);
  io::Json iso = io::Json::array();
  for (const auto& curve : f.isoflop) {
    io::Json points = io::Json::array();
    for (const Candidate& c : curve)
      points.push_back({{"sparsity", c.sparsity}, {"total_params", c.total_params}, {"active_params", c.active_params}, {"tokens", c.tokens}, {"loss", c.loss}});
    iso.push_back({{"budget_flops", curve.empty() ? 0.0 : curve[0].budget_flops}, {"points", points}});
  }
  out["isoflop"] = iso;
  if (s.fixed_size <= 0) return;
  io::Json fixed = io::Json::array();
  for (const Candidate& c : fixed_size_optima(*s.law.law, s.law.params, s.frontier, s.fixed_size))
    fixed.push_back({{"budget_flops", c.budget_flops}, {"sparsity", c.sparsity}, {"experts", c.experts}, {"total_params", c.total_params},
                     {"tokens", c.tokens}, {"loss", c.loss}});
  out["fixed_size"] = fixed;
}

// Ludziejewski et al. 2025's Table 1 form: the law alone, C = 6 N_act D, per expert count.
void add_expert_counts(io::Json& out, const FrontierStudy& s) {
  std::vector<double> counts;
  for (std::int64_t e : s.options.space.experts) counts.push_back(static_cast<double>(e));
  io::Json rows = io::Json::array();
  for (const auto& x : ludziejewski_optima(s.law.params, s.options.budgets, counts))
    rows.push_back({{"budget_flops", x.budget_flops}, {"experts", x.experts}, {"active_params", x.active_params}, {"tokens", x.tokens}, {"loss", x.loss}});
  out["expert_counts"] = rows;
}

}  // namespace

std::optional<FrontierStudy> frontier_study(const FrontierQuery& q, Diagnostics& out) {
  Diagnostics d;
  FrontierStudy s;
  const auto law = q.loaded_law ? q.loaded_law : load_law(q.law, d);
  if (law) {
    const LawInfo& info = law->law->info;
    if (info.optima == Optima::none) d.push_back({"law", "not_applicable", std::string(info.name) + ": " + std::string(info.no_optima_reason)});
    if (q.fixed_size > 0 && !has_fixed_size_optima(info))
      d.push_back({"fixed_size", "not_applicable", "the fixed-size optima need a law of (N, D, S): abnar2025 or chinchilla"});
  }
  if (!(q.fixed_size >= 0)) d.push_back({"fixed_size", "out_of_range", "must be >= 0"});
  OptimizeOptions& o = s.options;
  o.space = design_space(q, law ? &*law : nullptr, d);
  limits_and_objective(q, o, d);
  s.hw = q.hw;
  o.serving = {s.hw.get(), q.devices, q.serve_batch, q.serve_context};
  if (d.empty()) validate(o, d);
  if (d.empty() && std::isfinite(o.limits.max_decode_step_s)) {
    const double floor = decode_step_floor(o);
    if (o.limits.max_decode_step_s < floor)
      d.push_back({"max_decode_latency", "out_of_range", "\"" + *q.max_decode_latency + "\" is below the decode step of the smallest design searched (" +
                                                             io::human(floor, io::Unit::seconds) + " on " + s.hw->name + "): no design can meet it"});
  }
  if (!d.empty()) {
    out.insert(out.end(), d.begin(), d.end());
    return std::nullopt;
  }
  s.law = *law;
  s.fixed_size = q.fixed_size;
  s.frontier.family = o.space.family;
  s.frontier.family.top_k = o.space.top_k.front();
  s.frontier.family.granularity = o.space.granularity.front();
  s.frontier.family.weight_format = o.space.weight_formats.front();
  s.frontier.budgets = o.budgets;
  s.frontier.sparsity_levels = o.space.sparsity_levels;
  s.frontier.max_sparsity = o.space.max_sparsity;
  return s;
}

bool searches_designs(const FrontierStudy& s) { return s.law.law->info.optima != Optima::granularity_table; }

FrontierAnswer answer_frontier(const FrontierStudy& s, const BudgetSolver& solve) {
  FrontierAnswer a;
  const LawInfo& info = s.law.law->info;
  io::Json rows = io::Json::array();
  if (!searches_designs(s)) {
    for (const auto& k : krajewski_optima(s.law.params, s.options.budgets))
      rows.push_back({{"budget_flops", k.budget_flops}, {"granularity", k.granularity}, {"total_params", k.total_params}, {"tokens", k.tokens}, {"loss", k.loss}});
    a.json = {{"law", "krajewski2024"}, {"coefficients", s.law.source}, {"budgets", s.options.budgets}, {"rows", rows}};
    return a;
  }
  a.rows = solve ? solve(s) : optimize(*s.law.law, s.law.params, s.options);
  for (const ConstrainedOptimum& row : a.rows) rows.push_back(row_json(row, s));
  const bool flops = s.options.objective.unit == BudgetUnit::flops;
  a.json = {{"law", std::string(info.name)}, {"coefficients", s.law.source}, {"budgets", s.options.budgets},
            {"budget_unit", flops ? "flops" : "device-hours"}, {"rows", rows}};
  if (info.expert_count_table && flops) add_expert_counts(a.json, s);
  else if (!info.expert_count_table) add_unconstrained_curves(a.json, s);
  return a;
}

}  // namespace moesim::fit
