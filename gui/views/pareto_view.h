#pragma once
// Pareto: what the optimizer finds at the session's budget and device, the least predicted
// loss at each cost (decode step, decode throughput, total parameters or weights; fit::tradeoff
// under the scaling view's law, K and G lists and limits); beside it candidate designs around
// the current one (the Cartesian product of sweep axes), each with the loss the law predicts
// for its N, N_a, D = budget / training FLOPs per token and S = (E - K) / E, the front of those
// no other beats on both, and the current design.
#include <optional>

#include "moesim/fit/io/fit_file.h"
#include "moesim/fit/optimize.h"
#include "moesim/io/study.h"
#include "views/view.h"

class QComboBox;
class QLineEdit;

namespace moesim::gui {

struct ParetoCandidate {
  std::string config;  // "experts=16 top_k=2"; "current design" for the session's own
  bool valid = true;   // false: breaks a rule of validate() (reason)
  bool feasible = true;
  std::string reason;
  double cost = 0;     // the x metric
  double loss = 0;
  fit::Observation inputs;  // what the law was given
};
struct ParetoResult {
  std::vector<ParetoCandidate> candidates;
  std::vector<std::size_t> front;  // indices into candidates, by increasing cost
  ParetoCandidate current;
  const Metric* x = nullptr;
  std::string law;
  std::string law_warning;  // fit::unidentified_warning of the law
  // The optimizer's front: served as the candidates are (the session's hardware, batch,
  // context and device count); points by falling cost, each with its cost in x's unit.
  fit::Serving serving;              // devices, batch and context (its hw: the session's)
  std::optional<fit::Limit> traced;  // the limit x is; none: no front (front_note says why)
  std::vector<fit::ConstrainedOptimum> optimal;
  std::vector<double> optimal_cost;
  fit::Family family;                 // of the optimizer's designs
  std::optional<fit::LoadedLaw> loaded_law;
  std::string front_note;
};
// The limit of fit::optimize that bounds an output figure, when one does.
std::optional<fit::Limit> traced_limit(std::string_view metric_key);
// One row of the study as a candidate: its cost, and the law's loss at the session's budget.
ParetoCandidate evaluate_candidate(const Session& s, const fit::LoadedLaw& law, const Metric& x, const io::StudyPlan& plan,
                                   const io::StudyRow& row);
// More candidates than the view computes synchronously on a change.
inline constexpr std::uint64_t kMaxParetoCandidates = 20000;
std::optional<ParetoResult> compute_pareto(const Session& s, const Resolved& r, Diagnostics& out);

class ParetoView : public View {
  Q_OBJECT

 public:
  explicit ParetoView(Session& session, QWidget* parent = nullptr);
  void refresh(const Resolved& resolved, bool wait = false) override;
  void sync_controls() override;
  const std::optional<ParetoResult>& result() const { return result_; }
  Plot* plot() const { return plot_; }
  // Writes the design of the optimizer's point `i` as a native model file and emits design_chosen.
  void choose_design(std::size_t i);

 private:
  void read_controls();
  void draw();
  void draw_optimal(const Scale& scale);
  Plot* plot_;
  QLineEdit *axes_, *budget_;
  QComboBox* x_;
  std::optional<ParetoResult> result_;
};

}  // namespace moesim::gui
