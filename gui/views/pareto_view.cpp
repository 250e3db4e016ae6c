#include "views/pareto_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <cmath>

#include "moesim/fit/frontier.h"
#include "moesim/io/sweep.h"
#include "views/scaling_view.h"

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

std::optional<fit::Limit> traced_limit(std::string_view metric) {
  if (metric == "latency.decode_step_s") return fit::Limit::decode_latency;
  if (metric == "throughput.decode_tokens_per_s") return fit::Limit::throughput;
  if (metric == "params.total") return fit::Limit::params;
  if (metric == "memory.weights_bytes") return fit::Limit::memory;
  return std::nullopt;
}

namespace {

// The optimizer's front at the session's budget (fit::tradeoff), or a note why there is none.
void add_optimal_front(const Session& s, const Resolved& r, const fit::LoadedLaw& law, ParetoResult& res) {
  const fit::LawInfo& info = law.law->info;
  res.traced = traced_limit(s.pareto.x);
  if (!res.traced) {
    res.front_note = "no optimizer front against " + s.pareto.x +
                     ": it traces decode step, decode throughput, total parameters and weights";
    return;
  }
  if (info.optima != fit::Optima::design_search) {
    res.front_note = "no optimizer front: " + std::string(info.name) + " does not drive the design search";
    return;
  }
  Diagnostics d;
  const auto space = parse_space(s.scaling, d);
  ScalingSettings serving = s.scaling;  // served as the candidates are
  serving.devices = res.serving.devices;
  serving.serve_batch = res.serving.batch;
  serving.serve_context = res.serving.context;
  std::optional<fit::OptimizeOptions> o;
  if (space) o = optimize_options(serving, *space, frontier_options(std::string(info.name), {s.pareto.budget_flops}, s.scaling, *space), &r.hardware, d);
  if (!o) {
    res.front_note = "no optimizer front: " + d.front().path + ": " + d.front().message;
    return;
  }
  if (info.family == "ludziejewski2025") {  // their conventions and expert counts, as `moesim frontier`
    o->space.family = fit::ludziejewski2025_family();
    o->space.experts = fit::ludziejewski2025_experts();
  }
  if (*res.traced == fit::Limit::memory) {  // x is the weights alone: the traced limit replaces the memory limit
    o->limits.kv_tokens = 0;
    o->limits.max_memory_bytes = fit::kNoLimit;
  }
  fit::TradeoffOptions t;
  t.cost = *res.traced;
  fit::validate(*o, t, d);
  if (!d.empty()) {
    res.front_note = "no optimizer front: " + d.front().path + ": " + d.front().message;
    return;
  }
  res.optimal = fit::tradeoff(*law.law, law.params, *o, t);
  for (const fit::ConstrainedOptimum& c : res.optimal) res.optimal_cost.push_back(c.feasible ? fit::limited_value(t.cost, c.best, *o) : NAN);
  res.family = o->space.family;
  res.loaded_law = law;
}

}  // namespace

std::optional<ParetoResult> compute_pareto(const Session& s, const Resolved& r, Diagnostics& out) {
  const std::size_t before = out.size();
  ParetoResult res;
  Diagnostics d;
  const auto law = fit::load_law(s.scaling.law, d);
  for (const Diagnostic& x : d) out.push_back({"/scaling/law", x.code, x.path == "law" ? x.message : x.path + ": " + x.message});
  res.x = find_metric(s.pareto.x);
  if (!res.x) out.push_back({"/pareto/x", "unknown_column", "\"" + s.pareto.x + "\" is not an output figure"});
  if (!(s.pareto.budget_flops > 0) || !std::isfinite(s.pareto.budget_flops))
    out.push_back({"/pareto/budget_flops", "out_of_range", "must be a positive number of FLOPs"});
  io::StudyPlan plan;
  plan.base = {r.model.arch, r.workload, r.deployment, "", ""};
  plan.hardware.emplace("", r.hardware);
  for (std::size_t i = 0; i < s.pareto.axes.size(); ++i) {
    d.clear();
    auto axis = io::parse_sweep_axis(s.pareto.axes[i], d);
    for (const Diagnostic& x : d) out.push_back({"/pareto/axes/" + std::to_string(i), x.code, x.message});
    if (axis) plan.axes.push_back(std::move(*axis));
  }
  if (out.size() != before) return std::nullopt;
  for (std::size_t i = 0; i < plan.axes.size(); ++i) {  // the profiles and models the axes name
    d.clear();
    io::load_axis_inputs(plan.axes[i], plan, d);
    for (const Diagnostic& x : d) out.push_back({"/pareto/axes/" + std::to_string(i), x.code, x.path.empty() ? x.message : x.path + ": " + x.message});
  }
  if (out.size() != before) return std::nullopt;
  d.clear();
  io::validate(plan, kMaxParetoCandidates, d);
  for (const Diagnostic& x : d) out.push_back({"/pareto/axes", x.code, x.path + ": " + x.message});
  if (out.size() != before) return std::nullopt;
  res.law = std::string(law->law->info.name);
  res.law_warning = fit::unidentified_warning(*law);
  res.serving = {nullptr, r.deployment.parallel.devices(), r.workload.batch, r.workload.context};

  io::StudyPlan current = plan;
  current.axes.clear();
  io::StudyCursor here(current);
  here.next();
  res.current = evaluate_candidate(s, *law, *res.x, current, here.row());
  res.current.config = "current design";
  bool moe = r.model.arch.moe.experts > 1;
  const bool more_is_better = traced_limit(s.pareto.x) == fit::Limit::throughput;
  io::ParetoFront front;
  io::StudyCursor cursor(plan);
  while (cursor.next()) {
    ParetoCandidate c = evaluate_candidate(s, *law, *res.x, plan, cursor.row());
    c.config = cursor.label();
    moe = moe || (c.valid && cursor.row().point->arch.moe.experts > 1);
    // The front: feasible designs that no other feasible design beats or equals on both.
    if (c.feasible && std::isfinite(c.cost) && std::isfinite(c.loss))
      front.offer(more_is_better ? -c.cost : c.cost, c.loss, cursor.row().row, [] { return std::string(); });
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
  add_optimal_front(s, r, *law, res);
  return res;
}

ParetoView::ParetoView(Session& session, QWidget* parent) : View(session, parent) {
  auto* controls = new QWidget(this);
  auto* row = new QHBoxLayout(controls);
  row->setContentsMargins(0, 0, 0, 0);
  axes_ = new QLineEdit(controls);
  axes_->setToolTip("candidate axes as `moesim sweep --set`, separated by ';', e.g. experts=8,16,32; top_k=1..4");
  x_ = new QComboBox(controls);
  add_metric_items(*x_);
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
  connect(plot_, &Plot::point_clicked, this, [this](const QString&, int id) {
    if (id >= 0) choose_design(static_cast<std::size_t>(id));
  });
}

void ParetoView::choose_design(std::size_t i) {
  if (!result_ || i >= result_->optimal.size() || !result_->optimal[i].feasible || !result_->loaded_law) return;
  const ParetoResult& r = *result_;
  Diagnostics e;
  const std::string path = write_design_file(*r.loaded_law, r.family, r.optimal[i].best, session_.pareto.budget_flops,
                                             "-" + std::string(fit::to_string(*r.traced)), e);
  if (path.empty()) set_status(QString::fromStdString(e.front().message), true);
  else emit design_chosen(QString::fromStdString(path));
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
  auto extend = [&](double cost) {
    max_cost = std::max(max_cost, std::fabs(cost));
    if (cost > 0) min_pos = std::min(min_pos, cost), max_pos = std::max(max_pos, cost);
    else all_positive = false;
  };
  for (const ParetoCandidate& c : r.candidates)
    if (c.valid) extend(c.cost);
  for (double cost : r.optimal_cost)
    if (std::isfinite(cost)) extend(cost);
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
  draw_optimal(scale);
  p.add_series(current);
  QStringList notes;
  if (invalid > 0) notes << QString("%1 invalid candidates not drawn").arg(invalid);
  if (!r.front_note.empty()) notes << QString::fromStdString(r.front_note);
  if (!r.law_warning.empty()) notes << "warning: " + QString::fromStdString(r.law_warning);
  p.set_note(notes.join("\n"));
  p.replot();
  set_status(QString("optimizer: %1 designs on its front (law, K and G lists and limits of the scaling view; served on %2 x %3 "
                     "at batch %4, context %5). %6 candidates, %7 on their front. Training budget %8 FLOP; law %9. "
                     "Hover a point for its design; click an optimum to load it.")
                 .arg(std::count_if(r.optimal.begin(), r.optimal.end(), [](const fit::ConstrainedOptimum& c) { return c.feasible; }))
                 .arg(r.serving.devices)
                 .arg(QString::fromStdString(session_.hardware))
                 .arg(r.serving.batch)
                 .arg(r.serving.context)
                 .arg(r.candidates.size())
                 .arg(r.front.size())
                 .arg(session_.pareto.budget_flops, 0, 'g', 3)
                 .arg(QString::fromStdString(r.law)),
             false);
}

// The optimizer's front as a staircase: the least loss at a cost no worse than x.
void ParetoView::draw_optimal(const Scale& scale) {
  const ParetoResult& r = *result_;
  Series stairs{"", {}, {}, {}, QColor(0, 130, 0), true, false, Marker::none, 4, false, false};
  Series points{"optimizer's front", {}, {}, {}, QColor(0, 130, 0), false, false, Marker::diamond, 10, false, true};
  std::vector<int> ids;
  for (std::size_t i = 0; i < r.optimal.size(); ++i) {
    const fit::ConstrainedOptimum& c = r.optimal[i];
    if (!c.feasible) continue;
    const fit::Design& d = c.best;
    const fit::Candidate& o = d.candidate;
    QStringList bounds;
    for (std::string_view b : c.at_bound) bounds << QString::fromUtf8(b.data(), static_cast<int>(b.size()));
    QString tip = QString("optimum at %1 <= %2: E %3, K %4, G %5, d_model %6, %7 layers\nloss %8 (N %9, N_a %10, D %11, S %12)")
                      .arg(QString::fromStdString(r.x->label), qhuman(r.optimal_cost[i], r.x->unit))
                      .arg(o.experts)
                      .arg(d.top_k)
                      .arg(d.granularity)
                      .arg(o.d_model)
                      .arg(o.layers)
                      .arg(QString::number(o.loss, 'f', 4), qhuman(o.total_params, io::Unit::params), qhuman(o.active_params, io::Unit::params),
                           qhuman(o.tokens, io::Unit::tokens), QString::number(o.sparsity, 'f', 3));
    if (d.placement.fits)
      tip += QString("\nserved on %1 devices (tp %2, ep %3, pp %4, dp %5): decode step %6")
                 .arg(d.placement.devices)
                 .arg(d.placement.parallel.tp)
                 .arg(d.placement.parallel.ep)
                 .arg(d.placement.parallel.pp)
                 .arg(d.placement.parallel.dp)
                 .arg(qhuman(d.placement.decode_step_s, io::Unit::seconds));
    if (!bounds.isEmpty()) tip += "\non the search bound: " + bounds.join(", ") + " (widen the search: not an interior answer)";
    tip += "\n(click: load this design into the cost view)";
    points.x.push_back(r.optimal_cost[i] * scale.factor), points.y.push_back(o.loss), points.tips.push_back(tip);
    ids.push_back(static_cast<int>(i));
  }
  if (points.x.empty()) return;
  // The steps, by rising x: a cost holds the last loss up to the next design's cost, a
  // throughput holds the next design's loss down from its own.
  const bool cost = r.traced != fit::Limit::throughput;
  std::vector<std::size_t> order(points.x.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = cost ? order.size() - 1 - i : i;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double x = points.x[order[k]], y = points.y[order[k]];
    if (k > 0) {
      const double corner_x = cost ? x : stairs.x.back(), corner_y = cost ? stairs.y.back() : y;
      stairs.x.push_back(corner_x), stairs.y.push_back(corner_y);
    }
    stairs.x.push_back(x), stairs.y.push_back(y);
  }
  plot_->add_series(stairs);
  plot_->add_series(points, ids);
}

}  // namespace moesim::gui
