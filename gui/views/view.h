#pragma once
// What the five views share: the session they read and edit, the figure that --render grabs,
// the plots the File menu exports, and the output figures by key (io::estimate_fields() and
// io::latency_fields(), the lists the CLI's table, JSON and CSV writers read).
#include <QComboBox>
#include <QLabel>
#include <QVBoxLayout>
#include <QString>
#include <QWidget>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/io/report.h"
#include "plot_adapter.h"
#include "session.h"

namespace moesim::gui {

// One output figure of an estimate or a latency estimate.
struct Metric {
  std::string key;  // "memory.total_bytes", "latency.decode_step_s"
  std::string label;
  io::Unit unit;
  bool needs_latency;
  std::function<double(const Estimate&, const LatencyEstimate&)> value;
};
const std::vector<Metric>& metrics();
const Metric* find_metric(std::string_view key);
// A choice per output figure, shown as words with the unit ("decode step [s]"), its key
// ("latency.decode_step_s") as the item's data and tooltip.
void add_metric_items(QComboBox& box);

// Axis units for people: a value is drawn as value * factor, labelled "[unit]".
struct Scale {
  double factor = 1;
  QString unit;
};
Scale display_scale(io::Unit unit, double max_abs);
QString axis_label(const QString& what, const Scale& scale);
QString qhuman(double value, io::Unit unit);  // io::human as a QString

class View : public QWidget {
  Q_OBJECT

 public:
  View(Session& session, QWidget* parent);
  // Recomputes from the session and its resolved inputs, and redraws. `wait`: long work
  // runs on this thread and is finished on return (headless rendering, tests).
  virtual void refresh(const Resolved& resolved, bool wait = false) = 0;
  // Session -> this view's own controls (after a session is loaded).
  virtual void sync_controls() {}
  QWidget* figure() const { return figure_; }
  const std::vector<Plot*>& plots() const { return plots_; }
  QString status() const { return status_->text(); }
  bool status_is_error() const { return status_error_; }
  // For --render: no controls, no margins; the figure fills the view.
  void render_mode();

 signals:
  void settings_changed();                        // the view edited its part of the session
  void design_chosen(const QString& model_path);  // load this model file into the cost view

 protected:
  // Lays out: controls (may be null) above the figure; the figure holds a status line and
  // the plots the subclass makes with add_plot() and places in body_.
  void set_controls(QWidget* controls);
  void set_status(const QString& text, bool error);
  Plot* add_plot();
  Session& session_;
  QWidget* figure_;
  QLabel* status_;
  QVBoxLayout* body_;
  QWidget* controls_ = nullptr;
  bool status_error_ = false;
  std::vector<Plot*> plots_;
};

}  // namespace moesim::gui
