// Routed language models (Clark et al. 2022, arXiv 2202.01169, Eq. 1 with the saturating
// transform of Eq. 2): log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d, N the dense
// (per-token) parameters, D fixed at 130B tokens.
#include "../src/law_impl.h"

namespace moesim::fit {
namespace {

struct Clark2022 {
  static constexpr int kParams = 6;  // optimiser: a, b, c, d, ln E_start, ln E_max
  template <class T>
  static T log_loss(const T* q, const Observation& o) {
    using std::exp;
    using std::log;
    const double log10_n = std::log10(o.total_params);
    const T log10_e = log(saturating_experts(T(o.experts), exp(q[4]), exp(q[5]))) / T(std::log(10.0));
    return T(std::log(10.0)) * (q[0] * log10_n + q[1] * log10_e + q[2] * log10_n * log10_e + q[3]);
  }
  // paper: a, b, c, d, E_start, E_max
  static void to_optimizer(const ParamVector& p, ParamVector& q) { q = {p[0], p[1], p[2], p[3], std::log(p[4]), std::log(p[5])}; }
  static void to_paper(const ParamVector& q, ParamVector& p) { p = {q[0], q[1], q[2], q[3], std::exp(q[4]), std::exp(q[5])}; }
  static std::vector<ParamVector> grid() {
    std::vector<ParamVector> g;
    for (double a : {-0.1, -0.03})
      for (double b : {-0.1, 0.0})
        for (double c : {0.0, 0.02})
          for (double d : {0.8, 1.4})
            for (double e_start : {1.5, 5.0})
              for (double e_max : {100.0, 1000.0}) g.push_back({a, b, c, d, e_start, e_max});
    return g;
  }
  static LawInfo info();
};

}  // namespace

const Law& clark2022_law() {
  static const Law law = detail::make_law<Clark2022>();
  return law;
}

}  // namespace moesim::fit

namespace moesim::fit {
namespace {
LawInfo Clark2022::info() {
  // Clark et al. fit a-d per router; REFERENCE.md §1.3 holds no published values, so the
  // built-in coefficients are moesim's own fit to their released runs (S-Base with the dense
  // runs, final step, routing frequency 0.5, k = 1, seed 42), as docs/fitting.md reproduces.
  return {"clark2022",
          "Clark et al. 2022, arXiv 2202.01169, Eq. 1-2",
          "log10 L = a log10 N + b log10 E + c log10 N log10 E + d, E saturating (E_start, E_max)",
          {"a", "b", "c", "d", "E_start", "E_max"},
          {-0.084146, -0.124384, 0.0107038, 1.12431, 2.34047, 304.86},
          "moesim fit (S-Base) to Clark et al. 2022's released runs; see docs/fitting.md",
          1e-3,
          Optima::none,
          "its data fix D at 130B tokens: it has no compute frontier (use abnar2025, chinchilla, ludziejewski2025 or krajewski2024)",
          true};
}
}  // namespace
}  // namespace moesim::fit
