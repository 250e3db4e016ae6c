#pragma once
// Turns a law's templated functor into a Law: automatic derivatives and the L-BFGS
// minimisation of the summed Huber objective (Ceres GradientProblemSolver).
#include <ceres/ceres.h>

#include <cmath>

#include "moesim/fit/law.h"

namespace moesim::fit::detail {

// Huber (1964): r^2/2 inside delta, delta (|r| - delta/2) outside.
template <class T>
T huber(const T& r, double delta) {
  using std::abs;
  const T a = abs(r);
  return a <= T(delta) ? T(0.5) * r * r : T(delta) * (a - T(0.5 * delta));
}

// A value and, for a Jet, every derivative finite. A finite cost with a NaN gradient (a power
// law at a parameter of 0) must be refused as a whole: Ceres' Wolfe line search aborts the
// process (a CHECK) when it is handed one.
inline bool all_finite(double x) { return std::isfinite(x); }
template <class T, int N>
bool all_finite(const ceres::Jet<T, N>& j) {
  return std::isfinite(j.a) && j.v.array().isFinite().all();
}

// Sum over points of Huber(ln L_predicted - ln L_observed): Besiroglu et al. 2024 §2 (summed,
// not averaged: averaging stops L-BFGS early and narrows the intervals).
template <class F>
struct SummedHuber {
  const std::vector<Observation>* data;
  const std::vector<std::size_t>* index;
  double delta;
  template <class T>
  bool operator()(const T* q, T* cost) const {
    using std::log;
    T sum(0);
    for (std::size_t i : *index) {
      const Observation& o = (*data)[i];
      sum += T(o.weight) * huber(F::log_loss(q, o) - T(std::log(o.loss)), delta);
    }
    *cost = sum;
    return all_finite(sum);  // false: Ceres treats the point as outside the domain and steps back
  }
};

template <class F>
MinimizeResult minimize(const std::vector<Observation>& data, const std::vector<std::size_t>& index,
                        const ParamVector& start, double delta, int max_iterations, const std::vector<int>& constant) {
  MinimizeResult r;
  r.optimizer_params = start;
  auto* function = new ceres::AutoDiffFirstOrderFunction<SummedHuber<F>, F::kParams>(new SummedHuber<F>{&data, &index, delta});
  // Parameters held fixed (--fix) stay at their start: Ceres' SubsetManifold.
  ceres::GradientProblem problem = constant.empty()
                                       ? ceres::GradientProblem(function)
                                       : ceres::GradientProblem(function, new ceres::SubsetManifold(F::kParams, constant));
  ceres::GradientProblemSolver::Options options;
  options.line_search_direction_type = ceres::LBFGS;
  options.max_num_iterations = max_iterations;
  options.function_tolerance = 1e-12;
  options.gradient_tolerance = 1e-14;
  options.parameter_tolerance = 1e-12;
  options.logging_type = ceres::SILENT;
  ceres::GradientProblemSolver::Summary summary;
  ceres::Solve(options, problem, r.optimizer_params.data(), &summary);
  double cost = NAN;  // at the final parameters; a start where the cost cannot be evaluated yields none
  const bool valid = SummedHuber<F>{&data, &index, delta}(r.optimizer_params.data(), &cost);
  r.cost = valid ? cost : INFINITY;
  r.converged = summary.termination_type == ceres::CONVERGENCE && std::isfinite(r.cost);
  r.message = summary.message;
  return r;
}

template <class F>
Law make_law() {
  Law law;
  law.info = F::info();
  law.loss = [](const ParamVector& paper, const Observation& o) {
    ParamVector q{};
    F::to_optimizer(paper, q);
    return std::exp(F::log_loss(q.data(), o));
  };
  law.to_optimizer = &F::to_optimizer;
  law.to_paper = &F::to_paper;
  law.initial_grid = &F::grid;
  law.minimize = &minimize<F>;
  return law;
}

}  // namespace moesim::fit::detail
