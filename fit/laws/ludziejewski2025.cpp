// Joint MoE law (Ludziejewski et al. 2025, arXiv 2502.05172, Eq. 6, Table 3):
// L(N_act, D, Ê) = a Ê^delta N_act^(alpha + gamma ln Ê) + b Ê^omega D^(beta + zeta ln Ê) + c,
// Ê the saturating expert count of Clark et al. 2022 (natural logs; exponents negative).
#include "../src/law_impl.h"

namespace moesim::fit {
namespace {

struct Ludziejewski2025 {
  // optimiser: ln a, alpha, delta, gamma, ln b, beta, omega, zeta, ln E_start, ln E_max, ln c
  static constexpr int kParams = 11;
  template <class T>
  static T log_loss(const T* q, const Observation& o) {
    using std::exp;
    using std::log;
    const T ln_e = log(saturating_experts(T(o.experts), exp(q[8]), exp(q[9])));
    const double ln_n = std::log(o.active_params), ln_d = std::log(o.tokens);
    return log_sum_exp<T, 3>({q[0] + q[2] * ln_e + (q[1] + q[3] * ln_e) * ln_n,
                              q[4] + q[6] * ln_e + (q[5] + q[7] * ln_e) * ln_d, q[10]});
  }
  // paper: a, alpha, delta, gamma, b, beta, omega, zeta, E_start, E_max, c
  static void to_optimizer(const ParamVector& p, ParamVector& q) {
    q = {std::log(p[0]), p[1], p[2], p[3], std::log(p[4]), p[5], p[6], p[7], std::log(p[8]), std::log(p[9]), std::log(p[10])};
  }
  static void to_paper(const ParamVector& q, ParamVector& p) {
    p = {std::exp(q[0]), q[1], q[2], q[3], std::exp(q[4]), q[5], q[6], q[7], std::exp(q[8]), std::exp(q[9]), std::exp(q[10])};
  }
  static std::vector<ParamVector> grid() {
    std::vector<ParamVector> g;
    for (double a : {10.0, 40.0})
      for (double alpha : {-0.3, -0.1})
        for (double b : {10.0, 40.0})
          for (double beta : {-0.3, -0.1})
            for (double omega : {0.0, 0.5})
              for (double c : {1.0, 1.7}) g.push_back({a, alpha, 0.0, 0.0, b, beta, omega, 0.0, 2.0, 300.0, c});
    return g;
  }
  static LawInfo info() {
    return {"ludziejewski2025",
            "Ludziejewski et al. 2025, arXiv 2502.05172, Eq. 6",
            "L(N_act, D, E) = a E^delta N_act^(alpha + gamma ln E) + b E^omega D^(beta + zeta ln E) + c",
            {"a", "alpha", "delta", "gamma", "b", "beta", "omega", "zeta", "E_start", "E_max", "c"},
            {35.91, -0.1889, -0.2285, 0.0098, 35.98, -0.1775, 0.5529, -0.0259, 2.0732, 290.4521, 1.3637},
            "Ludziejewski et al. 2025, Table 3",
            1e-3,
            Optima::design_search,
            {},
            true,
            false,
            "ludziejewski2025",
            true};
  }
};

}  // namespace

const Law& ludziejewski2025_law() {
  static const Law law = detail::make_law<Ludziejewski2025>();
  return law;
}

}  // namespace moesim::fit
