// Redraw time of each view of moesim-gui after an input change (issue 6: under 100 ms for
// interactive-sized work), offscreen: resolve the session, recompute, redraw.
#include <benchmark/benchmark.h>

#include <QApplication>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "render.h"
#include "session.h"
#include "views/view.h"

namespace {

// The session's inputs, or none with the benchmark skipped and the first problem named.
std::optional<moesim::gui::Resolved> resolve_or_skip(benchmark::State& state, const moesim::gui::Session& session) {
  moesim::Diagnostics d;
  auto resolved = moesim::gui::resolve(session, d);
  if (!resolved) state.SkipWithError(("the session does not resolve: " + (d.empty() ? std::string() : d[0].path + ": " + d[0].message)).c_str());
  return resolved;
}

void BM_Redraw(benchmark::State& state, const char* view_name) {
  moesim::gui::Session session;
  auto view = moesim::gui::make_view(view_name, session);
  view->resize(900, 600);
  std::int64_t batch = 1;
  for (auto _ : state) {
    session.workload.batch = batch = batch % 64 + 1;  // an input change each time
    const auto resolved = resolve_or_skip(state, session);
    if (!resolved) return;
    view->refresh(*resolved, true);
    view->grab();  // paint it, as the screen would
  }
}

BENCHMARK_CAPTURE(BM_Redraw, cost, "cost")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Redraw, sweep, "sweep")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Redraw, scaling, "scaling")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Redraw, pareto, "pareto")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Redraw, calibration, "calibration")->Unit(benchmark::kMillisecond);

// The scaling view after a change of a limit (issue 12: a 5-budget constrained frontier in
// under 250 ms): 8 devices of the session's H100, batch 64 x 8192, the decode-latency limit
// turning between 30, 40 and 50 ms, so every iteration recomputes fit::optimize and redraws.
void BM_ScalingLimitChange(benchmark::State& state) {
  moesim::gui::Session session;
  session.scaling.devices = 8;
  auto view = moesim::gui::make_view("scaling", session);
  view->resize(900, 600);
  const auto resolved = resolve_or_skip(state, session);
  if (!resolved) return;
  int i = 0;
  for (auto _ : state) {
    session.scaling.max_decode_latency = std::to_string(30 + 10 * (i++ % 3)) + " ms";
    view->refresh(*resolved, true);
    view->grab();
  }
}
BENCHMARK(BM_ScalingLimitChange)->Unit(benchmark::kMillisecond);

// The Pareto view after a change of its budget: the candidates and the optimizer's front
// (fit::tradeoff over K 1,2,4,8 and G 1,2,4 on 8 devices at batch 64, context 8192), drawn.
void BM_ParetoBudgetChange(benchmark::State& state) {
  moesim::gui::Session session;
  session.scaling.top_k = "1,2,4,8";
  session.scaling.granularity = "1,2,4";
  session.deployment.tp = 1;  // 8 devices (dp 8, ep 8 over them), whatever the session's default
  session.deployment.ep = 8;
  session.deployment.dp = 8;
  session.workload.batch = 64;
  session.workload.context = 8192;
  auto view = moesim::gui::make_view("pareto", session);
  view->resize(900, 600);
  const auto resolved = resolve_or_skip(state, session);
  if (!resolved) return;
  int i = 0;
  for (auto _ : state) {
    session.pareto.budget_flops = 1e22 * (1 + i++ % 3);
    view->refresh(*resolved, true);
    view->grab();
  }
}
BENCHMARK(BM_ParetoBudgetChange)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (!std::getenv("DISPLAY")) ::setenv("QT_QPA_PLATFORM", "offscreen", 0);
  QApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
