#pragma once
// fit.json: a FitReport written for scripts and read back by `moesim frontier --law fit.json`.
#include <optional>
#include <string>

#include "moesim/fit/fit.h"
#include "moesim/io/json_reader.h"

namespace moesim::io {

Json fit_report_json(const fit::FitReport& report, const std::string& data_file, const std::vector<std::string>& notes);

// A law with coefficients: a built-in law's name (its published coefficients) or a fit.json.
struct LoadedLaw {
  const fit::Law* law = nullptr;
  fit::ParamVector params{};
  std::string source;  // citation, or the fit file
};
std::optional<LoadedLaw> load_law(const std::string& spec, Diagnostics& out);

// Compute budgets in FLOPs: "LO:HI:COUNT" (log-spaced) or "C1,C2,...". Diagnostics at `path`.
std::optional<std::vector<double>> parse_budgets(const std::string& text, const std::string& path, Diagnostics& out);

// "A,B,C": positive finite numbers, each read whole; diagnostics at `path` name `what` ("FLOPs").
std::optional<std::vector<double>> parse_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                     Diagnostics& out);

// Writes `text` to `path` atomically (temporary file, then rename); refuses to replace an
// existing file unless `force`.
bool write_file_atomically(const std::string& path, const std::string& text, bool force, Diagnostics& out);

}  // namespace moesim::io
