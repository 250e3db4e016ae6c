#include "views/pareto_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <cmath>

#include "moesim/fit/frontier.h"
#include "moesim/io/sweep.h"

namespace moesim::gui {

ParetoCandidate evaluate_candidate(const Session& s, const fit::LoadedLaw& law, const Metric& x, const io::StudyPlan& plan,
                                   const io::StudyRow& row) {
  ParetoCandidate c;
  c.valid = row.valid;
  c.feasible = row.feasible(plan);
  c.reason = row.reason();
  if (!row.valid) {
    c.feasible = false;
    return c;
  }
  // The law's inputs as fit::compute_frontier forms them, at the session's training budget.
  c.inputs = fit::design_observation(row.point->arch, row.point->workload, s.pareto.budget_flops);
  c.loss = fit::predict(*law.law, law.params, c.inputs);
  c.cost = x.value(row.estimate, row.latency);
  return c;
}

std::optional<ParetoResult> compute_pareto(const Session& s, const Resolved& r, Diagnostics& out) {
  const std::size_t before = out.size();
  ParetoResult res;
  Diagnostics d;
  const auto law = fit::load_law(s.scaling.law, d);
  for (const Diagnostic& x : d) out.push_back({"/scaling/law", x.code, x.path == "--law" ? x.message : x.path + ": " + x.message});
  res.x = find_metric(s.pareto.x);
  if (!res.x) out.push_back({"/pareto/x", "unknown_column", "\"" + s.pareto.x + "\" is not an output figure"});
  if (!(s.pareto.budget_flops > 0) || !std::isfinite(s.pareto.budget_flops))
    out.push_back({"/pareto/budget_flops", "out_of_range", "must be a positive number of FLOPs"});
  io::StudyPlan plan;
  plan.base = {r.model.arch, r.workload, r.deployment, ""};
  plan.hardware.emplace("", r.hardware);
  for (std::size_t i = 0; i < s.pareto.axes.size(); ++i) {
    d.clear();
    auto axis = io::parse_sweep_axis(s.pareto.axes[i], d);
    for (const Diagnostic& x : d) out.push_back({"/pareto/axes/" + std::to_string(i), x.code, x.message});
    if (axis) plan.axes.push_back(std::move(*axis));
  }
  if (out.size() != before) return std::nullopt;
  d.clear();
  io::validate(plan, kMaxParetoCandidates, d);
  for (const Diagnostic& x : d) out.push_back({"/pareto/axes", x.code, x.path + ": " + x.message});
  if (out.size() != before) return std::nullopt;
  res.law = std::string(law->law->info.name);

  io::StudyPlan current = plan;
  current.axes.clear();
  io::StudyCursor here(current);
  here.next();
  res.current = evaluate_candidate(s, *law, *res.x, current, here.row());
  res.current.config = "current design";
  bool moe = r.model.arch.moe.experts > 1;
  io::ParetoFront front;
  io::StudyCursor cursor(plan);
  while (cursor.next()) {
    ParetoCandidate c = evaluate_candidate(s, *law, *res.x, plan, cursor.row());
    c.config = cursor.label();
    moe = moe || (c.valid && cursor.row().point->arch.moe.experts > 1);
    // The front: feasible designs that no other feasible design beats or equals on both.
    if (c.feasible && std::isfinite(c.cost) && std::isfinite(c.loss)) front.offer(c.cost, c.loss, cursor.row().row, [] { return std::string(); });
    res.candidates.push_back(std::move(c));
  }
  // A law without an expert or sparsity input scores an MoE as a dense model of its total
  // size: refuse rather than rank MoE designs by it.
  if (moe && !law->law->info.reads_experts) {
    out.push_back({"/scaling/law", "not_applicable", res.law + " has no expert or sparsity input: it would score an MoE as a dense model "
                                                     "of its total size; choose abnar2025 or ludziejewski2025"});
    return std::nullopt;
  }
  for (const io::ParetoFront::Point& p : front.sorted()) res.front.push_back(static_cast<std::size_t>(p.row));
  return res;
}

ParetoView::ParetoView(Session& session, QWidget* parent) : View(session, parent) {
  auto* controls = new QWidget(this);
  auto* row = new QHBoxLayout(controls);
  row->setContentsMargins(0, 0, 0, 0);
  axes_ = new QLineEdit(controls);
  axes_->setToolTip("candidate axes as `moesim sweep --set`, separated by ';', e.g. experts=8,16,32; top_k=1..4");
  x_ = new QComboBox(controls);
  for (const Metric& m : metrics()) {
    x_->addItem(QString::fromStdString(m.key), QString::fromStdString(m.key));
    x_->setItemData(x_->count() - 1, QString::fromStdString(m.label), Qt::ToolTipRole);
  }
  budget_ = new QLineEdit(controls);
  budget_->setToolTip("training compute C in FLOP: each candidate trains on D = C / its training FLOPs per token");
  row->addWidget(new QLabel("candidates", controls));
  row->addWidget(axes_, 3);
  row->addWidget(new QLabel("cost", controls));
  row->addWidget(x_, 1);
  row->addWidget(new QLabel("budget [FLOP]", controls));
  row->addWidget(budget_);
  set_controls(controls);
  plot_ = add_plot();
  plot_->put_legend_below();
  body_->addWidget(plot_, 1);
  sync_controls();
  connect(axes_, &QLineEdit::editingFinished, this, &ParetoView::read_controls);
  connect(budget_, &QLineEdit::editingFinished, this, &ParetoView::read_controls);
  connect(x_, &QComboBox::activated, this, &ParetoView::read_controls);
}

void ParetoView::sync_controls() {
  QStringList axes;
  for (const std::string& a : session_.pareto.axes) axes << QString::fromStdString(a);
  axes_->setText(axes.join("; "));
  x_->setCurrentIndex(std::max(0, x_->findData(QString::fromStdString(session_.pareto.x))));
  budget_->setText(QString::number(session_.pareto.budget_flops, 'g', 6));
}

void ParetoView::read_controls() {
  ParetoSettings s = session_.pareto;
  s.axes.clear();
  for (const QString& a : axes_->text().split(';', Qt::SkipEmptyParts))
    if (!a.trimmed().isEmpty()) s.axes.push_back(a.trimmed().toStdString());
  s.x = x_->currentData().toString().toStdString();
  bool ok = false;
  const double budget = budget_->text().toDouble(&ok);
  s.budget_flops = ok ? budget : NAN;
  if (s.axes == session_.pareto.axes && s.x == session_.pareto.x && s.budget_flops == session_.pareto.budget_flops) return;
  session_.pareto = s;
  emit settings_changed();
}

void ParetoView::refresh(const Resolved& r, bool) {
  Diagnostics d;
  auto res = compute_pareto(session_, r, d);
  if (!res) {
    QString text;
    for (const Diagnostic& x : d) text += QString::fromStdString(x.path + ": " + x.message) + "\n";
    set_status(text.trimmed(), true);
    return;
  }
  result_ = std::move(res);
  draw();
}

void ParetoView::draw() {
  const ParetoResult& r = *result_;
  const Metric& m = *r.x;
  double max_cost = std::fabs(r.current.cost), min_pos = r.current.cost > 0 ? r.current.cost : INFINITY, max_pos = std::max(r.current.cost, 0.0);
  bool all_positive = r.current.cost > 0;
  for (const ParetoCandidate& c : r.candidates) {
    if (!c.valid) continue;
    max_cost = std::max(max_cost, std::fabs(c.cost));
    if (c.cost > 0) min_pos = std::min(min_pos, c.cost), max_pos = std::max(max_pos, c.cost);
    else all_positive = false;
  }
  const Scale scale = display_scale(m.unit, max_cost);
  Plot& p = *plot_;
  p.clear();
  p.set_title(QString("predicted loss (%1) against %2 on %3").arg(QString::fromStdString(r.law), QString::fromStdString(m.label),
                                                                     QString::fromStdString(session_.hardware)));
  p.set_axes({axis_label(QString::fromStdString(m.label), scale), all_positive && max_pos / min_pos >= 10, {}, {}},
             {"predicted loss L [nats/token]", false, {}, {}});
  auto tip = [&](const ParetoCandidate& c) {
    const fit::Observation& o = c.inputs;
    return QString("%1\nloss %2 (N %3, N_a %4, D %5, S %6)\n%7: %8%9")
        .arg(QString::fromStdString(c.config), QString::number(c.loss, 'f', 4), qhuman(o.total_params, io::Unit::params),
             qhuman(o.active_params, io::Unit::params), qhuman(o.tokens, io::Unit::tokens), QString::number(o.sparsity, 'f', 3),
             QString::fromStdString(m.label), qhuman(c.cost, m.unit),
             c.feasible ? QString() : "\ndoes not fit: " + QString::fromStdString(c.reason));
  };
  Series fits{"candidates", {}, {}, {}, palette_color(0), false, false, Marker::circle, 6, false, true};
  Series misfits{"does not fit the device", {}, {}, {}, QColor(150, 150, 150), false, false, Marker::cross, 8, false, true};
  Series front{"Pareto front", {}, {}, {}, palette_color(1), true, false, Marker::diamond, 8, false, true};
  Series current{"current design", {}, {}, {}, QColor(200, 0, 0), false, false, Marker::star, 16, false, true};
  std::size_t invalid = 0;
  for (const ParetoCandidate& c : r.candidates) {
    if (!c.valid) {
      ++invalid;
      continue;
    }
    Series& s = c.feasible ? fits : misfits;
    s.x.push_back(c.cost * scale.factor);
    s.y.push_back(c.loss);
    s.tips.push_back(tip(c));
  }
  for (std::size_t i : r.front) {
    front.x.push_back(r.candidates[i].cost * scale.factor);
    front.y.push_back(r.candidates[i].loss);
    front.tips.push_back(tip(r.candidates[i]));
  }
  if (!r.current.feasible) current.name += " (does not fit)";
  if (r.current.valid) {
    current.x.push_back(r.current.cost * scale.factor);
    current.y.push_back(r.current.loss);
    current.tips.push_back(tip(r.current));
  }
  p.add_series(fits);
  if (!misfits.x.empty()) p.add_series(misfits);
  p.add_series(front);
  p.add_series(current);
  if (invalid > 0) p.set_note(QString("%1 invalid candidates not drawn").arg(invalid));
  p.replot();
  set_status(QString("%1 candidates, %2 on the front; training budget %3 FLOP; law %4. Hover a point for its design.")
                 .arg(r.candidates.size())
                 .arg(r.front.size())
                 .arg(session_.pareto.budget_flops, 0, 'g', 3)
                 .arg(QString::fromStdString(r.law)),
             false);
}

}  // namespace moesim::gui
