// Fine-grained MoE (Krajewski et al. 2024, arXiv 2402.07871, Eq. 9, Table 1):
// L(N, D, G) = c + (g/G^gamma + a)/N^alpha + b/D^beta, N non-embedding parameters.
#include "../src/law_impl.h"

namespace moesim::fit {
namespace {

struct Krajewski2024 {
  static constexpr int kParams = 7;  // optimiser: ln a, alpha, ln b, beta, ln g, gamma, ln c
  template <class T>
  static T log_loss(const T* q, const Observation& o) {
    const T granular = log_sum_exp<T, 2>({q[4] - q[5] * std::log(o.granularity), q[0]});
    return log_sum_exp<T, 3>({q[6], granular - q[1] * std::log(o.total_params), q[2] - q[3] * std::log(o.tokens)});
  }
  // paper: a, alpha, b, beta, g, gamma, c
  static void to_optimizer(const ParamVector& p, ParamVector& q) {
    q = {std::log(p[0]), p[1], std::log(p[2]), p[3], std::log(p[4]), p[5], std::log(p[6])};
  }
  static void to_paper(const ParamVector& q, ParamVector& p) {
    p = {std::exp(q[0]), q[1], std::exp(q[2]), q[3], std::exp(q[4]), q[5], std::exp(q[6])};
  }
  // The paper gives no grid: 2^7 starts around its reported magnitudes.
  static std::vector<ParamVector> grid() {
    std::vector<ParamVector> g;
    for (double a : {5.0, 20.0})
      for (double alpha : {0.1, 0.3})
        for (double b : {5.0, 30.0})
          for (double beta : {0.1, 0.3})
            for (double gg : {1.0, 3.0})
              for (double gamma : {0.3, 0.6})
                for (double c : {0.3, 1.0}) g.push_back({a, alpha, b, beta, gg, gamma, c});
    return g;
  }
  static LawInfo info() {
    return {"krajewski2024",
            "Krajewski et al. 2024, arXiv 2402.07871, Eq. 9",
            "L(N, D, G) = c + (g/G^gamma + a)/N^alpha + b/D^beta",
            {"a", "alpha", "b", "beta", "g", "gamma", "c"},
            {18.1, 0.115, 30.8, 0.147, 2.1, 0.58, 0.47},
            "Krajewski et al. 2024, Table 1 (MoE)",
            0.1,
            Optima::granularity_table,
            {},
            false};
  }
};

}  // namespace

const Law& krajewski2024_law() {
  static const Law law = detail::make_law<Krajewski2024>();
  return law;
}

}  // namespace moesim::fit
