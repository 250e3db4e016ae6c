#include "views/view.h"

#include <cmath>

namespace moesim::gui {

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> list = [] {
    std::vector<Metric> v;
    for (const io::EstimateField& f : io::estimate_fields())
      v.push_back({std::string(f.key), std::string(f.label), f.unit, false,
                   [&f](const Estimate& e, const LatencyEstimate&) { return f.value(e); }});
    for (const io::LatencyField& f : io::latency_fields())
      v.push_back({std::string(f.key), std::string(f.label), f.unit, true,
                   [&f](const Estimate&, const LatencyEstimate& l) { return f.value(l); }});
    return v;
  }();
  return list;
}

const Metric* find_metric(std::string_view key) {
  for (const Metric& m : metrics())
    if (m.key == key) return &m;
  return nullptr;
}

void add_metric_items(QComboBox& box) {
  for (const Metric& m : metrics()) {
    const char* unit = "";
    switch (m.unit) {
      case io::Unit::params: unit = "params"; break;
      case io::Unit::flop: unit = "FLOP"; break;
      case io::Unit::bytes: unit = "bytes"; break;
      case io::Unit::tokens: unit = "tokens"; break;
      case io::Unit::seconds: unit = "s"; break;
      case io::Unit::per_second: unit = "1/s"; break;
      case io::Unit::ratio: break;
      case io::Unit::joules: unit = "J"; break;
      case io::Unit::usd: unit = "USD"; break;
      case io::Unit::hours: unit = "h"; break;
    }
    box.addItem(QString::fromStdString(m.label) + (*unit ? QString(" [") + unit + "]" : QString()), QString::fromStdString(m.key));
    box.setItemData(box.count() - 1, QString::fromStdString(m.key), Qt::ToolTipRole);
  }
}

Scale display_scale(io::Unit unit, double max_abs) {
  const double a = std::isfinite(max_abs) ? std::fabs(max_abs) : 0;
  switch (unit) {
    case io::Unit::seconds:
      if (a > 0 && a < 1e-3) return {1e6, "µs"};
      if (a > 0 && a < 1) return {1e3, "ms"};
      if (a >= 2 * 86400) return {1.0 / 86400, "days"};
      return {1, "s"};
    case io::Unit::bytes:
      if (a >= 0x1p40) return {0x1p-40, "TiB"};
      if (a >= 0x1p30) return {0x1p-30, "GiB"};
      if (a >= 0x1p20) return {0x1p-20, "MiB"};
      return {1.0 / 1024, "KiB"};
    case io::Unit::params:
      if (a >= 1e9) return {1e-9, "billion params"};
      if (a >= 1e6) return {1e-6, "million params"};
      return {1, "params"};
    case io::Unit::flop:
      if (a >= 1e18) return {1e-18, "EFLOP"};
      if (a >= 1e15) return {1e-15, "PFLOP"};
      if (a >= 1e12) return {1e-12, "TFLOP"};
      if (a >= 1e9) return {1e-9, "GFLOP"};
      return {1, "FLOP"};
    case io::Unit::tokens: return {1, "tokens"};
    case io::Unit::per_second: return {1, "1/s"};
    case io::Unit::ratio: return {1, ""};
    case io::Unit::joules: return {1.0 / 3.6e6, "kWh"};
    case io::Unit::usd: return {1, "USD"};
    case io::Unit::hours: return {1, "h"};
  }
  return {1, ""};
}

QString axis_label(const QString& what, const Scale& scale) {
  return scale.unit.isEmpty() ? what : what + " [" + scale.unit + "]";
}

QString qhuman(double value, io::Unit unit) { return QString::fromStdString(io::human(value, unit)); }

View::View(Session& session, QWidget* parent) : QWidget(parent), session_(session), figure_(new QWidget(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(figure_, 1);
  auto* figure_layout = new QVBoxLayout(figure_);
  figure_layout->setContentsMargins(0, 0, 0, 0);
  status_ = new QLabel(figure_);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  figure_layout->addWidget(status_);
  body_ = new QVBoxLayout;
  figure_layout->addLayout(body_, 1);
  figure_->setAutoFillBackground(true);
  QPalette p = figure_->palette();
  p.setColor(QPalette::Window, Qt::white);
  figure_->setPalette(p);
}

void View::set_controls(QWidget* controls) {
  controls_ = controls;
  if (controls) static_cast<QVBoxLayout*>(layout())->insertWidget(0, controls);
}

void View::render_mode() {
  if (controls_) controls_->setVisible(false);
  layout()->setContentsMargins(0, 0, 0, 0);
  figure_->layout()->setContentsMargins(6, 4, 6, 4);
}

void View::set_status(const QString& text, bool error) {
  status_->setText(text);
  status_error_ = error;
  status_->setStyleSheet(error ? "color: #b00020; font-weight: bold;" : "color: #202020;");
}

Plot* View::add_plot() {
  auto* plot = new Plot(figure_);
  plots_.push_back(plot);
  return plot;
}

}  // namespace moesim::gui
