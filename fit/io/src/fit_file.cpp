#include "moesim/fit/io/fit_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "moesim/io/report.h"

namespace moesim::fit {

io::Json fit_report_json(const FitReport& r, const std::string& data_file, const std::vector<std::string>& notes) {
  io::Json params = io::Json::object(), errors = io::Json::object(), interval = io::Json::object();
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    params[r.param_names[i]] = r.params[i];
    errors[r.param_names[i]] = r.stderrs[i];
    if (r.bootstrap_refits > 0) interval[r.param_names[i]] = {r.ci_low[i], r.ci_high[i]};
  }
  io::Json j{{"law", r.law},
         {"params", params},
         {"stderr", errors},
         {"objective", r.objective},
         {"rmse_fit", r.rmse_fit},
         {"rmse_holdout", r.rmse_holdout},
         {"r2_holdout", r.r2_holdout},
         {"n_points", r.n_points},
         {"n_holdout", r.n_holdout},
         {"starts", r.starts_run},
         {"starts_converged", r.starts_converged},
         {"converged", r.converged},
         {"unidentified", r.unidentified},
         {"termination", r.termination},
         {"bootstrap_refits", r.bootstrap_refits},
         {"fit_time_s", r.fit_time_in_seconds},
         {"bootstrap_time_s", r.bootstrap_time_in_seconds},
         {"data", {{"file", data_file}, {"notes", notes}}}};
  if (r.bootstrap_refits > 0) j["ci95"] = interval;
  return j;
}

std::string unidentified_warning(const LoadedLaw& law) {
  if (law.unidentified.empty()) return {};
  std::string names;
  for (const std::string& n : law.unidentified) names += (names.empty() ? "" : ", ") + n;
  return law.source + ": the fit could not determine " + names +
         " from its data; optima derived from it extrapolate what the data never showed (refit with --fix NAME=VALUE)";
}

std::optional<LoadedLaw> load_law(const std::string& spec, Diagnostics& out) {
  if (const Law* law = find_law(spec)) return LoadedLaw{law, law->info.published, std::string(law->info.published_source), {}};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec, ec)) {
    std::string names;
    for (const Law* l : laws()) names += (names.empty() ? "" : ", ") + std::string(l->info.name);
    out.push_back({"law", "unknown_law", "\"" + spec + "\" is neither a law (" + names + ") nor a fit.json file"});
    return std::nullopt;
  }
  const std::size_t before = out.size();
  const auto text = io::read_text_file(spec, out);
  if (!text) return std::nullopt;
  const auto doc = io::parse_json(*text, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = spec + ":" + out[i].path;
  if (!doc) return std::nullopt;
  return read_law_document(*doc, spec, out);
}

std::optional<LoadedLaw> read_law_document(const io::Json& document, const std::string& spec, Diagnostics& out) {
  const std::size_t before = out.size();
  const io::Json* doc = &document;
  if (!doc->is_object() || !doc->contains("law") || !(*doc)["law"].is_string() || !doc->contains("params") || !(*doc)["params"].is_object()) {
    out.push_back({spec + ":/", "wrong_type", "a fit.json holds \"law\" (a name) and \"params\" (name -> value)"});
    return std::nullopt;
  }
  const Law* law = find_law((*doc)["law"].get<std::string>());
  if (!law) {
    out.push_back({spec + ":/law", "unknown_law", io::describe_value((*doc)["law"]) + " is not a built-in law"});
    return std::nullopt;
  }
  LoadedLaw loaded{law, {}, spec, {}};
  const io::Json& params = (*doc)["params"];
  for (std::size_t i = 0; i < law->info.param_count(); ++i) {
    const std::string name(law->info.param_names[i]);
    if (!params.contains(name) || !params[name].is_number() || !std::isfinite(params[name].get<double>())) {
      out.push_back({spec + ":/params/" + name, "missing", "parameter \"" + name + "\" of " + std::string(law->info.name) + " must be a number"});
      continue;
    }
    loaded.params[i] = params[name].get<double>();
  }
  for (const auto& [key, v] : params.items())
    if (std::find(law->info.param_names.begin(), law->info.param_names.end(), key) == law->info.param_names.end())
      out.push_back({spec + ":/params/" + key, "unknown_key", "not a parameter of " + std::string(law->info.name)});
  if (out.size() == before) {
    // Coefficients a law can use predict a positive, finite loss over the range optima visit
    // (a negative coefficient can give NaN or a negative loss there).
    for (double n : {1e7, 1e9, 1e11, 1e13})
      for (double sparsity : {0.0, 0.5, 0.98}) {
        Observation o;
        o.total_params = n;
        o.active_params = n * (1 - sparsity);
        o.tokens = 20 * n;
        o.sparsity = sparsity;
        o.experts = 1 / (1 - sparsity);
        const double loss = law->loss(loaded.params, o);
        if (!(loss > 0 && std::isfinite(loss)) && out.size() == before)
          out.push_back({spec + ":/params", "out_of_range", "these coefficients predict a loss of " + io::shortest_number(loss) + " at N = " +
                                                              io::shortest_number(n) + ", D = 20 N, S = " + io::shortest_number(sparsity) +
                                                              ": a law must predict a positive, finite loss"});
      }
  }
  if (const auto u = doc->find("unidentified"); u != doc->end()) {  // written by moesim fit
    const bool names = u->is_array() && std::all_of(u->begin(), u->end(), [&](const io::Json& x) {
      return x.is_string() && std::find(law->info.param_names.begin(), law->info.param_names.end(), x.get<std::string>()) != law->info.param_names.end();
    });
    if (!names) out.push_back({spec + ":/unidentified", "wrong_type", "must be an array of parameter names of " + std::string(law->info.name)});
    else for (const io::Json& x : *u) loaded.unidentified.push_back(x.get<std::string>());
  }
  if (out.size() != before) return std::nullopt;
  return loaded;
}

}  // namespace moesim::fit
