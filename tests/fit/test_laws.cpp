// Loss laws: published check values, synthetic recovery, and the frontier's qualitative
// findings of Abnar et al. 2025.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "moesim/fit/fit.h"
#include "moesim/fit/frontier.h"

using namespace moesim;
using namespace moesim::fit;

TEST_CASE("laws: Abnar et al. 2025 check values (REFERENCE.md §1.2)") {
  const Law& law = *find_law("abnar2025");
  Observation o;
  o.total_params = 1e9;
  o.tokens = 2e10;
  CHECK(predict(law, law.info.published, o) == Approx(2.5657).margin(5e-5));
  o.sparsity = 0.75;
  CHECK(predict(law, law.info.published, o) == Approx(2.6284).margin(5e-5));
}

TEST_CASE("laws: Chinchilla compute-optimal allocation with Epoch's values (REFERENCE.md §1.1)") {
  const ComputeOptimal c = chinchilla_optimum(find_law("chinchilla")->info.published, 5.76e23);
  CHECK(c.total_params == Approx(7.2e10).epsilon(0.02));
  CHECK(c.tokens == Approx(1.33e12).epsilon(0.02));
  CHECK(6 * c.total_params * c.tokens == Approx(5.76e23));
}

TEST_CASE("laws: every law is registered once, with names and a source") {
  REQUIRE(laws().size() == 5);
  for (const Law* l : laws()) {
    INFO(l->info.name);
    CHECK(find_law(l->info.name) == l);
    CHECK(l->info.param_count() <= kMaxLawParams);
    CHECK_FALSE(l->info.citation.empty());
    // paper -> optimiser -> paper is the identity
    ParamVector q{}, back{};
    l->to_optimizer(l->info.published, q);
    l->to_paper(q, back);
    for (std::size_t i = 0; i < l->info.param_count(); ++i) CHECK(back[i] == Approx(l->info.published[i]));
  }
  CHECK(find_law("kaplan") == nullptr);
}

namespace {

// Points on a grid of the law's inputs, with losses from the published coefficients.
std::vector<Observation> synthetic(const Law& law) {
  std::vector<Observation> points;
  for (double n : {5e7, 2e8, 1e9, 5e9, 2e10})
    for (double d : {2e9, 1e10, 5e10, 2e11})
      for (double s : {0.0, 0.5, 0.75, 0.9, 0.95})
        for (double g : {1.0, 4.0, 16.0}) {
          Observation o;
          o.total_params = o.active_params = n;
          o.tokens = d;
          o.sparsity = s;
          o.experts = s == 0 ? 1 : 1 / (1 - s);  // K = 1
          o.granularity = g;
          o.loss = predict(law, law.info.published, o);
          points.push_back(o);
        }
  return points;
}

}  // namespace

TEST_CASE("fit: synthetic data drawn from each law recovers its parameters") {
  for (const Law* law : laws()) {
    INFO(law->info.name);
    FitOptions options;
    options.max_starts = 16;
    // Start near, not at, the truth, plus a spread of grid points: the optimiser must travel.
    ParamVector nudged = law->info.published;
    for (std::size_t i = 0; i < law->info.param_count(); ++i) nudged[i] *= 1.15;
    options.starts = law->initial_grid();
    options.starts.push_back(nudged);
    const FitReport r = fit::fit(synthetic(*law), *law, options);
    CHECK(r.converged);
    CHECK(r.rmse_fit < 1e-4);
    for (std::size_t i = 0; i < law->info.param_count(); ++i) {
      INFO(law->info.param_names[i]);
      // E_start and E_max are weakly identified (REFERENCE.md §1.3): the loss, not they, is checked.
      if (law->info.param_names[i] == "E_start" || law->info.param_names[i] == "E_max") continue;
      CHECK(r.params[i] == Approx(law->info.published[i]).epsilon(0.01).margin(1e-3));
    }
    for (const std::string& n : r.unidentified) CHECK((n == "E_start" || n == "E_max"));  // the grid varies every input
  }
}

TEST_CASE("fit: parameters the data cannot determine are named, not printed as 0 +- 0") {
  const Law& law = *find_law("chinchilla");  // L = E + A / N^alpha + B / D^beta
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.005);
  std::vector<Observation> one_size;  // every run at N = 2e9: E + A / N^alpha is one number
  for (double d : {1e9, 3e9, 1e10, 3e10, 1e11, 3e11, 1e12}) {
    Observation o;
    o.total_params = o.active_params = 2e9;
    o.tokens = d;
    o.loss = predict(law, law.info.published, o) * std::exp(noise(rng));
    one_size.push_back(o);
  }
  FitOptions options;
  options.max_starts = 40;
  const FitReport r = fit::fit(one_size, law, options);
  auto named = [&](const char* p) { return std::find(r.unidentified.begin(), r.unidentified.end(), p) != r.unidentified.end(); };
  CHECK(named("A"));
  CHECK(named("alpha"));
  CHECK_FALSE(named("B"));  // D varies: its term is determined
  CHECK_FALSE(named("beta"));
  CHECK(r.BriefReport().find("UNIDENTIFIED: ") != std::string::npos);
  // Held at a value, the size terms are no longer estimated and the rest is determined.
  options.fixed = {{1, law.info.published[1]}, {3, law.info.published[3]}};  // A, alpha
  const FitReport held = fit::fit(one_size, law, options);
  CHECK(held.unidentified.empty());
  // Fewer points than free parameters determine none of them.
  options.fixed.clear();
  const std::vector<Observation> three(one_size.begin(), one_size.begin() + 3);
  CHECK(fit::fit(three, law, options).unidentified.size() == 5);
}

TEST_CASE("fit: held-out error is reported, fixed parameters stay fixed, options are checked") {
  const Law& law = *find_law("chinchilla");
  std::vector<Observation> points = synthetic(law);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.01);
  for (Observation& o : points) o.loss *= std::exp(noise(rng));
  FitOptions options;
  options.max_starts = 50;
  options.holdout = HoldoutRule::lowest_loss;
  options.holdout_fraction = 0.2;
  options.fixed = {{0, 1.9}};
  options.bootstrap = 20;
  const FitReport r = fit::fit(points, law, options);
  CHECK(r.n_holdout == static_cast<std::size_t>(std::round(0.2 * static_cast<double>(points.size()))));
  CHECK(r.rmse_holdout > 0);
  CHECK(r.params[0] == Approx(1.9));
  CHECK(r.stderrs[0] == 0);
  CHECK(r.stderrs[3] > 0);
  std::string why;
  FitOptions bad;
  bad.threads = 0;
  CHECK_FALSE(bad.IsValid(&why));
  CHECK(why.find("threads") != std::string::npos);
}

TEST_CASE("frontier: Abnar et al. 2025's findings with the built-in law") {
  const Law& law = *find_law("abnar2025");
  FrontierOptions o;
  o.budgets = {1e19, 1e20, 1e21};
  o.sparsity_levels = 50;
  const Frontier f = compute_frontier(law, law.info.published, o);
  // At fixed compute, the optimal loss falls as sparsity grows (the isoflop minimum over N).
  for (const auto& curve : f.isoflop) {
    for (std::size_t k = 1; k < curve.size(); ++k) CHECK(curve[k].loss <= curve[k - 1].loss + 1e-9);
    // ... with the optimal total size rising and the active size falling
    CHECK(curve.back().total_params > curve.front().total_params);
    CHECK(curve.back().active_params < curve.front().active_params);
  }
  // The optimum is sparse and better than dense: a dense model needs more compute to match.
  for (std::size_t i = 0; i < f.optimum.size(); ++i) {
    CHECK(f.optimum[i].sparsity > 0.9);
    CHECK(f.dense_equivalent_ratio[i] > 1);
    CHECK(f.optimum[i].budget_flops == Approx(f.optimum[i].tokens * f.optimum[i].flops_per_token));
  }
  // At fixed N, S* rises with N and falls with C; small models are best dense.
  auto s_star = [&](double n, double c) {
    FrontierOptions one = o;
    one.budgets = {c};
    return fixed_size_optima(law, law.info.published, one, n)[0].sparsity;
  };
  CHECK(s_star(2e9, 1e20) > s_star(5e8, 1e20));
  CHECK(s_star(5e8, 1e21) < s_star(5e8, 1e19));
  CHECK(s_star(2e8, 1e21) == 0);
}

TEST_CASE("frontier: the family's active parameters come from the model, not a fixed fraction") {
  Family f;
  const Architecture dense = family_architecture(f, 1024, 0);
  const Architecture sparse = family_architecture(f, 1024, 0.75);
  CHECK(dense.moe.experts == 1);
  CHECK(sparse.moe.experts == 4);  // E = K / (1 - S)
  CHECK(sparse.moe.expert.width == 4096);
  CHECK(sparse.layers.size() == 8);  // 1024 / 128
}

TEST_CASE("frontier: Krajewski and Ludziejewski tables") {
  const auto k = krajewski_optima(find_law("krajewski2024")->info.published, {1e20, 1e22, 1e24});
  REQUIRE(k.size() == 3);
  for (const auto& r : k) CHECK(r.granularity >= 1);
  CHECK(k[2].granularity >= k[0].granularity);  // finer experts pay off at larger budgets (their §5)
  const auto l = ludziejewski_optima(find_law("ludziejewski2025")->info.published, {1e21}, {1, 8, 64});
  REQUIRE(l.size() == 3);
  CHECK(l[1].loss < l[0].loss);  // MoE beats dense at equal compute
  for (const auto& r : l) CHECK(6 * r.active_params * r.tokens == Approx(1e21));
}

TEST_CASE("laws: which optima each law yields is data, with a reason where there are none") {
  for (const Law* law : laws()) {
    INFO(law->info.name);
    const LawInfo& i = law->info;
    if (i.optima == Optima::none) CHECK_FALSE(i.no_optima_reason.empty());
    else CHECK(i.no_optima_reason.empty());
    if (i.reads_sparsity) CHECK(i.reads_experts);  // S is an expert input
    CHECK((i.family == "abnar2025" || i.family == "ludziejewski2025"));
  }
  CHECK(find_law("chinchilla")->info.optima == Optima::design_search);
  CHECK_FALSE(find_law("chinchilla")->info.reads_experts);  // dense only: no MoE ranking
  CHECK(find_law("abnar2025")->info.reads_sparsity);
  CHECK(find_law("krajewski2024")->info.optima == Optima::granularity_table);
  CHECK(find_law("clark2022")->info.optima == Optima::none);  // D fixed at 130B tokens
  CHECK(find_law("ludziejewski2025")->info.family == "ludziejewski2025");
  CHECK(find_law("ludziejewski2025")->info.expert_count_table);
}
