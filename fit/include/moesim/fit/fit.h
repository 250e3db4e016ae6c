#pragma once
// Fitting a loss law, in Ceres' shape: FitOptions -> fit(data, law, options) -> FitReport.
// The recipe of Hoffmann et al. 2022 App. D.2 as corrected by Besiroglu et al. 2024
// (arXiv 2404.10102): residuals of log loss, Huber loss with the paper's delta SUMMED over
// points, L-BFGS from every point of the paper's initialisation grid, keep the best.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "moesim/fit/law.h"

namespace moesim::fit {

enum class HoldoutRule {
  none,
  max_sparsity,    // hold out the points of the largest sparsity (Abnar et al. 2025 hold out S = 0.98)
  lowest_loss,     // hold out the `fraction` of points with the lowest loss (extrapolation)
  largest_compute, // hold out the `fraction` of points with the largest N * D
};

struct FitOptions {
  std::vector<ParamVector> starts;  // in the paper's parameters; empty = the law's grid
  std::size_t max_starts = 0;       // 0 = every start; else an evenly spaced subset
  double huber_delta = 0;           // 0 = the law's
  int threads = 2;
  int max_iterations = 2000;
  HoldoutRule holdout = HoldoutRule::none;
  double holdout_fraction = 0.1;
  int bootstrap = 0;                // refits on resampled data, for standard errors
  // Parameters held at a value (index into the law's names, value in the paper's units),
  // e.g. the N terms of abnar2025 on data of one model size.
  std::vector<std::pair<std::size_t, double>> fixed;
  std::uint64_t seed = 42;
  // Called after each start of the grid with (starts done, starts in all), one call at a time.
  std::function<void(std::size_t, std::size_t)> progress;
  // Ceres' Options::IsValid: each rule in one line, naming the field, its value and the rule.
  bool IsValid(std::string* error) const;
};

struct FitReport {
  std::string law;
  std::vector<std::string> param_names;
  ParamVector params{};     // best fit, the paper's parameters
  ParamVector stderrs{};    // bootstrap standard errors (0 without --bootstrap)
  ParamVector ci_low{}, ci_high{};  // bootstrap 2.5% and 97.5% percentiles
  double objective = 0;     // summed Huber loss at the optimum
  double rmse_fit = 0;      // loss units, on the fitted points
  double rmse_holdout = 0;  // loss units, on the held-out points (0 when none)
  double r2_holdout = 0;
  std::size_t n_points = 0;
  std::size_t n_holdout = 0;
  std::size_t starts_run = 0;
  std::size_t starts_converged = 0;
  int bootstrap_refits = 0;
  bool converged = false;     // Ceres converged at finite parameters
  // Free parameters the data cannot determine (identifiability at the optimum, fit.cpp): the
  // Jacobian of ln L_predicted in the optimizer's coordinates has no column for them, or they
  // lie on a direction of (near) zero singular value, or their asymptotic standard error in
  // those coordinates exceeds 1 (a factor e on a coefficient, 1 on an exponent). Empty: all
  // identified. A non-finite parameter is unidentified.
  std::vector<std::string> unidentified;
  double condition = 0;  // of the column-normalised Jacobian (infinite when rank-deficient)
  std::string termination;  // the best start's Ceres message
  double fit_time_in_seconds = 0;
  double bootstrap_time_in_seconds = 0;
  std::string BriefReport() const;
};

FitReport fit(const std::vector<Observation>& data, const Law& law, const FitOptions& options);

// The law's prediction with the given paper parameters.
double predict(const Law& law, const ParamVector& params, const Observation& o);

}  // namespace moesim::fit
