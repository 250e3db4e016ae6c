// Chinchilla, Approach 3 (Hoffmann et al. 2022, arXiv 2203.15556, Eq. 2 and App. D.2):
// L(N, D) = E + A / N^alpha + B / D^beta, fitted as ln L = LSE(a - alpha ln N, b - beta ln D, e).
#include "../src/law_impl.h"

namespace moesim::fit {
namespace {

struct Chinchilla {
  static constexpr int kParams = 5;  // optimiser: e, a, b, alpha, beta
  template <class T>
  static T log_loss(const T* q, const Observation& o) {
    return log_sum_exp<T, 3>({q[1] - q[3] * std::log(o.total_params), q[2] - q[4] * std::log(o.tokens), q[0]});
  }
  // paper: E, A, B, alpha, beta
  static void to_optimizer(const ParamVector& p, ParamVector& q) {
    q = {std::log(p[0]), std::log(p[1]), std::log(p[2]), p[3], p[4]};
  }
  static void to_paper(const ParamVector& q, ParamVector& p) {
    p = {std::exp(q[0]), std::exp(q[1]), std::exp(q[2]), q[3], q[4]};
  }
  // Hoffmann's grid (REFERENCE.md §1.1): alpha, beta in {0, 0.5, ..., 2}, e in {-1, ..., 1},
  // a, b in {0, 5, ..., 25}: 4,500 starts.
  static std::vector<ParamVector> grid() {
    std::vector<ParamVector> g;
    for (double alpha = 0; alpha <= 2.001; alpha += 0.5)
      for (double beta = 0; beta <= 2.001; beta += 0.5)
        for (double e = -1; e <= 1.001; e += 0.5)
          for (double a = 0; a <= 25.001; a += 5)
            for (double b = 0; b <= 25.001; b += 5) g.push_back({std::exp(e), std::exp(a), std::exp(b), alpha, beta});
    return g;
  }
  static LawInfo info() {
    return {"chinchilla",
            "Hoffmann et al. 2022, arXiv 2203.15556, Eq. 2 / App. D.2 (Approach 3)",
            "L(N, D) = E + A/N^alpha + B/D^beta",
            {"E", "A", "B", "alpha", "beta"},
            {1.8172, 482.01, 2085.43, 0.3478, 0.3658},
            "Besiroglu et al. 2024 (Epoch AI), arXiv 2404.10102, Table 1 (refit of Hoffmann's data)",
            1e-3,
            Optima::design_search,  // over dense models only (S = 0)
            {},
            false};
  }
};

}  // namespace

const Law& chinchilla_law() {
  static const Law law = detail::make_law<Chinchilla>();
  return law;
}

}  // namespace moesim::fit
