#pragma once
// Sweep: one output figure against one sweep field (io::sweep_fields(), the table behind
// `moesim sweep --set`), one curve per value of a second field (e.g. one per device). Long
// sweeps run on a worker thread with a progress bar and a cancel button.
#include <QPointer>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "moesim/io/study.h"
#include "moesim/io/sweep.h"
#include "views/view.h"

class QComboBox;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QThread;

namespace moesim::gui {

// The settings, parsed and checked before any row is computed: the library's study plan
// (axes: the series field, if any, then x, so each curve is a run of rows) and the figure.
struct SweepPlan {
  io::StudyPlan study;  // hardware: by name; "" = the session's device
  bool has_series = false;
  const Metric* y = nullptr;
  const io::SweepAxis& x() const { return study.axes.back(); }
  const io::SweepAxis* series() const { return has_series ? &study.axes.front() : nullptr; }
  std::size_t size() const { return static_cast<std::size_t>(study.rows()); }
};
// More rows than a plot can show usefully (each row keeps its point and tooltip).
inline constexpr std::uint64_t kMaxSweepViewRows = 1000000;
std::optional<SweepPlan> plan_sweep(const Session& s, const Resolved& r, Diagnostics& out);

struct SweepRow {
  double x = 0;       // the value, or the category index for names (hw, formats, phase)
  double y = 0;
  bool valid = true;  // false: the design breaks a rule (reason)
  bool feasible = true;
  std::string config;  // "experts=16 hw=h200"
  std::string reason;
};
struct SweepCurve {
  std::string name;
  std::vector<SweepRow> rows;
};
struct SweepResult {
  std::vector<SweepCurve> curves;
  std::vector<std::string> x_texts;  // the x axis values as written
  bool numeric_x = true;
  bool cancelled = false;
  std::size_t rows_done = 0;
};
// `progress(done, total)` is called now and then; `cancel` (may be null) stops between rows.
SweepResult run_sweep(const SweepPlan& plan, const std::atomic<bool>* cancel = nullptr,
                      const std::function<void(std::size_t, std::size_t)>& progress = {});

class SweepView : public View {
  Q_OBJECT

 public:
  // Sweeps above this many rows run on a worker thread.
  static constexpr std::size_t kSynchronousRows = 400;
  explicit SweepView(Session& session, QWidget* parent = nullptr);
  ~SweepView() override;
  void refresh(const Resolved& resolved, bool wait = false) override;
  void sync_controls() override;
  const SweepResult& result() const { return result_; }
  Plot* plot() const { return plot_; }
  bool running() const { return thread_ != nullptr; }
  void cancel();

 private:
  void draw();
  void stop_worker();
  void read_controls();
  Plot* plot_;
  QComboBox *x_, *series_, *y_;
  QLineEdit *values_, *series_values_;
  QProgressBar* progress_;
  QPushButton* cancel_button_;
  SweepResult result_;
  QThread* thread_ = nullptr;
  std::shared_ptr<std::atomic<bool>> cancel_;
  int generation_ = 0;
};

}  // namespace moesim::gui
