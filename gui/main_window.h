#pragma once
// The main window: the input panel on the left, the five views on the right, the File menu.
// It owns the Session and the last valid resolved inputs: an edit that does not resolve
// shows its errors beside the fields and leaves the views on the last valid design.
#include <QMainWindow>
#include <optional>

#include "session.h"

class QCloseEvent;
class QTabWidget;
class QTimer;

namespace moesim::gui {

class InputPanel;
class View;
class CostView;
class SweepView;
class ScalingView;
class ParetoView;
class CalibrationView;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(Session session = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  const Session& session() const { return session_; }
  void set_session(const Session& session);  // as File > Load session
  // Resolves the session now and redraws the current view (edits do it after a short debounce).
  void recompute();
  // File menu actions without their dialogs; false and the diagnostics on failure.
  void open_model(const std::string& spec);
  void open_hardware(const std::string& spec);
  bool load_session_file(const std::string& path, Diagnostics& out);
  bool save_session_file(const std::string& path, Diagnostics& out);

  // The session differs from the one last loaded or saved (the built-in defaults at first):
  // the title says "(modified)" and closing the window asks whether to save it.
  bool modified() const;

  const std::optional<Resolved>& last_valid() const { return valid_; }
  const Diagnostics& diagnostics() const { return diagnostics_; }
  InputPanel* inputs() const { return inputs_; }
  QTabWidget* tabs() const { return tabs_; }
  CostView* cost_view() const { return cost_; }
  SweepView* sweep_view() const { return sweep_; }
  ScalingView* scaling_view() const { return scaling_; }
  ParetoView* pareto_view() const { return pareto_; }
  CalibrationView* calibration_view() const { return calibration_; }

 private:
  void schedule();
  void refresh_current();
  void build_menu();
  void export_current_view();
  void update_title();
  // After a file was opened into `field` ("/model/spec"): the title names it while it fails.
  void note_load(const std::string& spec, const std::string& field);
  bool save_with_dialog();
  void closeEvent(QCloseEvent* event) override;
  Session session_;
  io::Json saved_;        // session_json of the session as last loaded or saved
  QString session_file_;  // where it was loaded from or saved to; empty: the built-in defaults
  QString load_failure_;  // the last file that did not load, until the next load or save
  std::optional<Resolved> valid_;
  Diagnostics diagnostics_;
  InputPanel* inputs_;
  QTabWidget* tabs_;
  CostView* cost_;
  SweepView* sweep_;
  ScalingView* scaling_;
  ParetoView* pareto_;
  CalibrationView* calibration_;
  std::vector<View*> views_;
  std::vector<bool> stale_;
  QTimer* debounce_;
};

}  // namespace moesim::gui
