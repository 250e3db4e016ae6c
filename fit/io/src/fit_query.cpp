// The fit query resolved: moved here from the CLI so that `moesim fit` and Python's
// moesim.fit() apply one set of rules.
#include "moesim/fit/io/fit_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "moesim/fit/io/fit_file.h"
#include "moesim/io/files.h"

namespace moesim::fit {
namespace {

// RULE[:FRACTION]
void read_holdout(const std::string& holdout, FitOptions& options, Diagnostics& d) {
  const auto colon = holdout.find(':');
  const std::string rule = holdout.substr(0, colon);
  if (rule == "none") options.holdout = HoldoutRule::none;
  else if (rule == "max_sparsity") options.holdout = HoldoutRule::max_sparsity;
  else if (rule == "lowest_loss") options.holdout = HoldoutRule::lowest_loss;
  else if (rule == "largest_compute") options.holdout = HoldoutRule::largest_compute;
  else return d.push_back({"holdout", "unknown_value", "\"" + holdout + "\" must be none, max_sparsity, lowest_loss:F or largest_compute:F"});
  if (colon == std::string::npos) return;
  if (const auto fraction = io::finite_number(holdout.substr(colon + 1))) options.holdout_fraction = *fraction;
  else d.push_back({"holdout", "wrong_type", "\"" + holdout.substr(colon + 1) + "\" is not a fraction"});
}

}  // namespace

std::optional<FitSetup> fit_setup(const FitQuery& q, Diagnostics& out) {
  Diagnostics d;
  FitSetup s;
  s.law = find_law(q.law);
  if (!s.law) {
    load_law(q.law, d);  // its message lists the laws
    out.push_back({"law", "unknown_law", d.empty() ? "\"" + q.law + "\" is not a built-in law" : d.front().message});
    return std::nullopt;
  }
  FitOptions& o = s.options;
  o.bootstrap = q.bootstrap;
  o.max_starts = q.max_starts;
  o.threads = q.threads;
  o.seed = q.seed;
  read_holdout(q.holdout, o, d);
  const auto& names = s.law->info.param_names;
  for (const auto& [name, value] : q.fixed) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) d.push_back({"fix", "unknown_parameter", "\"" + name + "\" is not a parameter of " + std::string(s.law->info.name)});
    else o.fixed.emplace_back(static_cast<std::size_t>(it - names.begin()), value);
  }
  std::string why;
  if (d.empty() && !o.IsValid(&why)) {
    // FitOptions names its field first ("holdout_fraction must ..."): the query's field that sets it.
    static const std::pair<std::string_view, const char*> kFieldOf[] = {
        {"threads", "threads"}, {"bootstrap", "bootstrap"}, {"fixed", "fix"}, {"holdout_fraction", "holdout"}};
    std::string field = "law";
    for (const auto& [name, query_field] : kFieldOf)
      if (why.rfind(name, 0) == 0) field = query_field;
    d.push_back({field, "out_of_range", why});
  }
  DataOptions data_options;
  if (!q.dataset.empty() && !(data_options.dataset = parse_dataset(q.dataset)))
    d.push_back({"dataset", "unknown_value", "\"" + q.dataset + "\" must be epoch-chinchilla, clark2022, steplaw or generic"});
  data_options.columns = q.columns;
  data_options.filters = q.filters;
  if (d.empty())
    if (auto data = read_scaling_data(q.data, data_options, d)) s.data = std::move(*data);
  if (!d.empty()) {
    out.insert(out.end(), d.begin(), d.end());
    return std::nullopt;
  }
  return s;
}

}  // namespace moesim::fit
