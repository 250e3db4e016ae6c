#pragma once
// Pareto: candidate designs around the current one (the Cartesian product of sweep axes),
// each with the loss the chosen law predicts for its N, N_a, D = budget / training FLOPs per
// token and S = (E - K) / E, against a cost on the chosen device (decode latency, memory,
// training time, ...); the front of designs no other beats on both, and the current design.
#include <optional>

#include "moesim/fit/io/fit_file.h"
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
};
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

 private:
  void read_controls();
  void draw();
  Plot* plot_;
  QLineEdit *axes_, *budget_;
  QComboBox* x_;
  std::optional<ParetoResult> result_;
};

}  // namespace moesim::gui
