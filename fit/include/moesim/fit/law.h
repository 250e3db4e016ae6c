#pragma once
// Loss laws as data plus one small templated functor each (fit/laws/*.h): the published
// form, its parameter names as in the paper, its published coefficients and its source.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moesim::fit {

// One training run. Unused inputs stay 0 (Chinchilla reads N and D only).
struct Observation {
  double total_params = 0;   // N
  double active_params = 0;  // N_act (per token)
  double tokens = 0;         // D
  double sparsity = 0;       // S = (E - K) / E
  double experts = 1;        // E
  double granularity = 1;    // G
  double loss = 0;
  double weight = 1;
};

inline constexpr std::size_t kMaxLawParams = 12;
using ParamVector = std::array<double, kMaxLawParams>;

// Which optima a law yields, so that no front end decides it by comparing names.
enum class Optima : std::uint8_t {
  design_search,      // fit::optimize over a family of concrete designs (its inputs are N, N_a, D, S or E)
  granularity_table,  // fit::krajewski_optima: its own Eq. 10 compute model at E = 64
  none,               // no compute frontier (LawInfo::no_optima_reason says why)
};

// What the fitting and frontier code need to know about a law, independent of its functor.
struct LawInfo {
  std::string_view name;         // the CLI's name, e.g. "abnar2025"
  std::string_view citation;     // paper and equation
  std::string_view formula;      // for people
  std::vector<std::string_view> param_names;  // as in the paper
  ParamVector published{};      // in the paper's parameters
  std::string_view published_source;
  double huber_delta = 1e-3;     // the paper's recipe
  Optima optima = Optima::design_search;
  std::string_view no_optima_reason;  // with Optima::none
  // Reads the expert count or the sparsity: it can rank MoE designs against each other
  // (a law without either scores an MoE as a dense model of its total size).
  bool reads_experts = true;
  bool reads_sparsity = false;              // S is an input (the sparsity grid is searched)
  std::string_view family = "abnar2025";    // the design conventions its paper used (optimize())
  bool expert_count_table = false;          // its paper's per-E compute-optimal table (ludziejewski_optima)
  std::size_t param_count() const { return param_names.size(); }
};

struct MinimizeResult {
  ParamVector optimizer_params{};
  double cost = 0;  // summed Huber loss
  bool converged = false;
  std::string message;
};

// Every law evaluates L(observation; paper parameters), converts between the paper's
// parameters and the unconstrained ones the optimiser moves (logs of positive scales), lists
// the paper's initialisation grid (in the paper's parameters), and minimises its summed
// Huber objective over the points `index` of `data` with L-BFGS (one instantiation of the
// law's templated functor, fit/src/law_impl.h).
struct Law {
  LawInfo info;
  double (*loss)(const ParamVector& paper_params, const Observation& o);
  void (*to_optimizer)(const ParamVector& paper, ParamVector& optimizer);
  void (*to_paper)(const ParamVector& optimizer, ParamVector& paper);
  std::vector<ParamVector> (*initial_grid)();
  MinimizeResult (*minimize)(const std::vector<Observation>& data, const std::vector<std::size_t>& index,
                             const ParamVector& start_optimizer, double huber_delta, int max_iterations,
                             const std::vector<int>& constant);
};

const std::vector<const Law*>& laws();
const Law* find_law(std::string_view name);

// Expert-count transform of Clark et al. 2022 (arXiv 2202.01169) Eq. 2, shared by
// clark2022 and ludziejewski2025: 1/Ê = 1/(E - 1 + (1/E_start - 1/E_max)^-1) + 1/E_max.
template <class T>
T saturating_experts(T experts, T e_start, T e_max) {
  using std::pow;
  const T inverse = T(1) / (experts - T(1) + T(1) / (T(1) / e_start - T(1) / e_max)) + T(1) / e_max;
  return T(1) / inverse;
}

// ln(sum_i exp(x_i)), stable.
template <class T, std::size_t N>
T log_sum_exp(const std::array<T, N>& x) {
  using std::exp;
  using std::log;
  T m = x[0];
  for (std::size_t i = 1; i < N; ++i)
    if (x[i] > m) m = x[i];
  T s = T(0);
  for (const T& v : x) s += exp(v - m);
  return m + log(s);
}

}  // namespace moesim::fit
