#include "views/sweep_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <cmath>


namespace moesim::gui {
namespace {

std::optional<io::SweepAxis> parse_axis(const std::string& field, const std::string& values, const std::string& path,
                                        Diagnostics& out) {
  Diagnostics d;
  auto axis = io::parse_sweep_axis(field + "=" + values, d);
  for (const Diagnostic& x : d) out.push_back({path, x.code, x.message});
  return axis;
}

}  // namespace

std::optional<SweepPlan> plan_sweep(const Session& s, const Resolved& r, Diagnostics& out) {
  const std::size_t before = out.size();
  SweepPlan p;
  io::StudyPlan& study = p.study;
  study.base = {r.model.arch, r.workload, r.deployment, "", ""};
  study.hardware.emplace("", r.hardware);
  p.has_series = !s.sweep.series.empty();
  if (p.has_series) {
    if (auto series = parse_axis(s.sweep.series, s.sweep.series_values, "/sweep/series_values", out)) study.axes.push_back(std::move(*series));
    if (s.sweep.series == s.sweep.x) out.push_back({"/sweep/series", "duplicate", "field \"" + s.sweep.x + "\" is set twice"});
  }
  if (auto x = parse_axis(s.sweep.x, s.sweep.values, "/sweep/values", out)) study.axes.push_back(std::move(*x));
  p.y = find_metric(s.sweep.y);
  if (!p.y) out.push_back({"/sweep/y", "unknown_column", "\"" + s.sweep.y + "\" is not an output figure"});
  if (out.size() != before) return std::nullopt;
  for (const io::SweepAxis& a : study.axes) {  // the profiles and models the axes name
    Diagnostics e;
    io::load_axis_inputs(a, study, e);
    for (const Diagnostic& x : e)
      out.push_back({&a == &p.x() ? "/sweep/values" : "/sweep/series_values", x.code, x.path.empty() ? x.message : x.path + ": " + x.message});
  }
  if (out.size() != before) return std::nullopt;
  Diagnostics d;
  io::validate(study, kMaxSweepViewRows, d);
  for (const Diagnostic& x : d) {
    const bool on_x = x.path == p.x().field || x.code == "too_many_rows";
    out.push_back({on_x ? "/sweep/values" : "/sweep/series_values", x.code, x.path + ": " + x.message});
  }
  if (out.size() != before) return std::nullopt;
  return p;
}

SweepResult run_sweep(const SweepPlan& plan, const std::atomic<bool>* cancel, const std::function<void(std::size_t, std::size_t)>& progress) {
  SweepResult res;
  const io::SweepAxis& x = plan.x();
  const io::SweepAxis* series = plan.series();
  res.numeric_x = x.numeric;
  for (const io::AxisValue& v : x.values) res.x_texts.push_back(v.text);
  const std::size_t total = plan.size();
  io::StudyCursor cursor(plan.study);
  while (cursor.next()) {
    if (cancel && cancel->load()) {
      res.cancelled = true;
      return res;
    }
    const io::StudyRow& r = cursor.row();
    const std::size_t i = r.index.back(), c = series ? r.index.front() : 0;
    if (i == 0) {  // a new curve starts
      SweepCurve curve;
      const bool named = series && (series->field == "hw" || series->field == "model");  // a device or model names itself
      curve.name = series ? (named ? "" : series->field + "=") + series->values[c].text : plan.y->label;
      res.curves.push_back(std::move(curve));
    }
    SweepRow row;
    row.x = res.numeric_x ? x.values[i].number : static_cast<double>(i);
    row.config = cursor.label();
    row.valid = r.valid;
    row.feasible = r.feasible(plan.study);
    row.reason = r.reason();
    if (r.valid) row.y = plan.y->value(r.estimate, r.latency);
    res.curves.back().rows.push_back(std::move(row));
    ++res.rows_done;
    if (progress && (res.rows_done % 64 == 0 || res.rows_done == total)) progress(res.rows_done, total);
  }
  return res;
}

SweepView::SweepView(Session& session, QWidget* parent) : View(session, parent) {
  auto* controls = new QWidget(this);
  auto* row = new QHBoxLayout(controls);
  row->setContentsMargins(0, 0, 0, 0);
  x_ = new QComboBox(controls);
  series_ = new QComboBox(controls);
  series_->addItem("(one curve)", QString());
  for (const io::SweepFieldInfo& f : io::sweep_fields()) {  // words with units; the field name in the tooltip
    const QString name = QString::fromUtf8(f.name.data(), static_cast<int>(f.name.size()));
    const QString tip = name + ": " + QString::fromUtf8(f.help.data(), static_cast<int>(f.help.size()));
    const QString label = QString::fromUtf8(f.label.data(), static_cast<int>(f.label.size()));
    for (QComboBox* box : {x_, series_}) {
      box->addItem(label, name);
      box->setItemData(box->count() - 1, tip, Qt::ToolTipRole);
    }
  }
  values_ = new QLineEdit(controls);
  values_->setToolTip("values: a list 8,16,64, a range 1..8 or a geometric range 1..1024*2");
  series_values_ = new QLineEdit(controls);
  y_ = new QComboBox(controls);
  add_metric_items(*y_);
  progress_ = new QProgressBar(controls);
  progress_->setVisible(false);
  cancel_button_ = new QPushButton("Cancel", controls);
  cancel_button_->setVisible(false);
  row->addWidget(new QLabel("x", controls));
  row->addWidget(x_);
  row->addWidget(values_, 2);
  row->addWidget(new QLabel("curves", controls));
  row->addWidget(series_);
  row->addWidget(series_values_, 2);
  row->addWidget(new QLabel("y", controls));
  row->addWidget(y_, 1);
  row->addWidget(progress_, 1);
  row->addWidget(cancel_button_);
  set_controls(controls);
  plot_ = add_plot();
  plot_->put_legend_below();
  body_->addWidget(plot_, 1);
  sync_controls();
  connect(x_, &QComboBox::activated, this, &SweepView::read_controls);
  connect(series_, &QComboBox::activated, this, &SweepView::read_controls);
  connect(y_, &QComboBox::activated, this, &SweepView::read_controls);
  connect(values_, &QLineEdit::editingFinished, this, &SweepView::read_controls);
  connect(series_values_, &QLineEdit::editingFinished, this, &SweepView::read_controls);
  connect(cancel_button_, &QPushButton::clicked, this, &SweepView::cancel);
}

SweepView::~SweepView() { stop_worker(); }

void SweepView::sync_controls() {
  const SweepSettings& s = session_.sweep;
  x_->setCurrentIndex(std::max(0, x_->findData(QString::fromStdString(s.x))));
  series_->setCurrentIndex(std::max(0, series_->findData(QString::fromStdString(s.series))));
  y_->setCurrentIndex(std::max(0, y_->findData(QString::fromStdString(s.y))));
  values_->setText(QString::fromStdString(s.values));
  series_values_->setText(QString::fromStdString(s.series_values));
}

void SweepView::read_controls() {
  SweepSettings s{x_->currentData().toString().toStdString(), values_->text().toStdString(),
                  series_->currentData().toString().toStdString(), series_values_->text().toStdString(),
                  y_->currentData().toString().toStdString()};
  if (s.x == session_.sweep.x && s.values == session_.sweep.values && s.series == session_.sweep.series &&
      s.series_values == session_.sweep.series_values && s.y == session_.sweep.y)
    return;
  session_.sweep = s;
  emit settings_changed();
}

void SweepView::cancel() {
  if (cancel_) cancel_->store(true);
}

void SweepView::stop_worker() {
  if (!thread_) return;
  cancel();
  thread_->wait();
  delete thread_;
  thread_ = nullptr;
}

void SweepView::refresh(const Resolved& r, bool wait) {
  stop_worker();
  Diagnostics d;
  auto plan = plan_sweep(session_, r, d);
  if (!plan) {
    QString text;
    for (const Diagnostic& x : d) text += QString::fromStdString(x.path + ": " + x.message) + "\n";
    set_status(text.trimmed(), true);
    return;  // the last valid plot stays
  }
  ++generation_;
  if (wait || plan->size() <= kSynchronousRows) {
    result_ = run_sweep(*plan);
    draw();
    return;
  }
  // Off the UI thread: the worker owns its copy of the plan; results come back queued.
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  progress_->setRange(0, static_cast<int>(std::min<std::size_t>(plan->size(), 1 << 30)));
  progress_->setValue(0);
  progress_->setVisible(true);
  cancel_button_->setVisible(true);
  set_status(QString("running %1 rows...").arg(plan->size()), false);
  const int generation = generation_;
  thread_ = QThread::create([this, plan = std::move(*plan), cancel = cancel_, generation] {
    SweepResult res = run_sweep(plan, cancel.get(), [this, generation](std::size_t done, std::size_t) {
      QMetaObject::invokeMethod(this, [this, generation, done] {
        if (generation == generation_) progress_->setValue(static_cast<int>(std::min<std::size_t>(done, 1 << 30)));
      }, Qt::QueuedConnection);
    });
    QMetaObject::invokeMethod(this, [this, generation, res = std::move(res)]() mutable {
      if (generation != generation_) return;
      result_ = std::move(res);
      progress_->setVisible(false);
      cancel_button_->setVisible(false);
      if (thread_) {
        thread_->wait();
        delete thread_;
        thread_ = nullptr;
      }
      draw();
    }, Qt::QueuedConnection);
  });
  thread_->start();
}

void SweepView::draw() {
  const SweepSettings& s = session_.sweep;
  const Metric* m = find_metric(s.y);
  if (!m) return;
  Plot& p = *plot_;
  p.clear();
  double max_y = 0, min_pos_y = INFINITY, max_pos_y = 0, min_x = INFINITY, max_x = 0;
  std::size_t infeasible = 0, invalid = 0;
  for (const SweepCurve& c : result_.curves)
    for (const SweepRow& row : c.rows) {
      if (!row.valid) {
        ++invalid;
        continue;
      }
      infeasible += !row.feasible;
      max_y = std::max(max_y, std::fabs(row.y));
      if (row.y > 0) min_pos_y = std::min(min_pos_y, row.y), max_pos_y = std::max(max_pos_y, row.y);
      min_x = std::min(min_x, row.x);
      max_x = std::max(max_x, row.x);
    }
  bool all_positive = true;
  for (const SweepCurve& c : result_.curves)
    for (const SweepRow& row : c.rows)
      if (row.valid && !(row.y > 0)) all_positive = false;
  const Scale scale = display_scale(m->unit, max_y);
  const bool log_x = result_.numeric_x && min_x > 0 && max_x / min_x >= 4;
  const bool log_y = all_positive && max_pos_y > 0 && max_pos_y / min_pos_y >= 10;
  QString x_label = QString::fromStdString(s.x);
  for (const io::SweepFieldInfo& f : io::sweep_fields())
    if (f.name == s.x) x_label = QString::fromUtf8(f.label.data(), static_cast<int>(f.label.size()));
  p.set_title(QString("%1 against %2").arg(QString::fromStdString(m->label), x_label));
  AxisSpec x_axis{x_label, log_x};
  if (result_.numeric_x && result_.x_texts.size() <= 12)  // ticks at the swept values
    for (const SweepCurve& c : result_.curves)
      for (const SweepRow& row : c.rows)
        if (std::find(x_axis.ticks.begin(), x_axis.ticks.end(), row.x) == x_axis.ticks.end() && (!log_x || row.x > 0)) x_axis.ticks.push_back(row.x);
  p.set_axes(x_axis, {axis_label(QString::fromStdString(m->label), scale), log_y});
  if (!result_.numeric_x) {
    std::vector<QString> labels;
    for (const std::string& t : result_.x_texts) labels.push_back(QString::fromStdString(t));
    p.set_categories(labels);
  }
  Series misfit{"does not fit", {}, {}, {}, QColor(200, 0, 0), false, false, Marker::cross, 11, false, true};
  for (std::size_t ci = 0; ci < result_.curves.size(); ++ci) {
    const SweepCurve& c = result_.curves[ci];
    Series series{QString::fromStdString(c.name), {}, {}, {}, palette_color(static_cast<int>(ci)), true, false, Marker::circle, 6, false, true};
    for (const SweepRow& row : c.rows) {
      if (!row.valid) continue;
      const QString tip = QString::fromStdString(row.config) + "\n" + QString::fromStdString(m->label) + ": " + qhuman(row.y, m->unit) +
                          (row.feasible ? QString() : "\ndoes not fit: " + QString::fromStdString(row.reason));
      series.x.push_back(row.x);
      series.y.push_back(row.y * scale.factor);
      series.tips.push_back(tip);
      if (!row.feasible) {
        misfit.x.push_back(row.x);
        misfit.y.push_back(row.y * scale.factor);
        misfit.tips.push_back(tip);
      }
    }
    p.add_series(series);
  }
  if (!misfit.x.empty()) p.add_series(misfit);
  QString note;
  if (result_.cancelled) note = QString("cancelled after %1 rows").arg(result_.rows_done);
  if (invalid > 0) note += QString(note.isEmpty() ? "" : "; ") + QString("%1 invalid designs not drawn").arg(invalid);
  if (!note.isEmpty()) p.set_note(note);
  p.replot();
  set_status(QString("%1 rows; %2 do not fit the device (crosses). Hover a point for its configuration.")
                 .arg(result_.rows_done)
                 .arg(infeasible),
             false);
}

}  // namespace moesim::gui
