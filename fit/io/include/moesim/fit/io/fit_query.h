#pragma once
// `moesim fit` as a library, under every front end (the CLI's options, Python's keywords):
// the query as typed, resolved to the law, its options and the data by one set of rules.
// Diagnostics name the query's fields in snake case ("holdout", "fix"), or the data file.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "moesim/fit/fit.h"
#include "moesim/fit/io/scaling_data.h"

namespace moesim::fit {

struct FitQuery {
  std::string law;                   // a built-in law's name
  std::string data;                  // CSV file (.csv or .csv.gz)
  std::string dataset;               // epoch-chinchilla | clark2022 | steplaw | generic; "" = from the header
  std::vector<std::pair<std::string, std::string>> columns;  // role -> column (generic CSV)
  std::vector<std::pair<std::string, std::string>> filters;  // keep rows with column = value
  std::vector<std::pair<std::string, double>> fixed;         // parameter -> value held
  int bootstrap = 0;
  std::string holdout = "none";  // none | max_sparsity | lowest_loss:F | largest_compute:F
  std::size_t max_starts = 10000;  // bounded: abnar2025's full grid is 437,400 starts (18 minutes)
  int threads = 2;
  std::uint64_t seed = 42;
};

struct FitSetup {
  const Law* law = nullptr;
  FitOptions options;  // without a progress callback
  ScalingData data;
};

// Every problem of the query; nullopt when there is one. Reads the data file.
std::optional<FitSetup> fit_setup(const FitQuery& query, Diagnostics& out);

}  // namespace moesim::fit
