#pragma once
// Optimal-sparsity frontiers (Abnar et al. 2025, arXiv 2501.12370): for a compute budget C
// (or a total size N), which sparsity, total and active size minimise the predicted loss.
// The active parameters and FLOPs per token of each candidate come from moesim::model
// applied to a concrete architecture, not from a fixed fraction.
#include <cstdint>
#include <vector>

#include "moesim/fit/law.h"
#include "moesim/model/architecture.h"
#include "moesim/model/number_format.h"
#include "moesim/model/workload.h"

namespace moesim::fit {

// A rule that turns a width and a sparsity into a concrete MoE. Defaults follow Abnar et al.
// 2025 §3 / App. C: GLU experts of width 4 * d_model / granularity, E = K / (1 - S) experts at
// fixed top-K, vocabulary 50,432, context 2,048, every layer MoE.
struct Family {
  std::int64_t top_k = 1;
  double granularity = 1;
  double aspect_ratio = 128;   // d_model / layers
  std::int64_t head_dim = 64;  // heads = d_model / head_dim (MHA)
  std::int64_t vocab_size = 50432;
  std::int64_t context = 2048;
  bool exact_flops = true;     // model/'s training FLOPs per token; false: 6 * N_active
  double expert_width_factor = 4;  // GLU expert width = factor * d_model / granularity
  // The law's N_act counts the input embedding too (Ludziejewski et al. 2025, Eq. 9-10);
  // otherwise N_act excludes it (DeepSeek's convention, REFERENCE.md §2).
  bool active_includes_embedding = false;
  NumberFormat weight_format;  // every weight matrix and embedding
};

// Ludziejewski et al. 2025 (arXiv 2502.05172) conventions, REFERENCE.md §1.5-1.6: SwiGLU
// experts of width 3 d, n_blocks = heads = d / 64, vocabulary 50,257 untied, Switch top-1,
// N_act with embeddings, F = 6 N_act D.
Family ludziejewski2025_family();
// The expert counts they compare (their Table 1 and Fig. 2: 1 to 64): that family's design
// space unless a front end is given others.
const std::vector<std::int64_t>& ludziejewski2025_experts();

// The architecture of width d_model at sparsity S (E rounded to an integer >= K; S = 0 is E = K).
Architecture family_architecture(const Family& family, double d_model, double sparsity);
// ... with exactly `experts` experts (>= K).
Architecture family_architecture_with_experts(const Family& family, double d_model, std::int64_t experts);

struct Candidate {
  double sparsity = 0;        // as realised: (E - K) / E
  std::int64_t experts = 0;
  double d_model = 0;
  std::int64_t layers = 0;
  double total_params = 0;    // N (the law's N)
  double active_params = 0;   // per token, excluding the input embedding
  double flops_per_token = 0; // training, forward + backward
  double tokens = 0;          // D = C / flops_per_token
  double loss = 0;
  double budget_flops = 0;
};

struct FrontierOptions {
  Family family;
  std::vector<double> budgets;     // FLOPs
  std::size_t sparsity_levels = 100;  // S from 0 to max_sparsity
  double max_sparsity = 0.98;
  double min_d_model = 128;
  double max_d_model = 65536;
  std::size_t width_points = 256;  // log-spaced widths per sparsity
};

struct Frontier {
  std::vector<Candidate> optimum;                 // per budget: the best over S and N
  std::vector<std::vector<Candidate>> isoflop;    // per budget: the best N at each sparsity level
  std::vector<double> dense_equivalent_ratio;     // per budget: compute a dense (S = 0) model needs to match
};

// Laws whose inputs are (N, D, S): abnar2025 and chinchilla (S ignored).
Frontier compute_frontier(const Law& law, const ParamVector& params, const FrontierOptions& options);

// What a law reads of one concrete design trained on `training_flops` FLOPs under the training
// settings of `workload` (its phase is taken as train): N = total parameters, N_a = active
// without the input embedding, D = FLOPs / training FLOPs per token, S = (E - K)/E and E (at
// least 1), as compute_frontier forms them for its own family.
Observation design_observation(const Architecture& arch, const Workload& workload, double training_flops);

// The compute a dense (E = K) model of the family needs to reach `loss`, over `budget_flops`
// (infinity when 1e4 times the budget does not reach it).
double dense_equivalent_ratio(const Law& law, const ParamVector& params, const FrontierOptions& options, double loss,
                              double budget_flops);

// At fixed total N: the loss-minimising sparsity for each budget.
// Laws it applies to: a design search over (N, D, S) — Abnar et al.'s, or a dense law (S = 0).
bool has_fixed_size_optima(const LawInfo& info);
std::vector<Candidate> fixed_size_optima(const Law& law, const ParamVector& params, const FrontierOptions& options,
                                         double total_params);

// Krajewski et al. 2024, Eq. 10 compute model (E = 64): the best granularity per budget.
struct GranularityOptimum {
  double budget_flops, granularity, total_params, tokens, loss;
};
std::vector<GranularityOptimum> krajewski_optima(const ParamVector& params, const std::vector<double>& budgets);

// Ludziejewski et al. 2025 with C = 6 N_act D: the best N_act and D for each expert count.
struct ExpertCountOptimum {
  double budget_flops, experts, active_params, tokens, loss;
};
std::vector<ExpertCountOptimum> ludziejewski_optima(const ParamVector& params, const std::vector<double>& budgets,
                                                    const std::vector<double>& expert_counts);

// Chinchilla's closed form (Hoffmann et al. 2022 Eq. 4; REFERENCE.md §1.1) with C = 6 N D.
struct ComputeOptimal {
  double total_params, tokens, loss;
};
ComputeOptimal chinchilla_optimum(const ParamVector& params, double budget_flops);

}  // namespace moesim::fit
