#pragma once
// fit.json: a FitReport written for scripts and read back by `moesim frontier --law fit.json`,
// and the law a front end names (a built-in law or such a file).
#include <optional>
#include <string>
#include <vector>

#include "moesim/fit/fit.h"
#include "moesim/io/json_reader.h"

namespace moesim::fit {

io::Json fit_report_json(const FitReport& report, const std::string& data_file, const std::vector<std::string>& notes);

// A law with coefficients: a built-in law's name (its published coefficients) or a fit.json.
struct LoadedLaw {
  const Law* law = nullptr;
  ParamVector params{};
  std::string source;  // citation, or the fit file
  std::vector<std::string> unidentified;  // parameters its fit could not determine (FitReport)
};
// "FILE: the fit could not determine a, alpha: ..." for a law with unidentified parameters;
// empty otherwise. Front ends print it beside every optimum they derive from the law.
std::string unidentified_warning(const LoadedLaw& law);
std::optional<LoadedLaw> load_law(const std::string& spec, Diagnostics& out);
// ... of a fit.json document already read (as fit_report_json writes it); paths start "source:".
std::optional<LoadedLaw> read_law_document(const io::Json& doc, const std::string& source, Diagnostics& out);

}  // namespace moesim::fit
