#pragma once
// Scaling law: IsoFLOP curves L(S) per budget and the frontier S*(C), N*, N_a*, D* of
// fit::compute_frontier (abnar2025, chinchilla), Krajewski's optimal granularity and
// Ludziejewski's optimal active size per expert count; a fitted data set overlaid with its
// residuals against the law.
#include <optional>

#include "moesim/fit/frontier.h"
#include "moesim/fit/optimize.h"
#include "moesim/fit/io/fit_file.h"
#include "moesim/fit/io/scaling_data.h"
#include "views/view.h"

class QComboBox;
class QLineEdit;

namespace moesim::gui {

struct ScalingResult {
  fit::LoadedLaw law;
  std::vector<double> budgets;
  std::optional<fit::Frontier> frontier;                // abnar2025, chinchilla
  std::vector<fit::ConstrainedOptimum> constrained;     // ... under the settings' limits, when any
  std::vector<fit::Candidate> fixed_size;              // S* at the settings' fixed total size, when given
  std::vector<std::vector<bool>> isoflop_breaks;        // per budget and IsoFLOP point: breaks a limit
  fit::FrontierOptions curves;                          // of the frontier's designs: family, max sparsity
  std::vector<fit::Candidate> loaded;                   // per budget: the session's model under the law (empty: not drawn)
  std::vector<fit::GranularityOptimum> granularity;     // krajewski2024
  std::vector<fit::ExpertCountOptimum> expert_counts;   // ludziejewski2025
  std::optional<fit::ScalingData> data;
  std::vector<double> predicted;  // the law's loss at each data point
  std::string note;               // what the law cannot show
};
// The settings' family lists, read and checked (paths /scaling/...).
struct ScalingSpace {
  std::vector<std::int64_t> top_k{1};
  std::vector<double> granularity{1};
  double fixed_size = 0;  // 0: none
};
std::optional<ScalingSpace> parse_space(const ScalingSettings& settings, Diagnostics& out);
// Whether the optimizer runs beside the curves: limits, or more than one K or G.
inline bool searches(const ScalingSettings& s, const ScalingSpace& space) {
  return s.has_limits() || space.top_k.size() > 1 || space.granularity.size() > 1;
}
// The settings as the optimizer's options over the curves' family `f` (its budgets), the K and
// G lists and the limits; `serving_hw` serves every design (the scaling view passes it only
// with devices > 0, the Pareto view always). Diagnostics at the session file's paths.
std::optional<fit::OptimizeOptions> optimize_options(const ScalingSettings& settings, const ScalingSpace& space,
                                                     const fit::FrontierOptions& f, const Hardware* serving_hw, Diagnostics& out);
// The frontier options `moesim frontier` uses by default (its --top-k, --granularity, ...).
// The family as the settings give it (the first K and G of `space`, max sparsity; dense only
// for a law without S).
fit::FrontierOptions frontier_options(const std::string& law_name, const std::vector<double>& budgets, const ScalingSettings& s = {},
                                      const ScalingSpace& space = {});
// The session's model at each budget as the law sees it (N, N_a without the input embedding,
// D = C / its training FLOPs per token at the family's context, S = (E - K)/E): where it sits
// beside the IsoFLOP curves. Empty for laws without a design search.
std::vector<fit::Candidate> loaded_model_points(const ScalingResult& r, const Architecture& arch);
// Writes an optimum's design (budget `budget`) as a native model file in the system's temporary
// folder, for the cost view to load: its path, or empty with a diagnostic.
std::string write_design_file(const fit::LoadedLaw& law, const fit::Family& family, const fit::Design& design, double budget,
                              const std::string& suffix, Diagnostics& out);
// `hw` serves the designs when the settings name devices (the session's hardware).
std::optional<ScalingResult> compute_scaling(const ScalingSettings& settings, const Hardware* hw, Diagnostics& out);

class ScalingView : public View {
  Q_OBJECT

 public:
  explicit ScalingView(Session& session, QWidget* parent = nullptr);
  void refresh(const Resolved& resolved, bool wait = false) override;
  void sync_controls() override;
  const std::optional<ScalingResult>& result() const { return result_; }
  // Writes the design of an optimum (`constrained`: under the limits, else unconstrained) of
  // budget row `row` as a native model file, and emits design_chosen with its path.
  void choose_design(bool constrained, std::size_t row);
  Plot* isoflop_plot() const { return isoflop_; }
  Plot* frontier_plot() const { return frontier_; }
  Plot* residual_plot() const { return residuals_; }

 private:
  void read_controls();
  void draw();
  QWidget* build_family_and_limits_row();
  void draw_frontier(const ScalingResult& r, const QString& law);
  void draw_loaded(const ScalingResult& r);
  void draw_fixed_size(const ScalingResult& r);
  void draw_granularity(const ScalingResult& r, const QString& law);
  void draw_expert_counts(const ScalingResult& r, const QString& law);
  void draw_residuals(const ScalingResult& r);
  QString draw_constrained(const ScalingResult& r);
  Plot *isoflop_, *frontier_, *residuals_;
  QComboBox* law_;
  QLineEdit *budgets_, *data_, *columns_, *top_k_, *granularity_, *max_sparsity_, *fixed_size_;
  QLineEdit *max_params_, *max_memory_, *kv_tokens_, *devices_, *serve_batch_, *serve_context_, *max_latency_, *inference_tokens_;
  std::optional<ScalingResult> result_;
  std::optional<std::pair<ScalingSettings, std::string>> computed_for_;  // settings and hardware
};

}  // namespace moesim::gui
