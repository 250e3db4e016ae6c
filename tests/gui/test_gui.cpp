// moesim-gui: the views build and show what the libraries compute; a bad input keeps the
// last valid state; sessions round-trip; headless rendering writes non-blank PNGs.
#include <QAbstractButton>
#include <QApplication>
#include <QContextMenuEvent>
#include <QFileDialog>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QSvgRenderer>
#include <QTimer>
#include <QElapsedTimer>
#include <QImage>
#include <QMouseEvent>
#include <QTabWidget>
#include <QTemporaryDir>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <set>

#include "input_panel.h"
#include "main_window.h"
#include "moesim/fit/fit.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/model/latency.h"
#include "render.h"
#include "session.h"
#include "views/calibration_view.h"
#include "views/cost_view.h"
#include "views/pareto_view.h"
#include "views/scaling_view.h"
#include "views/sweep_view.h"

using namespace moesim;
using namespace moesim::gui;

namespace {

const std::string kFixtures = MOESIM_FIXTURES_DIR;
const std::string kGuiFixtures = MOESIM_GUI_FIXTURES_DIR;

// The decode step of the defaults as the CLI computes it: load, estimate_latency (tp 2, the
// session's default: Mixtral-8x7B in bf16 does not fit one H100).
LatencyEstimate cli_latency(std::int64_t batch, const std::string& device = "h100-sxm", std::int64_t tp = 2,
                            const std::string& model_name = "mixtral-8x7b") {
  Diagnostics d;
  const auto model = io::load_model(model_name, d);
  const auto hw = io::load_hardware(device, d);
  REQUIRE(d.empty());
  Workload w;
  w.phase = Phase::decode;
  w.batch = batch;
  w.context = 4096;
  Deployment deployment;
  deployment.parallel.tp = tp;
  return estimate_latency(model->arch, w, *hw, deployment);
}

// The session's inputs as the views get them; the session must resolve.
Resolved resolved(const Session& s) {
  Diagnostics d;
  auto r = resolve(s, d);
  REQUIRE(r);
  return std::move(*r);
}

// The plotted height of a stacked bar, back in base units.
double stacked_total(const Plot& p, io::Unit unit, double expected) {
  double sum = 0;
  for (const BarSet& b : p.bars())
    for (double v : b.values) sum += v;
  return sum / display_scale(unit, expected).factor;
}

std::size_t distinct_colours(const QImage& image) {
  std::set<QRgb> colours;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
  return colours.size();
}

template <class F>
void wait_until(F done, int timeout_ms = 60000) {
  QElapsedTimer t;
  t.start();
  while (!done() && t.elapsed() < timeout_ms) QApplication::processEvents(QEventLoop::AllEvents, 20);
}

}  // namespace

TEST_CASE("every view builds and draws the default session", "[gui]") {
  MainWindow w;
  REQUIRE(w.last_valid());
  CHECK(w.diagnostics().empty());
  for (int i = 0; i < w.tabs()->count(); ++i) w.tabs()->setCurrentIndex(i);
  // cost: one bar set per operator that takes time, per phase; memory bars and the device line
  const LatencyEstimate l = cli_latency(1);
  int decode_ops = 0;
  for (const OpTime& t : l.decode.op) decode_ops += t.time_s > 0;
  CHECK(w.cost_view()->phase_plot(Phase::decode)->bar_count() == decode_ops);
  CHECK(w.cost_view()->memory_plot()->bar_count() >= 2);
  // the defaults fit: Mixtral in bf16 on two H100s
  REQUIRE(l.feasible());
  CHECK_FALSE(w.cost_view()->phase_plot(Phase::decode)->title().contains("does not fit"));
  // sweep: one curve per device, plus the "does not fit" marks (Mixtral in bf16 exceeds 80 GB)
  CHECK(w.sweep_view()->plot()->graph_count() == 4);
  CHECK(w.sweep_view()->result().curves.size() == 3);
  // scaling: five budgets, the loaded model and the optima; N*, N_a*, D*, S*
  CHECK(w.scaling_view()->isoflop_plot()->graph_count() == 7);
  CHECK(w.scaling_view()->frontier_plot()->graph_count() == 4);
  // pareto: candidates, misfits, their front, the optimizer's steps and designs, current design
  CHECK(w.pareto_view()->result()->candidates.size() == 5 * 3 * 2);
  CHECK(w.pareto_view()->plot()->graph_count() == 6);  // ... and the optimizer's front: steps and designs
  // calibration without a file: the y = x line and an explanation
  CHECK(w.calibration_view()->plot()->graph_count() == 1);
  CHECK(w.calibration_view()->plot()->note().contains("measured_s"));
  CHECK(w.inputs()->description().contains("Mixtral"));
  // on one H100 it does not fit: its times are marked so beside them, after the reason
  Session one = w.session();
  one.deployment.tp = 1;
  w.set_session(one);
  w.tabs()->setCurrentWidget(w.cost_view());
  REQUIRE_FALSE(cli_latency(1, "h100-sxm", 1).feasible());
  CHECK(w.cost_view()->phase_plot(Phase::decode)->title().endsWith("(does not fit)"));
  CHECK(w.cost_view()->status().indexOf("infeasible: ") < w.cost_view()->status().indexOf("decode step"));
}

TEST_CASE("changing an input changes the plotted data as the library predicts", "[gui]") {
  MainWindow w;
  const Plot& decode = *w.cost_view()->phase_plot(Phase::decode);
  const double one = cli_latency(1).decode_step_s;
  CHECK(stacked_total(decode, io::Unit::seconds, one) == Approx(one).epsilon(1e-9));

  Session s = w.session();
  s.workload.batch = 2;
  w.set_session(s);
  const LatencyEstimate two = cli_latency(2);
  REQUIRE(two.decode_step_s != one);
  CHECK(w.cost_view()->data().latency.decode_step_s == two.decode_step_s);
  CHECK(stacked_total(decode, io::Unit::seconds, two.decode_step_s) == Approx(two.decode_step_s).epsilon(1e-9));
  // the memory plot: the per-device stack is estimate_latency's per-device total
  const Plot& memory = *w.cost_view()->memory_plot();
  double per_device = 0;
  for (const BarSet& b : memory.bars())
    if (b.group == 1) per_device += b.values.back();
  CHECK(per_device / display_scale(io::Unit::bytes, two.memory.capacity_bytes).factor ==
        Approx(two.memory.total_bytes).epsilon(1e-9));
}

TEST_CASE("the sweep plots estimate_latency at each swept value", "[gui]") {
  Session s;
  s.hardware = "h200";  // Mixtral-8x7B in bf16 fits: one curve, no "does not fit" marks
  s.sweep = {"batch", "1,2,4,8", "", "", "latency.decode_step_s"};
  MainWindow w(s);
  w.tabs()->setCurrentWidget(w.sweep_view());
  const SweepResult& r = w.sweep_view()->result();
  REQUIRE(r.curves.size() == 1);
  REQUIRE(r.curves[0].rows.size() == 4);
  const Series& plotted = w.sweep_view()->plot()->series().front();
  CHECK(w.sweep_view()->plot()->graph_count() == 1);
  double largest = 0;
  for (const SweepRow& row : r.curves[0].rows) largest = std::max(largest, row.y);
  for (std::size_t i = 0; i < 4; ++i) {
    const double expected = cli_latency(std::int64_t{1} << i, "h200").decode_step_s;
    CHECK(r.curves[0].rows[i].x == double(1 << i));
    CHECK(r.curves[0].rows[i].y == expected);
    CHECK(plotted.y[i] / display_scale(io::Unit::seconds, largest).factor == Approx(expected).epsilon(1e-9));
  }
  // hovering a point shows its configuration
  const QPointF at = w.sweep_view()->plot()->to_pixel(plotted.x[2], plotted.y[2]);
  CHECK(w.sweep_view()->plot()->tip_at(at).contains("batch=4"));
  // the data export has a header and one row per point
  CHECK(w.sweep_view()->plot()->to_csv().count('\n') == 1 + 4);
}

TEST_CASE("the sweep view compares models: one curve per model, each as the CLI computes it", "[gui]") {
  Session s;
  s.hardware = "h200";
  s.sweep = {"batch", "1,8", "model", "mixtral-8x7b,qwen3-30b-a3b", "latency.decode_step_s"};
  MainWindow w(s);
  w.tabs()->setCurrentWidget(w.sweep_view());
  const SweepResult& r = w.sweep_view()->result();
  REQUIRE(r.curves.size() == 2);
  CHECK(r.curves[0].name == "mixtral-8x7b");
  CHECK(r.curves[1].name == "qwen3-30b-a3b");
  for (std::size_t c = 0; c < 2; ++c)
    for (std::size_t i = 0; i < 2; ++i) {
      INFO(r.curves[c].name << " batch " << (i ? 8 : 1));
      CHECK(r.curves[c].rows[i].y == cli_latency(i ? 8 : 1, "h200", 2, r.curves[c].name).decode_step_s);
    }
  CHECK(r.curves[0].rows[0].y != r.curves[1].rows[0].y);
  // the axes read as words with units, not as the session's keys
  const QString header = w.sweep_view()->plot()->to_csv().section('\n', 0, 0);
  CHECK(header.contains("batch [sequences]"));
  CHECK(header.contains("decode step"));
  CHECK_FALSE(header.contains("latency.decode_step_s"));
  // a model that does not load is the loader's error, at the field
  s.sweep.series_values = "mixtral-8x7b,no-such-model";
  w.set_session(s);
  CHECK(w.sweep_view()->status_is_error());
  CHECK(w.sweep_view()->status().contains("/sweep/series_values"));
  CHECK(w.sweep_view()->status().contains("no-such-model"));
}

TEST_CASE("a measured routing histogram reaches the sweep through the deployment, checked by the library", "[gui]") {
  Session s;
  s.hardware = "h200";
  s.deployment.routing_histogram = "4,2,1,1,1,1,1,1";
  s.sweep = {"batch", "1,8,64", "", "", "latency.decode_step_s"};
  Diagnostics d;
  const Resolved r = resolved(s);
  REQUIRE(r.deployment.routing.histogram.size() == 8);
  const auto plan = plan_sweep(s, r, d);
  REQUIRE(plan);
  const SweepResult res = run_sweep(*plan);
  REQUIRE(res.curves.size() == 1);
  Deployment skewed = r.deployment;  // the session's parallelism (tp 2)
  REQUIRE(skewed.parallel.tp == 2);
  skewed.routing.histogram = {4, 2, 1, 1, 1, 1, 1, 1};
  for (std::size_t i = 0; i < 3; ++i) {
    Workload w = r.workload;
    w.batch = std::int64_t{1} << (3 * i);
    CHECK(res.curves[0].rows[i].y == estimate_latency(r.model.arch, w, r.hardware, skewed).decode_step_s);
  }
  // skew changes the answer against uniform routing at batch 8, so the histogram was used
  Workload w8 = r.workload;
  w8.batch = 8;
  Deployment uniform = skewed;
  uniform.routing.histogram.clear();
  CHECK(res.curves[0].rows[1].y != estimate_latency(r.model.arch, w8, r.hardware, uniform).decode_step_s);
  // one share per expert, a number each: the rule and the message are the library's
  for (const char* bad : {"1,1,1", "1,x,1,1,1,1,1,1"}) {
    s.deployment.routing_histogram = bad;
    Diagnostics e;
    CHECK_FALSE(resolve(s, e));
    REQUIRE(!e.empty());
    CHECK(e[0].path == "/deployment/routing_histogram");
  }
}

TEST_CASE("the routing locality and max violation reach the deployment, or name their field", "[gui]") {
  Session s;
  CHECK_FALSE(resolved(s).deployment.node_locality);  // empty: as uniform routing
  s.deployment.routing_locality = "0.9";
  CHECK(resolved(s).deployment.node_locality == 0.9);
  for (const char* bad : {"most", "1.5"}) {  // not a number; the library's [0, 1]
    s.deployment.routing_locality = bad;
    Diagnostics e;
    CHECK_FALSE(resolve(s, e));
    REQUIRE(!e.empty());
    CHECK(e[0].path == "/deployment/routing_locality");
  }
  s.deployment.routing_locality = "0.25";  // the session file keeps it, and the max violation
  s.deployment.max_violation = "0.04";
  Diagnostics d;
  const auto again = read_session(session_json(s), d);
  REQUIRE(again);
  CHECK(again->deployment.routing_locality == "0.25");
  CHECK(again->deployment.max_violation == "0.04");
  CHECK(resolved(*again).deployment.routing.max_violation == 0.04);
  s.deployment.max_violation = "9";  // Mixtral: top-2 of 8 reaches at most 8/2 - 1 = 3
  Diagnostics e;
  CHECK_FALSE(resolve(s, e));
  REQUIRE(!e.empty());
  CHECK(e[0].path == "/deployment/max_violation");
}

TEST_CASE("a long sweep runs off the UI thread and can be cancelled", "[gui]") {
  Session s;
  s.sweep = {"context", "1..20000", "", "", "latency.decode_step_s"};
  const Resolved r = resolved(s);
  SweepView view(s);
  view.refresh(r, false);
  CHECK(view.running());
  wait_until([&] { return !view.running(); });
  REQUIRE_FALSE(view.running());
  CHECK(view.result().rows_done == 20000);
  CHECK_FALSE(view.result().cancelled);

  s.sweep.values = "1..500000";
  view.refresh(r, false);
  REQUIRE(view.running());
  view.cancel();
  wait_until([&] { return !view.running(); });
  CHECK(view.result().cancelled);
  CHECK(view.result().rows_done < 500000);
}

TEST_CASE("the scaling view shows fit::compute_frontier and the data residuals", "[gui]") {
  Session s;
  s.scaling.data = kFixtures + "/data/good_runs.csv";
  s.scaling.data_columns = "N=N,D=D,loss=loss";
  const Resolved r = resolved(s);
  ScalingView view(s);
  view.refresh(r, true);
  REQUIRE(view.result());
  const fit::Law& law = *fit::find_law("abnar2025");
  const fit::Frontier f = fit::compute_frontier(law, law.info.published, frontier_options("abnar2025", {1e19, 1e20, 1e21, 1e22, 1e23}));
  REQUIRE(view.result()->frontier->optimum.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(view.result()->frontier->optimum[i].loss == f.optimum[i].loss);
    CHECK(view.frontier_plot()->series()[0].y[i] == f.optimum[i].total_params);
  }
  REQUIRE(view.result()->data);
  const auto& points = view.result()->data->points;
  CHECK(view.residual_plot()->series()[0].x.size() == points.size());
  CHECK(view.result()->predicted[0] == fit::predict(law, law.info.published, points[0]));

  s.scaling.law = "no-such-law";
  view.refresh(r, true);
  CHECK(view.status_is_error());
  CHECK(view.status().contains("neither a law"));
  CHECK(view.result()->frontier->optimum.size() == 5);  // the last valid result stays

  // the loaded model (Mixtral-8x7B: E 8, K 2) sits at S = 0.75 with the law's loss for its own
  // N, N_a and D = C / its training FLOPs per token at the family's context
  REQUIRE(view.result()->loaded.size() == 5);
  const fit::Candidate& m = view.result()->loaded[2];
  CHECK(m.sparsity == 0.75);
  Workload train;
  train.phase = Phase::train;
  train.context = 2048;
  const Estimate e = estimate(r.model.arch, train);
  fit::Observation o;
  o.total_params = e.params.total_params();
  o.active_params = e.params.active_excl_input_embedding();
  o.tokens = 1e21 / e.flops.training_per_token;
  o.sparsity = 0.75;
  o.experts = 8;
  CHECK(m.loss == fit::predict(law, law.info.published, o));
  CHECK(m.loss >= f.isoflop[2].back().loss);  // never below the curve's best at that budget
}

TEST_CASE("the scaling view draws the optimum under the limits beside the unconstrained one", "[gui]") {
  Session s;
  s.scaling.budgets = "1e21,1e22,1e23";
  s.scaling.max_params = "1e10";
  const Resolved r = resolved(s);
  ScalingView view(s);
  view.refresh(r, true);
  REQUIRE(view.result());
  const auto& c = view.result()->constrained;
  REQUIRE(c.size() == 3);
  for (const fit::ConstrainedOptimum& o : c) {
    REQUIRE(o.feasible);
    CHECK(o.best.candidate.total_params <= 1e10);
    CHECK(o.binding == std::vector<fit::Limit>{fit::Limit::params});
    CHECK(o.best.candidate.loss > o.unconstrained.candidate.loss);
  }
  // the same optimum as fit::optimize over the frontier's family with that limit
  const fit::Law& law = *fit::find_law("abnar2025");
  fit::OptimizeOptions o;
  o.budgets = {1e21, 1e22, 1e23};
  o.limits.max_total_params = 1e10;
  CHECK(fit::optimize(law, law.info.published, o)[1].best.candidate.loss == c[1].best.candidate.loss);
  // S* under limits is drawn on the frontier plot; the unconstrained S* on the bound is named
  bool drawn = false;
  for (const Series& x : view.frontier_plot()->series()) drawn |= x.name == "S* under limits" && x.y.size() == 3 && x.y[1] == c[1].best.candidate.sparsity;
  CHECK(drawn);
  CHECK(view.frontier_plot()->note().contains("search bound"));

  // the family's options, as moesim frontier --top-k 2 --granularity 2 --max-sparsity 0.9
  s.scaling.top_k = "2";
  s.scaling.granularity = "2";
  s.scaling.max_sparsity = 0.9;
  view.refresh(r, true);
  REQUIRE_FALSE(view.status_is_error());
  const fit::Candidate& k2 = view.result()->frontier->optimum[1];
  CHECK(k2.sparsity == Approx(1 - 2.0 / static_cast<double>(k2.experts)));
  CHECK(k2.sparsity <= 0.9 + 1e-12);
  const Architecture k2_arch = fit::design_architecture(view.result()->curves.family, view.result()->constrained[1].best);
  CHECK(k2_arch.moe.top_k == 2);
  CHECK(k2_arch.moe.expert.width == 2 * k2_arch.hidden_size);  // 4 d / G
  s.scaling.top_k = "0";
  view.refresh(r, true);
  CHECK(view.status_is_error());
  CHECK(view.status().contains("/scaling/top_k"));
  s.scaling.top_k = "2000";  // beyond the optimizer's range: its rule and message (fit::validate)
  view.refresh(r, true);
  CHECK(view.status_is_error());
  CHECK(view.status().contains("/scaling/top_k: K 2000 must be in [1, 1024]"));
  s.scaling.top_k = "1";
  s.scaling.granularity = "1";
  s.scaling.max_sparsity = 0.98;

  // serving on devices of the session's hardware; a limit without its unit is an error
  s.scaling.devices = 8;
  s.scaling.max_decode_latency = "50";
  view.refresh(r, true);
  CHECK(view.status_is_error());
  CHECK(view.status().contains("/scaling/max_decode_latency"));
  s.scaling.max_decode_latency = "50 ms";
  view.refresh(r, true);
  REQUIRE_FALSE(view.status_is_error());
  for (const fit::ConstrainedOptimum& x : view.result()->constrained) {
    REQUIRE(x.feasible);
    CHECK(x.best.placement.devices <= 8);
    CHECK(x.best.placement.decode_step_s <= 0.05);
  }
}

TEST_CASE("the scaling view shades designs that break a limit; a click on an optimum loads it into the cost view", "[gui]") {
  Session s;
  s.hardware = "h100-sxm";
  s.scaling.budgets = "1e21,1e23";
  s.scaling.devices = 8;
  s.scaling.max_decode_latency = "20 ms";
  MainWindow w(s);
  w.resize(1500, 950);
  w.tabs()->setCurrentWidget(w.scaling_view());
  ScalingView& view = *w.scaling_view();
  REQUIRE(view.result());
  const ScalingResult& r = *view.result();
  REQUIRE(r.constrained.size() == 2);
  REQUIRE(r.constrained[1].feasible);
  // some IsoFLOP designs break the limit and are drawn apart; the optima under limits never do
  const Series* ruled_out = nullptr;
  for (const Series& x : view.isoflop_plot()->series())
    if (x.name == "breaks a limit") ruled_out = &x;
  REQUIRE(ruled_out);
  CHECK(!ruled_out->x.empty());
  // a click (press and release at one pixel) on the optimum under limits at 1e23
  const fit::Candidate& best = r.constrained[1].best.candidate;
  Plot* plot = view.isoflop_plot();
  const QPointF at = plot->to_pixel(best.sparsity, best.loss);
  REQUIRE(plot->point_at(at));
  CHECK(plot->point_at(at)->second == 1);
  QString chosen;
  QObject::connect(&view, &ScalingView::design_chosen, [&](const QString& path) { chosen = path; });
  QWidget* target = plot->findChild<QWidget*>(QString(), Qt::FindDirectChildrenOnly);  // the plot's canvas
  REQUIRE(target);
  const QPointF local = at;  // the canvas fills the Plot (no margins)
  QMouseEvent press(QEvent::MouseButtonPress, local, target->mapToGlobal(local), Qt::LeftButton, Qt::LeftButton, Qt::NoModifier);
  QMouseEvent release(QEvent::MouseButtonRelease, local, target->mapToGlobal(local), Qt::LeftButton, Qt::NoButton, Qt::NoModifier);
  QCoreApplication::sendEvent(target, &press);
  QCoreApplication::sendEvent(target, &release);
  REQUIRE(!chosen.isEmpty());
  // the main window loaded it: the cost view shows that design, as moesim estimate would
  CHECK(w.tabs()->currentWidget() == w.cost_view());
  CHECK(w.session().model.spec == chosen.toStdString());
  Diagnostics d;
  const auto loaded = io::load_model(chosen.toStdString(), d);
  REQUIRE(loaded);
  CHECK(count_params(loaded->arch).total_params() == best.total_params);
  CHECK(loaded->arch.moe.experts == best.experts);
}

TEST_CASE("the Pareto view predicts each candidate's loss with the law", "[gui]") {
  Session s;
  const Resolved r = resolved(s);
  ParetoView view(s);
  view.refresh(r, true);
  REQUIRE(view.result());
  const ParetoResult& p = *view.result();
  const fit::Law& law = *fit::find_law("abnar2025");
  Workload train = r.workload;
  train.phase = Phase::train;
  const Estimate e = estimate(r.model.arch, train);
  fit::Observation o;
  o.total_params = e.params.total_params();
  o.active_params = e.params.active_excl_input_embedding();
  o.tokens = s.pareto.budget_flops / e.flops.training_per_token;
  o.sparsity = (8.0 - 2.0) / 8.0;
  o.experts = 8;
  CHECK(p.current.loss == Approx(fit::predict(law, law.info.published, o)).epsilon(1e-12));
  CHECK(p.current.cost == cli_latency(1).decode_step_s);
  // the front: sorted by cost, loss strictly falling, and nothing feasible dominates it
  REQUIRE(!p.front.empty());
  for (std::size_t k = 1; k < p.front.size(); ++k) {
    CHECK(p.candidates[p.front[k]].cost >= p.candidates[p.front[k - 1]].cost);
    CHECK(p.candidates[p.front[k]].loss < p.candidates[p.front[k - 1]].loss);
  }
  for (std::size_t i : p.front)
    for (const ParetoCandidate& c : p.candidates)
      CHECK_FALSE((c.feasible && c.cost < p.candidates[i].cost && c.loss < p.candidates[i].loss));
}

TEST_CASE("the Pareto view draws the optimizer's least loss at each cost; a click loads its design", "[gui]") {
  Session s;
  s.scaling.top_k = "1,2";
  MainWindow w(s);
  w.tabs()->setCurrentWidget(w.pareto_view());
  ParetoView& view = *w.pareto_view();
  REQUIRE(view.result());
  const ParetoResult& p = *view.result();
  REQUIRE(p.traced == fit::Limit::decode_latency);
  // exactly fit::tradeoff of the scaling view's law and lists, served as the candidates are
  // (the session's h100-sxm, its two devices (tp 2), batch and context)
  Diagnostics d;
  const auto hw = io::load_hardware("h100-sxm", d);
  REQUIRE(hw);
  fit::OptimizeOptions o;
  o.space.top_k = {1, 2};
  o.budgets = {s.pareto.budget_flops};
  REQUIRE(s.deployment.tp == 2);
  o.serving = {&*hw, 2, s.workload.batch, s.workload.context};
  const fit::Law& law = *fit::find_law("abnar2025");
  const auto want = fit::tradeoff(law, law.info.published, o, {});
  REQUIRE(p.optimal.size() == want.size());
  REQUIRE(p.optimal.size() >= 5);
  for (std::size_t i = 0; i < want.size(); ++i) {
    REQUIRE(p.optimal[i].feasible);
    CHECK(p.optimal[i].best.candidate.loss == want[i].best.candidate.loss);
    CHECK(p.optimal_cost[i] == want[i].best.placement.decode_step_s);
    CHECK(p.optimal[i].best.placement.devices <= 2);  // at most the session's, fewer where they fit
  }
  // a click on the cheapest design loads it into the cost view
  const std::size_t last = p.optimal.size() - 1;
  const fit::Design best = p.optimal[last].best;
  Plot* plot = view.plot();
  const QPointF at = plot->to_pixel(p.optimal_cost[last] * 1e3, best.candidate.loss);  // drawn in ms
  REQUIRE(plot->point_at(at));
  CHECK(plot->point_at(at)->second == static_cast<int>(last));
  view.choose_design(last);
  CHECK(w.tabs()->currentWidget() == w.cost_view());
  const auto loaded = io::load_model(w.session().model.spec, d);
  REQUIRE(loaded);
  CHECK(count_params(loaded->arch).total_params() == best.candidate.total_params);
  CHECK(loaded->arch.moe.top_k == best.top_k);

  // a cost the optimizer does not trace: the candidates alone, and a note why
  Session t;
  t.pareto.x = "memory_per_device.total_bytes";
  const Resolved r = resolved(t);
  ParetoView other(t);
  other.refresh(r, true);
  REQUIRE(other.result());
  CHECK(other.result()->optimal.empty());
  CHECK(other.plot()->note().contains("no optimizer front"));
}

TEST_CASE("the scaling view searches K and G lists and draws S* at a fixed total size", "[gui]") {
  Session s;
  s.scaling.budgets = "1e20,1e22,1e24";
  s.scaling.top_k = "1,2,4";
  s.scaling.granularity = "1,2";
  s.scaling.fixed_size = "1e10";
  const Resolved r = resolved(s);
  ScalingView view(s);
  view.refresh(r, true);
  REQUIRE_FALSE(view.status_is_error());
  const ScalingResult& res = *view.result();
  // without limits the optimizer still runs over the lists: the same as moesim frontier --top-k 1,2,4 --granularity 1,2
  const fit::Law& law = *fit::find_law("abnar2025");
  fit::OptimizeOptions o;
  o.space.top_k = {1, 2, 4};
  o.space.granularity = {1, 2};
  o.budgets = {1e20, 1e22, 1e24};
  const auto want = fit::optimize(law, law.info.published, o);
  REQUIRE(res.constrained.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(res.constrained[i].best.candidate.loss == want[i].best.candidate.loss);
  bool named = false;
  for (const Series& x : view.frontier_plot()->series()) named |= x.name == "S* over the K, G lists";
  CHECK(named);
  // the curves stay the first K and G
  CHECK(res.frontier->optimum[0].sparsity == Approx(1 - 1.0 / static_cast<double>(res.frontier->optimum[0].experts)));
  // Abnar et al. 2025: at fixed N, S* falls as C grows
  REQUIRE(res.fixed_size.size() == 3);
  CHECK(res.fixed_size[0].sparsity > res.fixed_size[2].sparsity);
  for (const fit::Candidate& c : res.fixed_size) CHECK(c.total_params == Approx(1e10).epsilon(0.1));
  const Series* fixed = nullptr;
  for (const Series& x : view.frontier_plot()->series())
    if (x.name.startsWith("S* at N")) fixed = &x;
  REQUIRE(fixed);
  CHECK(fixed->y.size() == 3);
  // bad lists name their field
  s.scaling.granularity = "1,x";
  view.refresh(r, true);
  CHECK(view.status().contains("/scaling/granularity"));
  s.scaling.granularity = "1";
  s.scaling.top_k = "1.5";
  view.refresh(r, true);
  CHECK(view.status().contains("/scaling/top_k"));
  s.scaling.top_k = "1";
  s.scaling.law = "ludziejewski2025";
  view.refresh(r, true);
  CHECK(view.status().contains("/scaling/fixed_size"));
}

TEST_CASE("the calibration view reads measured and predicted times", "[gui]") {
  Diagnostics d;
  const auto data = read_calibration_csv(kGuiFixtures + "/published_latency.csv", d);
  REQUIRE(d.empty());
  REQUIRE(data->points.size() == 8);
  // |errors| sorted: 1.227 1.551 2.631 9.259 10.231 22.095 24.708 29.689 (%):
  // median = (9.259 + 10.231) / 2; 90th percentile (Hyndman & Fan type 7, moesim validate's
  // rule): h = 0.9 * 7 = 6.3, so the 7th + 0.3 of the way to the 8th = 26.203
  const double e7 = std::fabs(0.03422 / 0.04545 - 1) * 100, e8 = std::fabs(0.01132 / 0.0161 - 1) * 100;
  CHECK(data->median_abs_error_pct == Approx((std::fabs(0.01225 / 0.0135 - 1) + std::fabs(0.6598 / 0.735 - 1)) * 50).epsilon(1e-12));
  CHECK(data->p90_abs_error_pct == Approx(e7 + 0.3 * (e8 - e7)).epsilon(1e-12));
  CHECK(data->p90_abs_error_pct == Approx(26.2028).margin(1e-4));

  d.clear();
  CHECK_FALSE(read_calibration_csv(kGuiFixtures + "/bad_no_predicted.csv", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "missing_column");
  d.clear();
  CHECK_FALSE(read_calibration_csv(kGuiFixtures + "/bad_not_a_number.csv", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "not_a_number");
  CHECK(d[0].path.ends_with(":3:2"));

  Session s;
  s.calibration.csv = kGuiFixtures + "/published_latency.csv";
  const Resolved r = resolved(s);
  CalibrationView view(s);
  view.refresh(r, true);
  CHECK(view.plot()->graph_count() == 1 + 3);  // y = x and one colour per kind
}

TEST_CASE("a bad model file shows the CLI's error and keeps the previous state", "[gui]") {
  MainWindow w;
  REQUIRE(w.last_valid());
  const double before = w.cost_view()->data().latency.decode_step_s;
  const QString description = w.inputs()->description();
  const std::string bad = kFixtures + "/bad_topk_gt_experts.json";
  w.open_model(bad);
  Diagnostics cli;
  CHECK_FALSE(io::load_model(bad, cli));
  REQUIRE(!cli.empty());
  const QString shown = w.inputs()->error_for("/model/spec");
  CHECK(shown.contains(QString::fromStdString(cli[0].path + ": " + cli[0].message)));
  CHECK(w.session().model.spec == bad);  // the field keeps what was typed
  CHECK(w.last_valid()->model.arch.name == "Mixtral-8x7B");
  CHECK(w.cost_view()->data().latency.decode_step_s == before);
  CHECK(w.inputs()->description() == description);

  w.open_model("mixtral-8x7b");  // a good model clears the error
  CHECK(w.inputs()->error_for("/model/spec").isEmpty());
}

TEST_CASE("an override that breaks a rule is reported beside its field", "[gui]") {
  Session s;
  s.model.overrides.top_k = 9;
  Diagnostics d;
  CHECK_FALSE(resolve(s, d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "/model/overrides/top_k");
  CHECK(d[0].message.starts_with("/moe/top_k: "));
  s.model.overrides.top_k.reset();
  s.deployment.tp = 0;
  s.workload.batch = 0;
  d.clear();
  CHECK_FALSE(resolve(s, d));
  REQUIRE(d.size() == 2);
  CHECK(d[0].path == "/workload/batch");
  CHECK(d[1].path == "/deployment/tp");
  CHECK(d[1].message == "0 must be in [1, 1048576]");  // as `moesim estimate --tp 0`

  // overrides mean what `moesim sweep --set` means
  s = Session{};
  s.model.overrides.experts = 16;
  s.model.overrides.weight_format = "int4-g128";
  const Resolved r = resolved(s);
  CHECK(r.model.arch.moe.experts == 16);
  CHECK(r.model.arch.precision.experts == *parse_number_format("int4-g128"));
}

TEST_CASE("a session saved and loaded restores every input", "[gui]") {
  Session s;
  s.model.spec = "qwen3-30b-a3b";
  ModelOverrides& o = s.model.overrides;
  o.layers = 24, o.hidden_size = 1024, o.experts = 64, o.top_k = 4, o.expert_width = 512, o.shared_experts = 1, o.heads = 16;
  o.kv_heads = 2, o.attention_kind = AttentionKind::standard, o.weight_format = "fp8", o.expert_format = "mxfp4";
  o.kv_format = "fp8", o.activation_format = "bf16";
  s.hardware = "h200";
  s.workload.phase = Phase::train;
  s.workload.batch = 64;
  s.workload.context = 2048;
  s.workload.train_tokens = 1e12;
  s.workload.training.recompute = Recompute::full;
  s.workload.training.zero = 2;
  s.workload.training.overlap_grad_reduce = true;
  s.workload.training.overlap_param_gather = true;
  s.deployment = {2, 4, 2, 4, 8, 2, 1.25, OffloadTarget::host, 3.5, CachePolicy::lfu, ExpertReads::mean, 0.5, 0.8, "1,2,3", "0.9", "0.04", true, PipelineSchedule::gpipe,
                  ExpertPlacement::balanced};
  s.sweep = {"top_k", "1..8", "hw", "l4,h200", "memory.total_bytes"};
  s.scaling = {"chinchilla", "1e20,1e21", "data.csv", "N=N,D=D,loss=loss", "1,2", "2", 0.9, "3e10", "1e11", "160 GB", 1e6, 8, 32, 4096, "50 ms", 1e12};
  s.pareto = {{"experts=8,16", "top_k=1,2"}, "memory_per_device.total_bytes", 3e22};
  s.calibration.csv = "validate.csv";
  QTemporaryDir dir;
  const std::string path = dir.filePath("session.json").toStdString();
  Diagnostics d;
  REQUIRE(save_session(s, path, d));
  const auto back = load_session(path, d);
  REQUIRE(d.empty());
  REQUIRE(back);
  CHECK(session_json(*back) == session_json(s));
  CHECK(back->deployment.offload == OffloadTarget::host);
  CHECK(back->deployment.expert_placement == ExpertPlacement::balanced);
  CHECK(back->model.overrides.expert_format == "mxfp4");
  CHECK(back->pareto.axes.size() == 2);
  CHECK(back->workload.train_tokens == 1e12);
  CHECK(back->workload.training.zero == 2);
  CHECK(back->workload.training.overlap_param_gather);

  // the main window saves what it shows
  MainWindow w(s);
  const std::string again = dir.filePath("again.json").toStdString();
  REQUIRE(w.save_session_file(again, d));
  MainWindow w2;
  REQUIRE(w2.load_session_file(again, d));
  CHECK(session_json(w2.session()) == session_json(s));
}

TEST_CASE("a session with an unknown key is an error with its JSON path", "[gui]") {
  Diagnostics d;
  CHECK_FALSE(load_session(kGuiFixtures + "/bad_unknown_key_session.json", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].code == "unknown_key");
  CHECK(d[0].path.ends_with("bad_unknown_key_session.json:/workload/batchh"));
  CHECK(d[0].message.find("did you mean \"batch\"") != std::string::npos);
  d.clear();
  CHECK_FALSE(read_session(io::Json{{"schema_version", 1}, {"workload", {{"phase", "serve"}}}}, d));
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "/workload/phase");
}

TEST_CASE("each view renders headless to a non-blank PNG", "[gui][render]") {
  QTemporaryDir dir;
  for (const char* name : kViewNames) {
    Session s;
    if (std::string(name) == "calibration") s.calibration.csv = kGuiFixtures + "/published_latency.csv";
    const QString path = dir.filePath(QString(name) + ".png");
    Diagnostics d;
    INFO(name);
    REQUIRE(render_view(name, s, path.toStdString(), 900, 600, d));
    QImage image(path);
    REQUIRE(!image.isNull());
    CHECK(image.width() == 900);
    CHECK(image.height() == 600);
    CHECK(distinct_colours(image) > 50);
  }
}

TEST_CASE("the render command line rejects bad arguments with exit code 2", "[gui][render]") {
  QTemporaryDir dir;
  const QString out = dir.filePath("x.png");
  CHECK(run_render({"--render", "costs", "--out", out}) == 2);
  CHECK(run_render({"--render", "cost"}) == 2);
  CHECK(run_render({"--render", "cost", "--out", dir.filePath("x.jpg")}) == 2);
  CHECK(run_render({"--render", "cost", "--out", out, "--size", "big"}) == 2);
  CHECK(run_render({"--render", "cost", "--out", out, "--bogus"}) == 2);
  CHECK(run_render({"--render", "cost", "--out", out, "--session", QString::fromStdString(kGuiFixtures + "/bad_unknown_key_session.json")}) == 2);
  CHECK(run_render({"--render", "cost", "--out", out}) == 0);
}

namespace {

// Answers the next popup menu or modal dialog the GUI opens (in its own nested event loop)
// with `act`, tried every 10 ms until it reports that it found its widget.
void when_open(std::function<bool()> act) {
  auto* timer = new QTimer;
  timer->setInterval(10);
  QObject::connect(timer, &QTimer::timeout, [timer, act] {
    if (!act()) return;
    timer->stop();
    timer->deleteLater();
  });
  timer->start();
}

// Picks the menu item `text` as a user does: highlights it and presses Return.
std::function<bool()> choose_menu_item(const QString& text) {
  return [text] {
    auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
    if (!menu) return false;
    for (QAction* a : menu->actions())
      if (a->text() == text) {
        menu->setActiveAction(a);
        QKeyEvent key(QEvent::KeyPress, Qt::Key_Return, Qt::NoModifier);
        QCoreApplication::sendEvent(menu, &key);
      }
    return true;
  };
}

// Types `path` into the open file dialog's name field and accepts it, as a user does.
std::function<bool()> answer_file_dialog(const QString& path) {
  return [path] {
    auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
    auto* name = dialog ? dialog->findChild<QLineEdit*>("fileNameEdit") : nullptr;  // Qt's own dialog
    if (!name) return false;
    name->setText(path);
    static_cast<QDialog*>(dialog)->accept();  // the dialog's own accept: as the Save button
    return true;
  };
}

std::function<bool()> press_message_box_button(QMessageBox::StandardButton button) {
  return [button] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return false;
    box->button(button)->click();
    return true;
  };
}

QByteArray file_bytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A vector drawing: the axis label is text in the file, and no picture is embedded.
void check_vector_export(const QString& path, const QString& label) {
  const QByteArray bytes = file_bytes(path);
  INFO(path.toStdString());
  if (path.endsWith(".svg")) {
    CHECK(bytes.startsWith("<?xml"));
    CHECK(bytes.contains("<svg"));
    CHECK(bytes.contains(label.toUtf8()));
    CHECK_FALSE(bytes.contains("<image"));
    // and it draws: Qt's SVG renderer paints it with the plot's many colours
    QSvgRenderer svg(bytes);
    REQUIRE(svg.isValid());
    QImage image(svg.defaultSize(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    svg.render(&painter);
    painter.end();
    CHECK(distinct_colours(image) > 50);
  } else {
    CHECK(bytes.startsWith("%PDF"));
    CHECK(bytes.size() > 2000);
    CHECK_FALSE(bytes.contains("/Subtype /Image"));
  }
}

}  // namespace

TEST_CASE("a plot's right-click menu exports PNG, SVG, PDF and its data as CSV", "[gui]") {
  MainWindow w;
  w.show();
  QApplication::processEvents();
  QTemporaryDir dir;
  Plot* plot = w.cost_view()->memory_plot();
  QWidget* canvas = plot->findChild<QWidget*>(QString(), Qt::FindDirectChildrenOnly);  // QCustomPlot
  REQUIRE(canvas);
  const std::pair<const char*, const char*> items[] = {
      {"Export PNG...", "m.png"}, {"Export SVG...", "m.svg"}, {"Export PDF...", "m.pdf"}, {"Export data as CSV...", "m.csv"}};
  for (const auto& [item, name] : items) {
    const QString path = dir.filePath(name);
    when_open(choose_menu_item(item));
    when_open(answer_file_dialog(path));
    // the right click arrives at the canvas, as a real one does; the plot must not lose it
    const QPoint at = canvas->rect().center();
    QContextMenuEvent event(QContextMenuEvent::Mouse, at, canvas->mapToGlobal(at));
    QCoreApplication::sendEvent(canvas, &event);
    INFO(name);
    CHECK(QFileInfo::exists(path));
  }
  CHECK(QImage(dir.filePath("m.png")).size() == plot->size() * plot->devicePixelRatio());
  check_vector_export(dir.filePath("m.svg"), "memory [GiB]");
  check_vector_export(dir.filePath("m.pdf"), "");
  CHECK(file_bytes(dir.filePath("m.csv")) == plot->to_csv().toUtf8());
  CHECK(plot->to_csv().startsWith("kind,name,category,memory [GiB],note\n"));
  // a name without an extension gets the chosen filter's: the PNG filter, as suggested
  when_open(choose_menu_item("Export PNG..."));
  when_open(answer_file_dialog(dir.filePath("bare")));
  QContextMenuEvent event(QContextMenuEvent::Mouse, canvas->rect().center(), canvas->mapToGlobal(canvas->rect().center()));
  QCoreApplication::sendEvent(canvas, &event);
  CHECK_FALSE(QImage(dir.filePath("bare.png")).isNull());
}

TEST_CASE("File > Export writes the whole view, every plot of it, by the file's extension", "[gui]") {
  MainWindow w;
  w.show();
  QApplication::processEvents();
  QAction* export_action = nullptr;
  for (QAction* a : w.menuBar()->actions().front()->menu()->actions())
    if (a->text().startsWith("&Export current view")) export_action = a;
  REQUIRE(export_action);
  QTemporaryDir dir;
  // the cost view: four plots (three phases and memory) in one file
  w.tabs()->setCurrentWidget(w.cost_view());
  for (const char* name : {"cost.svg", "cost.pdf", "cost.csv"}) {
    when_open(answer_file_dialog(dir.filePath(name)));
    export_action->trigger();
  }
  const QByteArray svg = file_bytes(dir.filePath("cost.svg"));
  for (Plot* p : w.cost_view()->plots()) CHECK(svg.contains(p->title().toHtmlEscaped().toUtf8()));
  check_vector_export(dir.filePath("cost.svg"), "memory [GiB]");
  check_vector_export(dir.filePath("cost.pdf"), "");
  const QString csv = QString::fromUtf8(file_bytes(dir.filePath("cost.csv")));
  CHECK(csv.startsWith("plot,kind,name,x,y,note\n"));
  std::size_t rows = 0;
  for (Plot* p : w.cost_view()->plots()) {
    CHECK(csv.contains("\n" + p->title() + ",") == !p->title().contains(','));
    rows += static_cast<std::size_t>(p->to_csv().count('\n') - 1);
  }
  CHECK(static_cast<std::size_t>(csv.count('\n')) == 1 + rows);
  // an unknown extension is refused, and nothing is written
  QString error;
  CHECK_FALSE(export_figure(w.cost_view()->figure(), w.cost_view()->plots(), dir.filePath("cost.jpg"), error));
  CHECK(error.contains(".png, .svg, .pdf or .csv"));
  CHECK_FALSE(QFileInfo::exists(dir.filePath("cost.jpg")));
  // every view, by --render too
  for (const char* view : kViewNames)
    for (const char* ext : {".svg", ".pdf", ".csv"}) {
      const QString out = dir.filePath(QString(view) + "-render" + ext);
      QStringList args = {"--render", view, "--out", out};
      if (std::string(view) == "calibration") args << "--calibration-csv" << QString::fromStdString(kGuiFixtures + "/published_latency.csv");
      INFO(out.toStdString());
      CHECK(run_render(args) == 0);
      CHECK(QFileInfo(out).size() > 100);
    }
}

TEST_CASE("the title shows unsaved edits and failed loads; closing with edits asks to save", "[gui]") {
  MainWindow w;
  w.show();
  QApplication::processEvents();
  CHECK(w.windowTitle().contains("built-in defaults"));
  CHECK_FALSE(w.modified());
  CHECK_FALSE(w.windowTitle().contains("modified"));
  Session s = w.session();
  s.workload.batch = 4;
  w.set_session(s);
  CHECK(w.modified());
  CHECK(w.windowTitle().contains("(modified)"));
  // Cancel keeps the window and the edit
  when_open(press_message_box_button(QMessageBox::Cancel));
  CHECK_FALSE(w.close());
  CHECK(w.session().workload.batch == 4);
  // Save asks where, saves, and closes
  QTemporaryDir dir;
  const QString path = dir.filePath("mine.json");
  when_open(press_message_box_button(QMessageBox::Save));
  when_open(answer_file_dialog(path));
  CHECK(w.close());
  CHECK_FALSE(w.modified());
  CHECK(w.windowTitle() == "moesim-gui — mine.json");
  Diagnostics d;
  CHECK(load_session(path.toStdString(), d)->workload.batch == 4);
  // a failed load says so in the title, and the session stays as it was
  w.show();
  CHECK_FALSE(w.load_session_file(kGuiFixtures + "/bad_unknown_key_session.json", d));
  CHECK(w.windowTitle() == "moesim-gui — mine.json — could not load bad_unknown_key_session.json");
  CHECK(w.session().workload.batch == 4);
  w.open_hardware("no-such-device");
  CHECK(w.windowTitle().contains("could not load no-such-device"));
  CHECK(w.windowTitle().contains("(modified)"));
  // Discard closes without saving
  when_open(press_message_box_button(QMessageBox::Discard));
  CHECK(w.close());
  CHECK(load_session(path.toStdString(), d)->hardware == "h100-sxm");
}
