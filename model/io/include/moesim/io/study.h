#pragma once
// The study engine under every front end: a plan of typed axes (parsed once), a cursor that
// walks their Cartesian product in one fixed order (the last axis turns fastest) over any row
// range [first, last), reusing the prepared LatencyModel while only workload axes turn, and
// a bounded Pareto front. `moesim sweep`, the GUI's sweep and Pareto views use it; shards and
// ranks evaluate slices of the same order.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moesim/io/report.h"
#include "moesim/io/sweep.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/estimate.h"
#include "moesim/model/hardware.h"
#include "moesim/model/latency.h"

namespace moesim::io {

inline constexpr std::uint64_t kMaxStudyRows = std::uint64_t{1} << 40;

struct StudyPlan {
  SweepPoint base;
  std::vector<SweepAxis> axes;
  // Profiles by the hw axis' texts; without an hw axis, the one profile under the key "".
  // Empty: no latency (estimates only).
  std::map<std::string, Hardware> hardware;
  // Architectures by the model axis' texts (loaded by the front end); each row of a model
  // starts from it instead of base.arch, and relative fields (granularity) read it.
  std::map<std::string, Architecture> models;
  LatencyPhases phases;
  bool with_latency() const { return !hardware.empty(); }
  std::uint64_t rows() const;  // the product of the axes' sizes (1 without axes)
};

// Loads what an axis names (each profile of an hw axis into plan.hardware, each model of a
// model axis into plan.models; nothing for other fields), once, before any row: a file that
// does not load stops the study. Diagnostics are the loaders'.
void load_axis_inputs(const SweepAxis& axis, StudyPlan& plan, Diagnostics& out);

// Checks the plan before any row runs: at most `max_rows` rows, no field set twice, and every
// value of a deployment axis against the library's rules (validate(Deployment)), so that
// `--set routing_skew=50` is refused as `--routing-skew 50` is. Paths are field names
// ("routing_skew"): the same diagnostic as the option's, which each front end spells.
void validate(const StudyPlan& plan, std::uint64_t max_rows, Diagnostics& out);

// One evaluated row. `problem` is the first broken rule of an invalid design (data, not an
// error); an infeasible design has a latency whose `infeasible` says why.
struct StudyRow {
  std::uint64_t row = 0;
  std::vector<std::size_t> index;  // per axis: which value
  const SweepPoint* point = nullptr;
  bool valid = false;
  std::optional<Diagnostic> problem;
  Estimate estimate;
  LatencyEstimate latency;  // with_latency() only
  bool feasible(const StudyPlan& plan) const { return valid && (!plan.with_latency() || latency.feasible()); }
  std::string reason() const;  // "" when feasible: "invalid: path: message" or the infeasible reason
};

class StudyCursor {
 public:
  // Rows [first, last) of the plan's order; last is clamped to plan.rows().
  StudyCursor(const StudyPlan& plan, std::uint64_t first, std::uint64_t last);
  StudyCursor(const StudyPlan& plan) : StudyCursor(plan, 0, plan.rows()) {}
  // Evaluates the next row; false past the range. Allocation-free for valid rows whose
  // architecture, device and deployment have not changed.
  bool next();
  const StudyRow& row() const { return row_; }
  // "experts=8 top_k=2 hw=h200" (the axis values as written; "base" without axes).
  std::string label() const;

 private:
  const StudyPlan& plan_;
  std::uint64_t next_row_, last_;
  bool started_ = false;
  SweepPoint point_;
  StudyRow row_;
  SweepPoint model_base_;  // the plan's base with the row's model, when there is a model axis
  std::size_t model_axis_;  // its index; axes.size() without one
  std::size_t model_index_ = static_cast<std::size_t>(-1);  // which of its values point_ and model_base_ hold
  std::optional<LatencyModel> latency_model_;
  std::vector<std::size_t> latency_index_;  // the axis values it was prepared for
  Diagnostics problems_;
  bool checked_ = false;  // arch_ and deployment_problems_ hold the verdicts for checked_index_
  std::vector<std::size_t> checked_index_;
  Diagnostics arch_problems_, deployment_problems_;
};

// One output column of a study row; every front end writes the same list (`moesim sweep`'s
// CSV and JSON lines, Python's arrays): the axes, `valid`, every estimate field, and with
// latency every latency field, under the keys of io::estimate_fields() / latency_fields().
struct StudyColumn {
  std::string key;
  int axis = -1;  // >= 0: the value of that axis (its text); no `value`
  Unit unit = Unit::ratio;
  std::function<double(const StudyRow&)> value;  // NaN for an invalid row's estimate fields
};
std::vector<StudyColumn> study_columns(const StudyPlan& plan);

// The minimising 2-D Pareto front of offered points: a point stays unless another is at most
// as large on both coordinates; of equal points the first offered (lowest row) stays. At most
// kMaxPoints points are kept (truncated() says so).
class ParetoFront {
 public:
  static constexpr std::size_t kMaxPoints = 4096;
  struct Point {
    double x, y;
    std::uint64_t row;
    std::string label;
  };
  template <class Label>
  void offer(double x, double y, std::uint64_t row, const Label& label) {
    if (!dominated(x, y)) insert({x, y, row, label()});
  }
  std::vector<Point> sorted() const;  // by x, then y, then row
  bool truncated() const { return truncated_; }

 private:
  bool dominated(double x, double y) const;
  void insert(Point p);
  std::vector<Point> points_;
  bool truncated_ = false;
};

}  // namespace moesim::io
