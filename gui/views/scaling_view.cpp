#include "views/scaling_view.h"

#include "moesim/io/files.h"
#include "moesim/io/model_io.h"
#include "moesim/io/units.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QDir>
#include <QLabel>
#include <QVBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <cmath>
#include <cstdio>

namespace moesim::gui {
namespace {

QString sci(double v) { return QString::number(v, 'g', 3); }

// What names the optimizer's points: its limits, or (without any) its lists of K and G.
QString search_label(const ScalingSettings& s) { return s.has_limits() ? "under limits" : "over the K, G lists"; }

// "N 15.85 B, N_a 491.18 M, D 30.90 B" of a design for tooltips; `star` marks optima ("N*").
QString sizes(const fit::Candidate& c, const QString& star = {}) {
  return QString("N%1 %2, N_a%1 %3, D%1 %4")
      .arg(star, qhuman(c.total_params, io::Unit::params), qhuman(c.active_params, io::Unit::params), qhuman(c.tokens, io::Unit::tokens));
}

const AxisSpec kBudgetAxis{"compute budget C [FLOP]", true, {}, {}};

using Points = std::initializer_list<std::pair<Series*, double>>;

// "N=N,D=D,loss=loss" as `moesim fit --columns`.
std::vector<std::pair<std::string, std::string>> parse_columns(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) out.emplace_back(std::string(item), "");
    else out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
  return out;
}

}  // namespace

std::optional<ScalingSpace> parse_space(const ScalingSettings& s, Diagnostics& out) {
  const std::size_t before = out.size();
  ScalingSpace space;
  if (auto k = io::parse_whole_number_list(s.top_k, "/scaling/top_k", "experts per token", out)) space.top_k = std::move(*k);
  if (auto g = io::parse_number_list(s.granularity, "/scaling/granularity", "granularity", out)) space.granularity = std::move(*g);
  if (!s.fixed_size.empty()) {
    if (const auto v = io::parse_number_list(s.fixed_size, "/scaling/fixed_size", "parameters", out); v && v->size() == 1) space.fixed_size = v->front();
    else if (v) out.push_back({"/scaling/fixed_size", "wrong_type", "one number of parameters"});
  }
  // The lists' ranges are the optimizer's own rules (a list that did not read is still {1}).
  fit::DesignSpace lists;
  lists.top_k = space.top_k;
  lists.granularity = space.granularity;
  Diagnostics d;
  fit::validate(lists, d);
  for (const Diagnostic& x : d) out.push_back({"/scaling/" + x.path, x.code, x.message});
  if (!(s.max_sparsity >= 0 && s.max_sparsity <= 0.999)) out.push_back({"/scaling/max_sparsity", "out_of_range", "must be in [0, 0.999]"});
  if (out.size() != before) return std::nullopt;
  return space;
}

std::optional<fit::OptimizeOptions> optimize_options(const ScalingSettings& s, const ScalingSpace& space, const fit::FrontierOptions& f,
                                                     const Hardware* serving_hw, Diagnostics& out) {
  const std::size_t before = out.size();
  fit::OptimizeOptions o;
  o.space.family = f.family;
  const bool dense = f.max_sparsity == 0 && f.sparsity_levels == 1;  // a law without sparsity: dense designs only
  o.space.top_k = dense ? std::vector<std::int64_t>{1} : space.top_k;
  o.space.granularity = dense ? std::vector<double>{1} : space.granularity;
  o.space.sparsity_levels = f.sparsity_levels;
  o.space.max_sparsity = f.max_sparsity;
  o.budgets = f.budgets;
  if (!s.max_params.empty())
    if (const auto v = io::parse_number_list(s.max_params, "/scaling/max_params", "parameters", out)) o.limits.max_total_params = v->front();
  auto quantity = [&](const std::string& text, const char* path, io::Dimension dim, double& target) {
    if (text.empty()) return;
    const io::ParsedQuantity q = io::parse_quantity(text, dim);
    if (q.value) target = *q.value;
    else out.push_back({path, "wrong_type", q.error});
  };
  quantity(s.max_memory, "/scaling/max_memory", io::Dimension::bytes, o.limits.max_memory_bytes);
  quantity(s.max_decode_latency, "/scaling/max_decode_latency", io::Dimension::seconds, o.limits.max_decode_step_s);
  o.limits.kv_tokens = s.kv_tokens;
  o.objective.inference_tokens = s.inference_tokens;
  o.serving = {serving_hw, s.devices, s.serve_batch, s.serve_context};
  Diagnostics d;
  fit::validate(o, d);
  for (const Diagnostic& x : d) out.push_back({"/scaling/" + (x.path == "hw" ? std::string("devices") : x.path), x.code, x.message});
  if (out.size() != before) return std::nullopt;
  return o;
}

fit::FrontierOptions frontier_options(const std::string& law_name, const std::vector<double>& budgets, const ScalingSettings& s,
                                      const ScalingSpace& space) {
  fit::FrontierOptions o;
  o.budgets = budgets;
  o.family.top_k = space.top_k.front();
  o.family.granularity = space.granularity.front();
  o.max_sparsity = s.max_sparsity;
  const fit::Law* law = fit::find_law(law_name);
  if (law && !law->info.reads_experts) o.max_sparsity = 0, o.sparsity_levels = 1;  // dense only, as `moesim frontier`
  return o;
}

std::optional<ScalingResult> compute_scaling(const ScalingSettings& s, const Hardware* hw, Diagnostics& out) {
  const std::size_t before = out.size();
  ScalingResult r;
  Diagnostics d;
  auto law = fit::load_law(s.law, d);
  for (const Diagnostic& x : d) out.push_back({"/scaling/law", x.code, x.path == "law" ? x.message : x.path + ": " + x.message});
  auto budgets = io::parse_budgets(s.budgets, "/scaling/budgets", out);
  const auto space = parse_space(s, out);  // the family's ranges, as moesim frontier checks them
  if (!s.data.empty()) {
    d.clear();
    fit::DataOptions options;
    options.columns = parse_columns(s.data_columns);
    r.data = fit::read_scaling_data(s.data, options, d);
    for (const Diagnostic& x : d) out.push_back({"/scaling/data", x.code, x.path.empty() || x.path == s.data ? x.message : x.path + ": " + x.message});
  }
  if (out.size() != before) return std::nullopt;
  r.law = *law;
  r.budgets = *budgets;
  const fit::LawInfo& info = r.law.law->info;
  const std::string name(info.name);
  if (space->fixed_size > 0 && !fit::has_fixed_size_optima(info)) {  // as moesim frontier --fixed-size
    out.push_back({"/scaling/fixed_size", "not_applicable", "the fixed-size optima need a law of (N, D, S): abnar2025 or chinchilla"});
    return std::nullopt;
  }
  // The optima the law yields, as data (LawInfo::optima); the family of its own paper's
  // design search is the CLI's expert-count table here (ludziejewski2025).
  if (info.optima == fit::Optima::design_search && !info.expert_count_table) {
    const fit::FrontierOptions& f = r.curves = frontier_options(name, r.budgets, s, *space);
    r.frontier = fit::compute_frontier(*r.law.law, r.law.params, f);
    if (space->fixed_size > 0) r.fixed_size = fit::fixed_size_optima(*r.law.law, r.law.params, f, space->fixed_size);
    if (searches(s, *space)) {
      const auto o = optimize_options(s, *space, f, s.devices > 0 ? hw : nullptr, out);
      if (!o) return std::nullopt;
      r.constrained = fit::optimize(*r.law.law, r.law.params, *o);
      // Which designs of the IsoFLOP curves the limits rule out, to draw them apart.
      for (const auto& curve : r.frontier->isoflop) {
        std::vector<bool>& breaks = r.isoflop_breaks.emplace_back();
        for (const fit::Candidate& c : curve) {
          fit::Design d;
          d.candidate = c;
          d.top_k = f.family.top_k;
          d.granularity = f.family.granularity;
          breaks.push_back(!fit::broken_limits(*o, f.family, d).empty());
        }
      }
    }
  }
  else if (info.optima == fit::Optima::granularity_table) r.granularity = fit::krajewski_optima(r.law.params, r.budgets);
  else if (info.expert_count_table) r.expert_counts = fit::ludziejewski_optima(r.law.params, r.budgets, {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  else r.note = name + ": " + std::string(info.no_optima_reason);
  if (r.data)
    for (const fit::Observation& o : r.data->points) r.predicted.push_back(fit::predict(*r.law.law, r.law.params, o));
  return r;
}

// The second row: the family (K, G, max S) and the limits of `moesim frontier`.
QWidget* ScalingView::build_family_and_limits_row() {
  auto* limits = new QWidget(this);
  auto* limit_row = new QHBoxLayout(limits);
  limit_row->setContentsMargins(0, 0, 0, 0);
  auto field = [&](const char* label, const char* placeholder, const char* tip) {
    auto* e = new QLineEdit(limits);
    e->setPlaceholderText(placeholder);
    e->setToolTip(tip);
    limit_row->addWidget(new QLabel(label, limits));
    limit_row->addWidget(e, 1);
    connect(e, &QLineEdit::editingFinished, this, &ScalingView::read_controls);
    return e;
  };
  top_k_ = field("K", "1", "experts per token, a list (moesim frontier --top-k 1,2,4): the curves are the first; "
                           "with more than one, the optimizer searches them all");
  granularity_ = field("G", "1", "granularities, a list: expert width = 4 d / G (--granularity 1,2,4); the curves are the first");
  max_sparsity_ = field("max S", "0.98", "largest sparsity searched (--max-sparsity)");
  fixed_size_ = field("fixed N", "none", "also the optimal sparsity at this total size, in parameters (--fixed-size 1e11)");
  max_params_ = field("max N", "none", "limit: total parameters (e.g. 1e11)");
  max_memory_ = field("max memory", "none", "limit: weights + KV cache of the KV tokens, with a unit (e.g. \"160 GB\")");
  kv_tokens_ = field("KV tokens", "0", "tokens of KV cache counted by max memory");
  devices_ = field("devices", "0", "serve every design on this many devices of the current hardware (0: no device limit)");
  serve_batch_ = field("batch", "64", "sequences decoded together when serving");
  serve_context_ = field("context", "8192", "tokens of context per served sequence");
  max_latency_ = field("max decode", "none", "limit: decode step with a unit (e.g. \"50 ms\"); needs devices");
  inference_tokens_ = field("inference tokens", "0", "tokens served over the model's life, charged to the budget as 2 N_act T FLOPs");
  return limits;
}

ScalingView::ScalingView(Session& session, QWidget* parent) : View(session, parent) {
  auto* controls = new QWidget(this);
  auto* row = new QHBoxLayout(controls);
  row->setContentsMargins(0, 0, 0, 0);
  law_ = new QComboBox(controls);
  law_->setEditable(true);
  for (const fit::Law* l : fit::laws()) law_->addItem(QString::fromUtf8(l->info.name.data(), static_cast<int>(l->info.name.size())));
  law_->setToolTip("a built-in law (its published coefficients) or a fit.json written by moesim fit");
  auto* open_law = new QPushButton("fit.json...", controls);
  budgets_ = new QLineEdit(controls);
  budgets_->setToolTip("compute budgets in FLOP: LO:HI:COUNT (log-spaced) or a comma list");
  data_ = new QLineEdit(controls);
  data_->setPlaceholderText("scaling data CSV (optional)");
  auto* open_data = new QPushButton("data...", controls);
  columns_ = new QLineEdit(controls);
  columns_->setPlaceholderText("N=col,D=col,loss=col (generic CSV)");
  row->addWidget(new QLabel("law", controls));
  row->addWidget(law_, 1);
  row->addWidget(open_law);
  row->addWidget(new QLabel("budgets [FLOP]", controls));
  row->addWidget(budgets_, 1);
  row->addWidget(data_, 2);
  row->addWidget(open_data);
  row->addWidget(columns_, 1);
  QWidget* limits = build_family_and_limits_row();
  auto* both = new QWidget(this);
  auto* column = new QVBoxLayout(both);
  column->setContentsMargins(0, 0, 0, 0);
  column->addWidget(controls);
  column->addWidget(limits);
  set_controls(both);
  auto* top = new QHBoxLayout;
  isoflop_ = add_plot();
  frontier_ = add_plot();
  residuals_ = add_plot();
  top->addWidget(isoflop_);
  top->addWidget(frontier_);
  body_->addLayout(top, 3);
  body_->addWidget(residuals_, 2);  // hidden without a data set: the curves take its place
  sync_controls();
  connect(law_, &QComboBox::activated, this, &ScalingView::read_controls);
  for (Plot* p : {isoflop_, frontier_})
    connect(p, &Plot::point_clicked, this, [this](const QString& series, int id) {
      if (id >= 0) choose_design(series.contains(search_label(session_.scaling)), static_cast<std::size_t>(id));
    });
  connect(law_->lineEdit(), &QLineEdit::editingFinished, this, &ScalingView::read_controls);
  connect(budgets_, &QLineEdit::editingFinished, this, &ScalingView::read_controls);
  connect(data_, &QLineEdit::editingFinished, this, &ScalingView::read_controls);
  connect(columns_, &QLineEdit::editingFinished, this, &ScalingView::read_controls);
  connect(open_law, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open fit.json", {}, "fit reports (*.json);;all files (*)");
    if (path.isEmpty()) return;
    law_->setEditText(path);
    read_controls();
  });
  connect(open_data, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open scaling data", {}, "CSV (*.csv *.csv.gz);;all files (*)");
    if (path.isEmpty()) return;
    data_->setText(path);
    read_controls();
  });
}

std::string write_design_file(const fit::LoadedLaw& law, const fit::Family& family, const fit::Design& d, double budget,
                              const std::string& suffix, Diagnostics& out) {
  Architecture a = fit::design_architecture(family, d);
  char name[160];
  std::snprintf(name, sizeof name, "%s-optimum-C%.3g-E%lld-K%lld-G%g-d%.0f%s", std::string(law.law->info.name).c_str(), budget,
                static_cast<long long>(d.candidate.experts), static_cast<long long>(d.top_k), d.granularity, d.candidate.d_model,
                suffix.c_str());
  a.name = name;
  // A file the session can name (and a saved session still find): the system's temporary folder.
  const QString dir = QDir::temp().filePath("moesim-designs");
  QDir().mkpath(dir);
  const std::string path = QDir(dir).filePath(QString::fromUtf8(name) + ".json").toStdString();
  const std::size_t before = out.size();
  if (!io::write_file_atomically(path, io::write_native_model(a, "moesim-gui, " + law.source).dump(2) + "\n", true, out)) {
    if (out.size() == before) out.push_back({path, "unwritable", "cannot write " + path});
    return {};
  }
  return path;
}

void ScalingView::choose_design(bool constrained, std::size_t row) {
  if (!result_) return;
  const ScalingResult& r = *result_;
  Diagnostics e;
  fit::Design d;
  if (constrained) {
    if (row >= r.constrained.size() || !r.constrained[row].feasible) return;
    d = r.constrained[row].best;
  } else {
    if (!r.frontier || row >= r.frontier->optimum.size()) return;
    d.candidate = r.frontier->optimum[row];
    d.top_k = r.curves.family.top_k;
    d.granularity = r.curves.family.granularity;
    d.weight_format = r.curves.family.weight_format;
  }
  const std::string path = write_design_file(r.law, r.curves.family, d, r.budgets[row], constrained ? "-limited" : "", e);
  if (path.empty()) {
    set_status(QString::fromStdString(e.front().message), true);
    return;
  }
  emit design_chosen(QString::fromStdString(path));
}

void ScalingView::sync_controls() {
  law_->setEditText(QString::fromStdString(session_.scaling.law));
  budgets_->setText(QString::fromStdString(session_.scaling.budgets));
  data_->setText(QString::fromStdString(session_.scaling.data));
  columns_->setText(QString::fromStdString(session_.scaling.data_columns));
  const ScalingSettings& l = session_.scaling;
  top_k_->setText(QString::fromStdString(l.top_k));
  granularity_->setText(QString::fromStdString(l.granularity));
  fixed_size_->setText(QString::fromStdString(l.fixed_size));
  max_sparsity_->setText(QString::number(l.max_sparsity));
  max_params_->setText(QString::fromStdString(l.max_params));
  max_memory_->setText(QString::fromStdString(l.max_memory));
  kv_tokens_->setText(QString::number(l.kv_tokens));
  devices_->setText(QString::number(l.devices));
  serve_batch_->setText(QString::number(l.serve_batch));
  serve_context_->setText(QString::number(l.serve_context));
  max_latency_->setText(QString::fromStdString(l.max_decode_latency));
  inference_tokens_->setText(QString::number(l.inference_tokens));
}

void ScalingView::read_controls() {
  ScalingSettings s = session_.scaling;
  s.law = law_->currentText().toStdString();
  s.budgets = budgets_->text().toStdString();
  s.data = data_->text().toStdString();
  s.data_columns = columns_->text().toStdString();
  s.max_params = max_params_->text().trimmed().toStdString();
  s.max_memory = max_memory_->text().trimmed().toStdString();
  s.max_decode_latency = max_latency_->text().trimmed().toStdString();
  s.top_k = top_k_->text().remove(' ').toStdString();
  s.granularity = granularity_->text().remove(' ').toStdString();
  s.fixed_size = fixed_size_->text().trimmed().toStdString();
  // A number field that does not read keeps its last value (the field is reset to it).
  auto number = [](QLineEdit* e, auto& target) {
    bool ok = false;
    const double v = e->text().toDouble(&ok);
    if (ok && v >= 0) target = static_cast<std::decay_t<decltype(target)>>(v);
  };
  number(max_sparsity_, s.max_sparsity);
  number(kv_tokens_, s.kv_tokens);
  number(devices_, s.devices);
  number(serve_batch_, s.serve_batch);
  number(serve_context_, s.serve_context);
  number(inference_tokens_, s.inference_tokens);
  if (s == session_.scaling) {
    sync_controls();
    return;
  }
  session_.scaling = s;
  emit settings_changed();
}

std::vector<fit::Candidate> loaded_model_points(const ScalingResult& r, const Architecture& arch) {
  std::vector<fit::Candidate> out;
  if (!r.frontier) return out;
  Workload train;
  train.context = r.curves.family.context;
  for (double budget : r.budgets) {
    const fit::Observation o = fit::design_observation(arch, train, budget);
    fit::Candidate c;
    c.experts = arch.moe.experts;
    c.sparsity = o.sparsity;
    c.d_model = static_cast<double>(arch.hidden_size);
    c.layers = static_cast<std::int64_t>(arch.layers.size());
    c.total_params = o.total_params;
    c.active_params = o.active_params;
    c.tokens = o.tokens;
    c.flops_per_token = budget / o.tokens;
    c.budget_flops = budget;
    c.loss = fit::predict(*r.law.law, r.law.params, o);
    out.push_back(c);
  }
  return out;
}

void ScalingView::refresh(const Resolved& resolved, bool) {
  // Depends on the scaling settings (and, serving on devices, the hardware): recomputed when
  // they change; the loaded model's points whenever it changes.
  const std::string hw_key = session_.scaling.devices > 0 ? session_.hardware : std::string();
  if (!computed_for_ || computed_for_->first != session_.scaling || computed_for_->second != hw_key) {
    Diagnostics d;
    auto r = compute_scaling(session_.scaling, &resolved.hardware, d);
    if (!r) {
      QString text;
      for (const Diagnostic& x : d) text += QString::fromStdString(x.path + ": " + x.message) + "\n";
      set_status(text.trimmed(), true);
      return;  // the last valid plots stay
    }
    result_ = std::move(r);
    computed_for_ = {session_.scaling, hw_key};
  } else {
    const auto loaded = loaded_model_points(*result_, resolved.model.arch);
    const bool same = loaded.size() == result_->loaded.size() &&
                      std::equal(loaded.begin(), loaded.end(), result_->loaded.begin(),
                                 [](const fit::Candidate& a, const fit::Candidate& b) { return a.loss == b.loss && a.sparsity == b.sparsity; });
    if (same) return;
  }
  result_->loaded = loaded_model_points(*result_, resolved.model.arch);
  draw();
}

// The optima under the settings' limits beside the unconstrained ones: S* and N* on the
// frontier plot, the optima on the IsoFLOP curves; returns a note of what binds and where.
QString ScalingView::draw_constrained(const ScalingResult& r) {
  const QString label = search_label(session_.scaling);
  Series s{"S* " + label, {}, {}, {}, palette_color(1), true, true, Marker::diamond, 9, true, true};
  Series n{"N* " + label, {}, {}, {}, palette_color(0), true, true, Marker::diamond, 6, false, true};
  Series iso{"optimum " + label, {}, {}, {}, palette_color(1), false, false, Marker::diamond, 11, false, true};
  QStringList infeasible, bound;
  std::size_t on_bound = 0;
  std::vector<int> rows;  // the budget row of each point, for a click
  for (const fit::ConstrainedOptimum& c : r.constrained) {
    if (!c.feasible) {
      infeasible << sci(c.budget);
      continue;
    }
    const fit::Candidate& o = c.best.candidate;
    QStringList binding, bounds;
    for (fit::Limit l : c.binding) binding << QString::fromUtf8(fit::to_string(l).data(), static_cast<int>(fit::to_string(l).size()));
    for (std::string_view b : c.at_bound) bounds << QString::fromUtf8(b.data(), static_cast<int>(b.size()));
    for (const QString& b : bounds)
      if (!bound.contains(b)) bound << b;
    if (!bounds.isEmpty()) ++on_bound;
    QString tip = QString("C %1 FLOP %2: S* %3 (E %4, K %5, G %6, d_model %7), %8\nloss %9 (unconstrained %10)\nbinding: %11")
                      .arg(sci(c.budget), label, QString::number(o.sparsity, 'f', 3))
                      .arg(o.experts)
                      .arg(c.best.top_k)
                      .arg(c.best.granularity)
                      .arg(o.d_model)
                      .arg(sizes(o, "*"), QString::number(o.loss, 'f', 4), QString::number(c.unconstrained.candidate.loss, 'f', 4),
                           binding.isEmpty() ? QString("none") : binding.join(", "));
    if (c.best.placement.fits)
      tip += QString("\nserved on %1 devices (tp %2, ep %3, pp %4, dp %5): decode step %6")
                 .arg(c.best.placement.devices)
                 .arg(c.best.placement.parallel.tp)
                 .arg(c.best.placement.parallel.ep)
                 .arg(c.best.placement.parallel.pp)
                 .arg(c.best.placement.parallel.dp)
                 .arg(qhuman(c.best.placement.decode_step_s, io::Unit::seconds));
    if (!bounds.isEmpty()) tip += "\non the search bound: " + bounds.join(", ");
    tip += "\n(click: load this design into the cost view)";
    const int row = static_cast<int>(&c - r.constrained.data());
    s.x.push_back(c.budget), s.y.push_back(o.sparsity), s.tips.push_back(tip);
    n.x.push_back(c.budget), n.y.push_back(o.total_params), n.tips.push_back(tip);
    iso.x.push_back(o.sparsity), iso.y.push_back(o.loss), iso.tips.push_back(tip);
    rows.push_back(row);
    if (!binding.isEmpty()) frontier_->add_text(c.budget, o.total_params, binding.join(", "), palette_color(1));
  }
  frontier_->add_series(n, rows);
  frontier_->add_series(s, rows);
  isoflop_->add_series(iso, rows);
  QStringList note;
  if (!infeasible.isEmpty()) note << "nothing meets the limits at C = " + infeasible.join(", ");
  if (on_bound > 0)
    note << QString("optimum " + label + " on a search bound (%1) at %2 of %3 budgets").arg(bound.join(", ")).arg(on_bound).arg(r.constrained.size());
  return note.join("\n");
}

// The session's model at each budget beside the IsoFLOP curves (a budget far above them is
// named in a note rather than squashing the curves).
void ScalingView::draw_loaded(const ScalingResult& r) {
  const fit::Frontier& f = *r.frontier;
  QStringList off_chart;
  Series loaded{"loaded model", {}, {}, {}, QColor(200, 30, 30), false, false, Marker::triangle, 9, false, true};
  double top = 0;  // the curves' highest loss: a point far above would squash them
  for (const auto& curve : f.isoflop)
    for (const fit::Candidate& c : curve) top = std::max(top, c.loss);
  for (const fit::Candidate& c : r.loaded) {
    if (!(c.loss <= 1.1 * top)) {
      off_chart << QString("%1 (loss %2)").arg(sci(c.budget_flops), QString::number(c.loss, 'f', 3));
      continue;
    }
    loaded.x.push_back(c.sparsity);
    loaded.y.push_back(c.loss);
    loaded.tips.push_back(QString("the loaded model at C %1 FLOP: S %2 (E %3), %4\nloss %5 (optimum %6)")
                              .arg(sci(c.budget_flops), QString::number(c.sparsity, 'f', 3))
                              .arg(c.experts)
                              .arg(sizes(c), QString::number(c.loss, 'f', 4),
                                   QString::number(f.optimum[static_cast<std::size_t>(&c - r.loaded.data())].loss, 'f', 4)));
  }
  if (!loaded.x.empty()) isoflop_->add_series(loaded);
  if (!off_chart.isEmpty()) isoflop_->set_note("loaded model above the chart at C = " + off_chart.join(", "));
}

// S* at the settings' fixed total size on the frontier's right axis (Abnar et al. 2025: at
// fixed N, S* rises with N and falls with C).
void ScalingView::draw_fixed_size(const ScalingResult& r) {
  if (r.fixed_size.empty()) return;
  const QString size = QString::fromStdString(session_.scaling.fixed_size);
  Series fixed{"S* at N = " + size, {}, {}, {}, palette_color(4), true, true, Marker::triangle, 8, true, true};
  for (const fit::Candidate& c : r.fixed_size) {
    fixed.x.push_back(c.budget_flops);
    fixed.y.push_back(c.sparsity);
    fixed.tips.push_back(QString("C %1 FLOP at fixed N %2: S* %3 (E %4, N %5), D %6, loss %7")
                             .arg(sci(c.budget_flops), size, QString::number(c.sparsity, 'f', 3))
                             .arg(c.experts)
                             .arg(qhuman(c.total_params, io::Unit::params), qhuman(c.tokens, io::Unit::tokens),
                                  QString::number(c.loss, 'f', 4)));
  }
  frontier_->add_series(fixed);
}

void ScalingView::draw_frontier(const ScalingResult& r, const QString& law) {
  const fit::Frontier& f = *r.frontier;
  isoflop_->set_title("IsoFLOP curves: best loss at each sparsity (" + law + ")");
  isoflop_->set_axes({"sparsity S = (E - K) / E", false, {}, {}}, {"predicted loss L [nats/token]", false, {}, {}});
  Series optima{"optimum S*", {}, {}, {}, Qt::black, false, false, Marker::star, 12, false, true};
  Series ruled_out{"breaks a limit", {}, {}, {}, QColor(160, 160, 160), false, false, Marker::cross, 7, false, true};
  std::vector<int> optima_ids, budget_ids;  // what a click on an optimum loads
  for (std::size_t b = 0; b < f.isoflop.size(); ++b) {
    Series s{"C = " + sci(r.budgets[b]) + " FLOP", {}, {}, {}, palette_color(static_cast<int>(b)), true, false, Marker::none, 4, false, true};
    for (const fit::Candidate& c : f.isoflop[b]) {
      s.x.push_back(c.sparsity);
      s.y.push_back(c.loss);
      s.tips.push_back(QString("C %1 FLOP, S %2 (E %3)\n%4\nloss %5")
                           .arg(sci(c.budget_flops), QString::number(c.sparsity, 'f', 3))
                           .arg(c.experts)
                           .arg(sizes(c), QString::number(c.loss, 'f', 4)));
    }
    if (s.x.size() == 1) s.marker = Marker::circle;
    s.legend = false;  // each curve is named where it starts
    if (!s.x.empty()) isoflop_->add_text(s.x.front(), s.y.front(), "C = " + sci(r.budgets[b]) + " FLOP", s.color);
    isoflop_->add_series(s);
    if (b < r.isoflop_breaks.size())  // the designs the limits rule out, shaded over their curve
      for (std::size_t i = 0; i < f.isoflop[b].size(); ++i)
        if (r.isoflop_breaks[b][i]) ruled_out.x.push_back(s.x[i]), ruled_out.y.push_back(s.y[i]), ruled_out.tips.push_back(s.tips[i] + "\nbreaks a limit");
    const fit::Candidate& o = f.optimum[b];
    optima_ids.push_back(static_cast<int>(b));
    optima.x.push_back(o.sparsity);
    optima.y.push_back(o.loss);
    optima.tips.push_back(QString("optimum at C %1: S* %2, loss %3").arg(sci(o.budget_flops), QString::number(o.sparsity, 'f', 3),
                                                                       QString::number(o.loss, 'f', 4)));
  }
  if (!ruled_out.x.empty()) isoflop_->add_series(ruled_out);
  draw_loaded(r);
  isoflop_->add_series(optima, optima_ids);
  isoflop_->set_legend_position(Qt::AlignBottom | Qt::AlignLeft);
  if (!r.law.law->info.reads_experts) isoflop_->set_note(law + " has no sparsity term: one point per budget at S = 0");

  frontier_->set_title("compute-optimal frontier");
  frontier_->set_axes(kBudgetAxis, {"N*, N_a* [params]; D* [tokens]", true, {}, {}}, AxisSpec{"S* (right axis)", false, 0.0, 1.05});
  Series n{"N* (total)", {}, {}, {}, palette_color(0), true, false, Marker::circle, 5, false, true};
  Series na{"N_a* (active)", {}, {}, {}, palette_color(2), true, false, Marker::circle, 5, false, true};
  Series dd{"D* (tokens)", {}, {}, {}, palette_color(3), true, false, Marker::square, 5, false, true};
  Series s{"S*", {}, {}, {}, Qt::black, true, true, Marker::star, 8, true, true};
  for (std::size_t b = 0; b < f.optimum.size(); ++b) {
    const fit::Candidate& o = f.optimum[b];
    const QString tip = QString("C %1 FLOP: S* %2 (E %3, d_model %4, %5 layers)\n%6, loss %7\ndense equivalent: %8x the compute")
                            .arg(sci(o.budget_flops), QString::number(o.sparsity, 'f', 3))
                            .arg(o.experts)
                            .arg(o.d_model)
                            .arg(o.layers)
                            .arg(sizes(o, "*"), QString::number(o.loss, 'f', 4), QString::number(f.dense_equivalent_ratio[b], 'f', 2));
    for (auto [series, value] : Points{{&n, o.total_params}, {&na, o.active_params}, {&dd, o.tokens}, {&s, o.sparsity}}) {
      series->x.push_back(o.budget_flops);
      series->y.push_back(value);
      series->tips.push_back(tip + "\n(click: load this design into the cost view)");
    }
    budget_ids.push_back(static_cast<int>(b));
  }
  for (const Series* x : {&n, &na, &dd, &s}) frontier_->add_series(*x, budget_ids);
  draw_fixed_size(r);
  frontier_->set_legend_position(Qt::AlignBottom | Qt::AlignRight);
  // An optimum at the largest sparsity searched is the grid's edge, not an answer.
  std::size_t on_bound = 0;
  for (std::size_t b = 0; b < f.optimum.size(); ++b)
    if (f.isoflop[b].size() > 1 && f.optimum[b].experts == f.isoflop[b].back().experts) ++on_bound;
  QString note;
  if (on_bound > 0)
    note = QString("S* on the search bound (max S %1) at %2/%3 budgets")
               .arg(r.curves.max_sparsity)
               .arg(on_bound)
               .arg(f.optimum.size());
  if (!r.constrained.empty()) note += (note.isEmpty() ? "" : "\n") + draw_constrained(r);
  frontier_->set_note(note);
}

void ScalingView::draw_granularity(const ScalingResult& r, const QString& law) {
  isoflop_->set_title("optimal loss per budget (" + law + ", E = 64)");
  isoflop_->set_axes(kBudgetAxis, {"predicted loss L [nats/token]", false, {}, {}});
  Series l{"loss at G*", {}, {}, {}, palette_color(0), true, false, Marker::circle, 6, false, true};
  frontier_->set_title("optimal granularity and size");
  frontier_->set_axes(kBudgetAxis, {"N* [params]; D* [tokens]", true, {}, {}}, AxisSpec{"G* (right axis)", true, {}, {}});
  Series n{"N*", {}, {}, {}, palette_color(0), true, false, Marker::circle, 5, false, true};
  Series dd{"D*", {}, {}, {}, palette_color(3), true, false, Marker::square, 5, false, true};
  Series g{"G*", {}, {}, {}, Qt::black, true, true, Marker::star, 8, true, true};
  for (const fit::GranularityOptimum& o : r.granularity) {
    const QString tip = QString("C %1 FLOP: G* %2, N* %3, D* %4, loss %5")
                            .arg(sci(o.budget_flops), QString::number(o.granularity), qhuman(o.total_params, io::Unit::params),
                                 qhuman(o.tokens, io::Unit::tokens), QString::number(o.loss, 'f', 4));
    for (auto [series, value] : Points{{&l, o.loss}, {&n, o.total_params}, {&dd, o.tokens}, {&g, o.granularity}}) {
      series->x.push_back(o.budget_flops);
      series->y.push_back(value);
      series->tips.push_back(tip);
    }
  }
  isoflop_->add_series(l);
  for (const Series* x : {&n, &dd, &g}) frontier_->add_series(*x);
}

void ScalingView::draw_expert_counts(const ScalingResult& r, const QString& law) {
  isoflop_->set_title("optimal loss per expert count (" + law + ", C = 6 N_act D)");
  isoflop_->set_axes(kBudgetAxis, {"predicted loss L [nats/token]", false, {}, {}});
  frontier_->set_title("optimal active size per expert count");
  frontier_->set_axes(kBudgetAxis, {"N_act* [params]", true, {}, {}});
  std::vector<double> counts;
  for (const auto& o : r.expert_counts)
    if (std::find(counts.begin(), counts.end(), o.experts) == counts.end()) counts.push_back(o.experts);
  for (std::size_t k = 0; k < counts.size(); ++k) {
    Series l{"E = " + QString::number(counts[k]), {}, {}, {}, palette_color(static_cast<int>(k)), true, false, Marker::circle, 4, false, true};
    Series n = l;
    for (const auto& o : r.expert_counts) {
      if (o.experts != counts[k]) continue;
      const QString tip = QString("C %1 FLOP, E %2: N_act* %3, D* %4, loss %5")
                              .arg(sci(o.budget_flops), QString::number(o.experts), qhuman(o.active_params, io::Unit::params),
                                   qhuman(o.tokens, io::Unit::tokens), QString::number(o.loss, 'f', 4));
      l.x.push_back(o.budget_flops), l.y.push_back(o.loss), l.tips.push_back(tip);
      n.x.push_back(o.budget_flops), n.y.push_back(o.active_params), n.tips.push_back(tip);
    }
    n.legend = false;
    isoflop_->add_series(l);
    frontier_->add_series(n);
  }
}

void ScalingView::draw_residuals(const ScalingResult& r) {
  // the data set: observed loss at its sparsity, and residuals against the law
  residuals_->set_title("data against the law: observed - predicted loss");
  residuals_->set_axes({"predicted loss [nats/token]", false, {}, {}}, {"residual [nats/token]", false, {}, {}});
  if (r.data) {
    Series points{"data", {}, {}, {}, QColor(90, 90, 90), false, false, Marker::circle, 5, false, true};
    Series residual{"observed - predicted", {}, {}, {}, palette_color(5), false, false, Marker::circle, 5, false, true};
    double sum2 = 0;
    for (std::size_t i = 0; i < r.data->points.size(); ++i) {
      const fit::Observation& o = r.data->points[i];
      const QString tip = QString("N %1, N_a %2, D %3, S %4, E %5\nobserved %6, predicted %7")
                              .arg(qhuman(o.total_params, io::Unit::params), qhuman(o.active_params, io::Unit::params),
                                   qhuman(o.tokens, io::Unit::tokens), QString::number(o.sparsity, 'f', 3), QString::number(o.experts),
                                   QString::number(o.loss, 'f', 4), QString::number(r.predicted[i], 'f', 4));
      points.x.push_back(o.sparsity), points.y.push_back(o.loss), points.tips.push_back(tip);
      residual.x.push_back(r.predicted[i]), residual.y.push_back(o.loss - r.predicted[i]), residual.tips.push_back(tip);
      sum2 += (o.loss - r.predicted[i]) * (o.loss - r.predicted[i]);
    }
    if (r.frontier) isoflop_->add_series(points);
    residuals_->add_series(residual);
    residuals_->add_hline(0, "", QColor(80, 80, 80));
    residuals_->set_note(QString("%1 points (%2), RMSE %3")
                             .arg(r.data->points.size())
                             .arg(QString::fromUtf8(fit::to_string(r.data->dataset).data()))
                             .arg(std::sqrt(sum2 / static_cast<double>(r.data->points.size())), 0, 'f', 4));
  }
}

void ScalingView::draw() {
  const ScalingResult& r = *result_;
  const QString law = QString::fromUtf8(r.law.law->info.name.data(), static_cast<int>(r.law.law->info.name.size()));
  isoflop_->clear();
  frontier_->clear();
  residuals_->clear();

  if (r.frontier) draw_frontier(r, law);
  else if (!r.granularity.empty()) draw_granularity(r, law);
  else if (!r.expert_counts.empty()) draw_expert_counts(r, law);
  else {
    isoflop_->set_axes({"sparsity S", false, 0.0, 1.0}, {"predicted loss L [nats/token]", false, {}, {}});
    frontier_->set_axes(kBudgetAxis, {"N* [params]", true, {}, {}});
    isoflop_->set_note(QString::fromStdString(r.note));
  }
  draw_residuals(r);
  residuals_->setVisible(r.data.has_value());
  for (Plot* p : plots_) p->replot();
  QString status = QString("<b>%1</b> with %2; budgets %3 FLOP%4")
                       .arg(law, QString::fromStdString(r.law.source).toHtmlEscaped(), QString::fromStdString(session_.scaling.budgets),
                            r.data ? QString() : "; no data set overlaid (give a scaling-data CSV to see its points and residuals)");
  if (const std::string w = fit::unidentified_warning(r.law); !w.empty())
    status += "<br><b>warning:</b> " + QString::fromStdString(w).toHtmlEscaped();
  set_status(status, false);
}

}  // namespace moesim::gui
