#include "views/calibration_view.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <algorithm>
#include <charconv>
#include <cmath>

#include "moesim/io/csv.h"
#include "moesim/io/json_reader.h"
#include "moesim/model/quantile.h"

namespace moesim::gui {

double CalibrationPoint::abs_error_pct() const { return std::fabs(predicted_s / measured_s - 1) * 100; }

void compute_error_statistics(CalibrationData& data) {
  std::vector<double> e;
  for (const CalibrationPoint& p : data.points) e.push_back(p.abs_error_pct());
  if (e.empty()) return;
  data.median_abs_error_pct = quantile(e, 0.5);  // the rule moesim validate uses
  data.p90_abs_error_pct = quantile(e, 0.9);
}

std::optional<CalibrationData> read_calibration_csv(const std::string& path, Diagnostics& out) {
  const std::size_t before = out.size();
  const auto text = io::read_text_file(path, out);
  if (!text) return std::nullopt;
  const auto table = io::parse_csv(*text, path, out);
  if (!table) return std::nullopt;
  const auto& header = table->header;
  auto column = [&](const std::string& name, bool required) -> std::optional<std::size_t> {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it != header.end()) return static_cast<std::size_t>(it - header.begin());
    if (required) {
      const std::string hint = io::closest_name(name, std::vector<std::string_view>(header.begin(), header.end()));
      out.push_back({path, "missing_column", "no column \"" + name + "\"" + (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)")});
    }
    return std::nullopt;
  };
  const auto measured = column("measured_s", true), predicted = column("predicted_s", true), config = column("config", false),
             kind = column("kind", false);
  if (out.size() != before) return std::nullopt;
  CalibrationData data;
  for (std::size_t r = 0; r < table->rows.size(); ++r) {
    const auto& row = table->rows[r];
    const std::size_t line = table->line[r];
    auto number = [&](std::size_t c) {
      double v = NAN;
      const std::string& s = row[c];
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size() || !(v > 0) || !std::isfinite(v)) {
        out.push_back({path + ":" + std::to_string(line) + ":" + std::to_string(c + 1), "not_a_number",
                       "line " + std::to_string(line) + ", column " + std::to_string(c + 1) + " (" + header[c] + "): \"" + s +
                           "\" is not a positive number of seconds"});
        return std::nan("");
      }
      return v;
    };
    CalibrationPoint p{kind ? row[*kind] : "", config ? row[*config] : "row " + std::to_string(r + 1), number(*measured), number(*predicted)};
    data.points.push_back(p);
  }
  if (data.points.empty() && out.size() == before) out.push_back({path, "empty", "no data rows"});
  if (out.size() != before) return std::nullopt;
  compute_error_statistics(data);
  return data;
}

CalibrationView::CalibrationView(Session& session, QWidget* parent) : View(session, parent) {
  auto* controls = new QWidget(this);
  auto* row = new QHBoxLayout(controls);
  row->setContentsMargins(0, 0, 0, 0);
  csv_ = new QLineEdit(controls);
  csv_->setPlaceholderText("a moesim validate CSV: measured_s, predicted_s, optional config");
  auto* open = new QPushButton("Open CSV...", controls);
  row->addWidget(new QLabel("measurements", controls));
  row->addWidget(csv_, 1);
  row->addWidget(open);
  set_controls(controls);
  plot_ = add_plot();
  body_->addWidget(plot_, 1);
  sync_controls();
  connect(csv_, &QLineEdit::editingFinished, this, &CalibrationView::read_controls);
  connect(open, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open validation CSV", {}, "CSV (*.csv);;all files (*)");
    if (path.isEmpty()) return;
    csv_->setText(path);
    read_controls();
  });
}

void CalibrationView::sync_controls() { csv_->setText(QString::fromStdString(session_.calibration.csv)); }

void CalibrationView::read_controls() {
  const std::string csv = csv_->text().toStdString();
  if (csv == session_.calibration.csv) return;
  session_.calibration.csv = csv;
  emit settings_changed();
}

void CalibrationView::refresh(const Resolved&, bool) {
  if (loaded_ && *loaded_ == session_.calibration.csv) return;  // depends on the file only
  if (session_.calibration.csv.empty()) {
    data_.reset();
  } else {
    Diagnostics d;
    auto data = read_calibration_csv(session_.calibration.csv, d);
    if (!data) {
      QString text;
      for (const Diagnostic& x : d) text += QString::fromStdString(x.path + ": " + x.message) + "\n";
      set_status(text.trimmed(), true);
      return;
    }
    data_ = std::move(data);
  }
  loaded_ = session_.calibration.csv;
  draw();
}

void CalibrationView::draw() {
  Plot& p = *plot_;
  p.clear();
  p.set_title("calibration: predicted against measured time");
  if (!data_) {
    p.set_axes({"measured [s]", true, 1e-4, 10.0}, {"predicted [s]", true, 1e-4, 10.0});
    p.add_series({"y = x", {1e-4, 10}, {1e-4, 10}, {}, QColor(80, 80, 80), true, true, Marker::none, 0, false, true});
    p.set_note("no measurements loaded: open a `moesim validate` CSV (columns measured_s and predicted_s, in seconds;\n"
               "optionally config) to compare moesim's predictions with measured times");
    p.replot();
    set_status("no calibration data", false);
    return;
  }
  const CalibrationData& d = *data_;
  double lo = INFINITY, hi = 0;
  std::vector<Series> kinds;  // one colour per kind of measurement
  for (const CalibrationPoint& c : d.points) {
    lo = std::min({lo, c.measured_s, c.predicted_s});
    hi = std::max({hi, c.measured_s, c.predicted_s});
    const QString kind = c.kind.empty() ? QString("measurements") : QString::fromStdString(c.kind);
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const Series& s) { return s.name == kind; });
    if (it == kinds.end()) {
      kinds.push_back({kind, {}, {}, {}, palette_color(static_cast<int>(kinds.size())), false, false, Marker::circle, 8, false, true});
      it = std::prev(kinds.end());
    }
    it->x.push_back(c.measured_s);
    it->y.push_back(c.predicted_s);
    it->tips.push_back(QString("%1\nmeasured %2, predicted %3 (%4%5%)")
                           .arg(QString::fromStdString(c.config), qhuman(c.measured_s, io::Unit::seconds),
                                qhuman(c.predicted_s, io::Unit::seconds), c.predicted_s >= c.measured_s ? "+" : "-",
                                QString::number(c.abs_error_pct(), 'f', 1)));
  }
  const double a = lo / 2, b = hi * 2;
  p.set_axes({"measured [s]", true, a, b}, {"predicted [s]", true, a, b});
  p.add_series({"y = x", {a, b}, {a, b}, {}, QColor(80, 80, 80), true, true, Marker::none, 0, false, true});
  for (const Series& k : kinds) p.add_series(k);
  const QString stats = QString("%1 measurements: median |error| %2%, 90th percentile %3%")
                            .arg(d.points.size())
                            .arg(d.median_abs_error_pct, 0, 'f', 1)
                            .arg(d.p90_abs_error_pct, 0, 'f', 1);
  p.set_note(stats);
  p.set_legend_position(Qt::AlignBottom | Qt::AlignRight);
  p.replot();
  set_status(QString::fromStdString(session_.calibration.csv).toHtmlEscaped() + ": " + stats, false);
}

}  // namespace moesim::gui
