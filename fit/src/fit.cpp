#include "moesim/fit/fit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <random>

#include <Eigen/Dense>
#include <glog/logging.h>

#include "moesim/model/quantile.h"
#include "parallel.h"

namespace moesim::fit {

const Law& chinchilla_law();
const Law& abnar2025_law();
const Law& clark2022_law();
const Law& krajewski2024_law();
const Law& ludziejewski2025_law();

const std::vector<const Law*>& laws() {
  static const std::vector<const Law*> list{&chinchilla_law(), &abnar2025_law(), &clark2022_law(),
                                            &krajewski2024_law(), &ludziejewski2025_law()};
  return list;
}

const Law* find_law(std::string_view name) {
  for (const Law* l : laws())
    if (l->info.name == name) return l;
  return nullptr;
}

double predict(const Law& law, const ParamVector& params, const Observation& o) { return law.loss(params, o); }

bool FitOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return false;
  };
  if (threads < 1 || threads > 256) return fail("threads " + std::to_string(threads) + " must be in [1, 256]");
  if (max_iterations < 1) return fail("max_iterations " + std::to_string(max_iterations) + " must be at least 1");
  if (huber_delta < 0) return fail("huber_delta must be >= 0 (0 = the law's)");
  if (bootstrap < 0 || bootstrap > 100000) return fail("bootstrap " + std::to_string(bootstrap) + " must be in [0, 100000]");
  for (const auto& [i, value] : fixed)
    if (!std::isfinite(value)) return fail("fixed value of parameter " + std::to_string(i) + " must be finite");
  if ((holdout == HoldoutRule::lowest_loss || holdout == HoldoutRule::largest_compute) &&
      !(holdout_fraction > 0 && holdout_fraction < 1))
    return fail("holdout_fraction must be in (0, 1)");
  return true;
}

namespace {

// Indices of the held-out points under the rule.
std::vector<bool> held_out(const std::vector<Observation>& data, const FitOptions& o) {
  std::vector<bool> out(data.size(), false);
  if (o.holdout == HoldoutRule::none || data.empty()) return out;
  if (o.holdout == HoldoutRule::max_sparsity) {
    double top = 0;
    for (const auto& d : data) top = std::max(top, d.sparsity);
    for (std::size_t i = 0; i < data.size(); ++i) out[i] = data[i].sparsity == top && top > 0;
    return out;
  }
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  auto key = [&](std::size_t i) {
    return o.holdout == HoldoutRule::lowest_loss ? -data[i].loss : data[i].total_params * data[i].tokens;
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key(a) > key(b); });
  const auto count = static_cast<std::size_t>(std::round(o.holdout_fraction * static_cast<double>(data.size())));
  for (std::size_t k = 0; k < count && k < order.size(); ++k) out[order[k]] = true;
  return out;
}

struct Best {
  MinimizeResult result;
  std::size_t converged = 0;
};

// Runs `law.minimize` from each start on `threads` threads; keeps the lowest objective (of
// exact ties the lowest start, so the answer does not depend on the thread count).
Best multistart(const Law& law, const std::vector<Observation>& data, const std::vector<std::size_t>& index,
                const std::vector<ParamVector>& starts, double delta, const FitOptions& o, const std::vector<int>& constant) {
  Best best;
  best.result.cost = INFINITY;
  std::size_t best_start = starts.size(), done = 0;
  std::mutex lock;
  detail::parallel_for(starts.size(), o.threads, [&](std::size_t k) {
    ParamVector q{};
    law.to_optimizer(starts[k], q);
    const MinimizeResult r = law.minimize(data, index, q, delta, o.max_iterations, constant);
    std::lock_guard<std::mutex> g(lock);
    best.converged += r.converged;
    if (o.progress) o.progress(++done, starts.size());
    if (std::isfinite(r.cost) && (r.cost < best.result.cost || (r.cost == best.result.cost && k < best_start))) {
      best.result = r;
      best_start = k;
    }
  });
  return best;
}

double rmse(const Law& law, const ParamVector& p, const std::vector<Observation>& data, const std::vector<bool>& held,
            bool want_held, double* r2) {
  double se = 0, n = 0, mean = 0;
  for (std::size_t i = 0; i < data.size(); ++i)
    if (held[i] == want_held) {
      mean += data[i].loss;
      ++n;
    }
  if (n == 0) return 0;
  mean /= n;
  double total = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (held[i] != want_held) continue;
    const double e = law.loss(p, data[i]) - data[i].loss;
    se += e * e;
    total += (data[i].loss - mean) * (data[i].loss - mean);
  }
  if (r2) *r2 = total > 0 ? 1 - se / total : 0;
  return std::sqrt(se / n);
}

// Which free parameters the fitted points cannot determine (FitReport::unidentified): one flag
// per parameter of the law, and the condition number. The Jacobian J of ln L_predicted over the
// points, by central differences in the optimizer's coordinates (logs of coefficients,
// exponents: unit scale), columns normalised; a parameter is unidentified when its column
// vanishes, when it weighs > 0.2 in a right singular vector of normalised singular value
// < 1e-6 (exact collinearity, e.g. every point at one N), or when its asymptotic standard error
// sigma sqrt((J^T J)^-1)_jj exceeds 1, sigma^2 = RSS / (n - k) (Seber & Wild 1989, Nonlinear
// Regression §2.1). n <= k, or a non-finite parameter, leaves every free parameter undetermined.
std::vector<bool> unidentified(const Law& law, const std::vector<Observation>& data, const std::vector<std::size_t>& index,
                               const ParamVector& q, const ParamVector& params, const std::vector<int>& constant, double& condition) {
  std::vector<bool> flagged(law.info.param_count(), false);
  std::vector<std::size_t> free;
  for (std::size_t j = 0; j < law.info.param_count(); ++j)
    if (!std::binary_search(constant.begin(), constant.end(), static_cast<int>(j))) free.push_back(j);
  auto all_free = [&] {
    for (std::size_t j : free) flagged[j] = true;
    condition = INFINITY;
    return flagged;
  };
  const std::size_t n = index.size(), k = free.size();
  for (std::size_t j : free)
    if (!std::isfinite(params[j])) return all_free();
  if (n <= k) return all_free();
  Eigen::MatrixXd J(n, k);
  Eigen::VectorXd residual(n);
  for (std::size_t i = 0; i < n; ++i) residual(i) = std::log(law.loss(params, data[index[i]])) - std::log(data[index[i]].loss);
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t j = free[c];
    const double h = 1e-5 * std::max(1.0, std::fabs(q[j]));
    ParamVector up = q, down = q, p_up{}, p_down{};
    up[j] += h;
    down[j] -= h;
    law.to_paper(up, p_up);
    law.to_paper(down, p_down);
    for (std::size_t i = 0; i < n; ++i) {
      const Observation& o = data[index[i]];
      J(i, c) = (std::log(law.loss(p_up, o)) - std::log(law.loss(p_down, o))) / (2 * h);
    }
  }
  if (!J.allFinite() || !residual.allFinite()) return all_free();
  const Eigen::VectorXd norms = J.colwise().norm();
  const double largest = norms.maxCoeff();
  std::vector<std::size_t> live;  // columns with an effect on the prediction
  for (std::size_t c = 0; c < k; ++c) {
    if (!(norms(c) > 1e-10 * largest)) flagged[free[c]] = true;
    else live.push_back(c);
  }
  condition = INFINITY;
  if (live.empty()) return flagged;
  Eigen::MatrixXd A(n, live.size());
  for (std::size_t c = 0; c < live.size(); ++c) A.col(static_cast<Eigen::Index>(c)) = J.col(static_cast<Eigen::Index>(live[c])) / norms(live[c]);
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinV);
  const Eigen::VectorXd& s = svd.singularValues();
  const Eigen::MatrixXd& V = svd.matrixV();
  if (s(s.size() - 1) > 0) condition = s(0) / s(s.size() - 1);
  const double sigma2 = residual.squaredNorm() / static_cast<double>(n - k);
  Eigen::VectorXd variance = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(live.size()));  // of the normalised coordinates
  for (Eigen::Index m = 0; m < s.size(); ++m) {
    if (s(m) < 1e-6 * s(0)) {  // a direction the data do not see
      for (Eigen::Index c = 0; c < V.rows(); ++c)
        if (std::fabs(V(c, m)) > 0.2) flagged[free[live[static_cast<std::size_t>(c)]]] = true;
      continue;
    }
    variance += sigma2 * V.col(m).cwiseAbs2() / (s(m) * s(m));
  }
  for (std::size_t c = 0; c < live.size(); ++c)  // back to the optimizer's coordinates: divide by the column norm
    if (std::sqrt(variance(static_cast<Eigen::Index>(c))) / norms(live[c]) > 1) flagged[free[live[c]]] = true;
  return flagged;
}

}  // namespace

FitReport fit(const std::vector<Observation>& data, const Law& law, const FitOptions& o) {
  // Ceres' line search warns on stderr about flat polynomial fits, which many of the grid's
  // far-off starts produce; the report carries each outcome instead.
  FLAGS_minloglevel = google::GLOG_ERROR;
  FitReport report;
  report.law = std::string(law.info.name);
  for (auto n : law.info.param_names) report.param_names.emplace_back(n);
  const double delta = o.huber_delta > 0 ? o.huber_delta : law.info.huber_delta;
  const std::vector<bool> held = held_out(data, o);
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < data.size(); ++i)
    if (!held[i]) index.push_back(i);
  report.n_points = index.size();
  report.n_holdout = data.size() - index.size();

  std::vector<ParamVector> starts = o.starts.empty() ? law.initial_grid() : o.starts;
  if (o.max_starts > 0 && starts.size() > o.max_starts) {  // evenly spaced, deterministic
    std::vector<ParamVector> subset;
    for (std::size_t k = 0; k < o.max_starts; ++k) subset.push_back(starts[k * starts.size() / o.max_starts]);
    starts.swap(subset);
  }
  std::vector<int> constant;
  for (const auto& [i, value] : o.fixed) {
    constant.push_back(static_cast<int>(i));
    for (ParamVector& s : starts) s[i] = value;
  }
  std::sort(constant.begin(), constant.end());
  if (!constant.empty()) {  // grid points that differed only in fixed parameters are now equal
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  }
  report.starts_run = starts.size();
  const auto t0 = std::chrono::steady_clock::now();
  const Best best = multistart(law, data, index, starts, delta, o, constant);
  report.fit_time_in_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.starts_converged = best.converged;
  report.converged = best.result.converged;
  report.termination = best.result.message;
  report.objective = best.result.cost;
  law.to_paper(best.result.optimizer_params, report.params);
  const std::vector<bool> flagged = unidentified(law, data, index, best.result.optimizer_params, report.params, constant, report.condition);
  for (std::size_t j = 0; j < flagged.size(); ++j)
    if (flagged[j]) report.unidentified.push_back(report.param_names[j]);  // in the law's order
  for (double p : report.params) report.converged = report.converged && std::isfinite(p);
  report.rmse_fit = rmse(law, report.params, data, held, false, nullptr);
  report.rmse_holdout = rmse(law, report.params, data, held, true, &report.r2_holdout);

  // Bootstrap (Efron 1979): refit on points resampled with replacement, from the optimum;
  // replicate b draws from its own seed, so results do not depend on the thread count.
  if (o.bootstrap > 0 && !index.empty()) {
    const auto b0 = std::chrono::steady_clock::now();
    const std::size_t P = law.info.param_count();
    std::vector<ParamVector> samples(static_cast<std::size_t>(o.bootstrap));
    std::vector<char> ok(samples.size(), 0);  // not vector<bool>: replicates write their own slots concurrently
    detail::parallel_for(samples.size(), o.threads, [&](std::size_t b) {
      std::mt19937_64 rng(o.seed + b);
      std::uniform_int_distribution<std::size_t> pick(0, index.size() - 1);
      std::vector<std::size_t> resample(index.size());
      for (auto& r : resample) r = index[pick(rng)];
      const MinimizeResult r = law.minimize(data, resample, best.result.optimizer_params, delta, o.max_iterations, constant);
      law.to_paper(r.optimizer_params, samples[b]);
      ok[b] = std::isfinite(r.cost);
    });
    std::vector<double> column;
    for (std::size_t p = 0; p < P; ++p) {
      column.clear();
      for (std::size_t b = 0; b < samples.size(); ++b)
        if (ok[b]) column.push_back(samples[b][p]);
      if (column.size() < 2) continue;
      const double mean = std::accumulate(column.begin(), column.end(), 0.0) / static_cast<double>(column.size());
      double var = 0;
      for (double v : column) var += (v - mean) * (v - mean);
      report.stderrs[p] = std::sqrt(var / static_cast<double>(column.size() - 1));
      std::sort(column.begin(), column.end());
      report.ci_low[p] = quantile_sorted(column, 0.025);
      report.ci_high[p] = quantile_sorted(column, 0.975);
    }
    for (const auto& [i, value] : o.fixed) {  // held, not estimated
      report.stderrs[i] = 0;
      report.ci_low[i] = report.ci_high[i] = report.params[i];
    }
    report.bootstrap_refits = static_cast<int>(std::count(ok.begin(), ok.end(), true));
    report.bootstrap_time_in_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();
  }
  return report;
}

std::string FitReport::BriefReport() const {
  std::string s = "law " + law + ": ";
  char buffer[160];
  for (std::size_t i = 0; i < param_names.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%s%s = %.6g", i ? ", " : "", param_names[i].c_str(), params[i]);
    s += buffer;
    if (stderrs[i] > 0) {
      std::snprintf(buffer, sizeof buffer, " (se %.3g)", stderrs[i]);
      s += buffer;
    }
  }
  std::snprintf(buffer, sizeof buffer,
                "\n  Huber objective %.8g over %zu points; RMSE fit %.4g, held out %.4g (%zu points); %zu/%zu starts converged "
                "in %.2f s; %s",
                objective, n_points, rmse_fit, rmse_holdout, n_holdout, starts_converged, starts_run, fit_time_in_seconds,
                converged ? "converged" : "NOT converged");
  s += buffer;
  if (!unidentified.empty()) {
    std::string names;
    for (const std::string& n : unidentified) names += (names.empty() ? "" : ", ") + n;
    s += "\n  UNIDENTIFIED: " + names + ": the data cannot determine them (e.g. every point at one model size);"
         " hold them at a value with --fix NAME=VALUE, or add points that vary what they scale";
  }
  return s;
}

}  // namespace moesim::fit
