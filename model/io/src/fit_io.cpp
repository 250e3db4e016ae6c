#include "moesim/io/fit_io.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace moesim::io {

Json fit_report_json(const fit::FitReport& r, const std::string& data_file, const std::vector<std::string>& notes) {
  Json params = Json::object(), errors = Json::object(), interval = Json::object();
  for (std::size_t i = 0; i < r.param_names.size(); ++i) {
    params[r.param_names[i]] = r.params[i];
    errors[r.param_names[i]] = r.stderrs[i];
    if (r.bootstrap_refits > 0) interval[r.param_names[i]] = {r.ci_low[i], r.ci_high[i]};
  }
  Json j{{"law", r.law},
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
         {"termination", r.termination},
         {"bootstrap_refits", r.bootstrap_refits},
         {"fit_time_s", r.fit_time_in_seconds},
         {"bootstrap_time_s", r.bootstrap_time_in_seconds},
         {"data", {{"file", data_file}, {"notes", notes}}}};
  if (r.bootstrap_refits > 0) j["ci95"] = interval;
  return j;
}

std::optional<LoadedLaw> load_law(const std::string& spec, Diagnostics& out) {
  if (const fit::Law* law = fit::find_law(spec)) return LoadedLaw{law, law->info.published, std::string(law->info.published_source)};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec, ec)) {
    std::string names;
    for (const fit::Law* l : fit::laws()) names += (names.empty() ? "" : ", ") + std::string(l->info.name);
    out.push_back({"--law", "unknown_law", "\"" + spec + "\" is neither a law (" + names + ") nor a fit.json file"});
    return std::nullopt;
  }
  const std::size_t before = out.size();
  const auto text = read_text_file(spec, out);
  if (!text) return std::nullopt;
  const auto doc = parse_json(*text, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = spec + ":" + out[i].path;
  if (!doc) return std::nullopt;
  if (!doc->is_object() || !doc->contains("law") || !(*doc)["law"].is_string() || !doc->contains("params") || !(*doc)["params"].is_object()) {
    out.push_back({spec + ":/", "wrong_type", "a fit.json holds \"law\" (a name) and \"params\" (name -> value)"});
    return std::nullopt;
  }
  const fit::Law* law = fit::find_law((*doc)["law"].get<std::string>());
  if (!law) {
    out.push_back({spec + ":/law", "unknown_law", describe_value((*doc)["law"]) + " is not a built-in law"});
    return std::nullopt;
  }
  LoadedLaw loaded{law, {}, spec};
  const Json& params = (*doc)["params"];
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
  if (out.size() != before) return std::nullopt;
  return loaded;
}

bool write_file_atomically(const std::string& path, const std::string& text, bool force, Diagnostics& out) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    out.push_back({path, "exists", "\"" + path + "\" exists; use --force to replace it"});
    return false;
  }
  const std::string temporary = path + ".tmp";
  {
    std::ofstream f(temporary, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) {
      std::filesystem::remove(temporary, ec);
      out.push_back({path, "unwritable", "cannot write \"" + temporary + "\""});
      return false;
    }
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    out.push_back({path, "unwritable", "cannot rename to \"" + path + "\""});
    return false;
  }
  return true;
}

namespace {

// A positive finite number, read whole.
std::optional<double> positive_number(const std::string& item) {
  double v = 0;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
  if (ec == std::errc() && end == item.data() + item.size() && v > 0 && std::isfinite(v)) return v;
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<double>> parse_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                     Diagnostics& out) {
  std::vector<double> values;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto v = positive_number(item);
    if (!v) {
      out.push_back({path, "wrong_type", "\"" + item + "\" is not a positive number of " + what});
      return std::nullopt;
    }
    values.push_back(*v);
  }
  if (values.empty()) {
    out.push_back({path, "missing", "no " + what});
    return std::nullopt;
  }
  return values;
}

std::optional<std::vector<double>> parse_budgets(const std::string& text, const std::string& path, Diagnostics& out) {
  const auto first = text.find(':');
  if (first == std::string::npos) return parse_number_list(text, path, "FLOPs", out);
  const auto second = text.find(':', first + 1);
  if (second == std::string::npos) {
    out.push_back({path, "bad_option", "\"" + text + "\" must be LO:HI:COUNT"});
    return std::nullopt;
  }
  const std::string parts[3] = {text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)};
  double v[3];
  for (int i = 0; i < 3; ++i) {
    const auto x = positive_number(parts[i]);
    if (!x) {
      out.push_back({path, "wrong_type", "\"" + parts[i] + "\" is not a positive number of FLOPs"});
      return std::nullopt;
    }
    v[i] = *x;
  }
  const double lo = v[0], hi = v[1], count = v[2];
  if (hi < lo || count < 1 || count > 10000 || count != std::floor(count)) {
    out.push_back({path, "out_of_range", "\"" + text + "\" needs LO <= HI and COUNT in 1..10000"});
    return std::nullopt;
  }
  std::vector<double> budgets;
  for (int i = 0; i < static_cast<int>(count); ++i) budgets.push_back(count == 1 ? lo : lo * std::pow(hi / lo, i / (count - 1)));
  return budgets;
}

}  // namespace moesim::io
