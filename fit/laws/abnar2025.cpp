// Optimal sparsity (Abnar et al. 2025, arXiv 2501.12370, Eq. 6, Table 3):
// L(N, D, S) = a/N^alpha + b/D^beta + c/(1-S)^lambda + d/((1-S)^delta N^gamma) + e,
// fitted in log-sum-exp form as Chinchilla.
#include "../src/law_impl.h"

namespace moesim::fit {
namespace {

struct Abnar2025 {
  static constexpr int kParams = 10;  // optimiser: ln a, ln b, ln c, ln d, ln e, alpha, beta, lambda, delta, gamma
  template <class T>
  static T log_loss(const T* q, const Observation& o) {
    const double ln_n = std::log(o.total_params), ln_d = std::log(o.tokens), ln_dense = std::log(1 - o.sparsity);
    return log_sum_exp<T, 5>({q[0] - q[5] * ln_n, q[1] - q[6] * ln_d, q[2] - q[7] * ln_dense,
                              q[3] - q[8] * ln_dense - q[9] * ln_n, q[4]});
  }
  // paper: a, b, c, d, e, alpha, beta, lambda, delta, gamma
  static void to_optimizer(const ParamVector& p, ParamVector& q) {
    q = {std::log(p[0]), std::log(p[1]), std::log(p[2]), std::log(p[3]), std::log(p[4]), p[5], p[6], p[7], p[8], p[9]};
  }
  static void to_paper(const ParamVector& q, ParamVector& p) {
    p = {std::exp(q[0]), std::exp(q[1]), std::exp(q[2]), std::exp(q[3]), std::exp(q[4]), q[5], q[6], q[7], q[8], q[9]};
  }
  // REFERENCE.md §1.2: log a..log d in {0, 10, 20}; alpha, beta, gamma in {0, 0.25, ..., 1.25};
  // lambda, delta in {-1, -0.5, 0, 0.5, 1}; log e = 1.5 (437,400 starts; FitOptions::max_starts
  // takes an evenly spaced subset).
  static std::vector<ParamVector> grid() {
    std::vector<ParamVector> g;
    const double logs[] = {0, 10, 20};
    const double slopes[] = {0, 0.25, 0.5, 0.75, 1, 1.25};
    const double signed_slopes[] = {-1, -0.5, 0, 0.5, 1};
    for (double la : logs)
      for (double lb : logs)
        for (double lc : logs)
          for (double ld : logs)
            for (double alpha : slopes)
              for (double beta : slopes)
                for (double gamma : slopes)
                  for (double lambda : signed_slopes)
                    for (double delta : signed_slopes)
                      g.push_back({std::exp(la), std::exp(lb), std::exp(lc), std::exp(ld), std::exp(1.5), alpha, beta, lambda, delta, gamma});
    return g;
  }
  static LawInfo info() {
    return {"abnar2025",
            "Abnar et al. 2025, arXiv 2501.12370, Eq. 6",
            "L(N, D, S) = a/N^alpha + b/D^beta + c/(1-S)^lambda + d/((1-S)^delta N^gamma) + e",
            {"a", "b", "c", "d", "e", "alpha", "beta", "lambda", "delta", "gamma"},
            {16612.50, 5455.67, 0.4598, 17.26, 0.94, 0.5962, 0.3954, -0.1666, 0.1603, 0.1595},
            "Abnar et al. 2025, Table 3",
            1e-3,
            Optima::design_search,
            {},
            true,
            true};
  }
};

}  // namespace

const Law& abnar2025_law() {
  static const Law law = detail::make_law<Abnar2025>();
  return law;
}

}  // namespace moesim::fit
