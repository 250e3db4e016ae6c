// The study engine: one order for every slice, the prepared latency model reused without a
// change of result, deployment axes checked as options are, and the Pareto front.
#include <catch2/catch.hpp>

#include <random>

#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/study.h"
#include "moesim/model/validate.h"

using namespace moesim;
using namespace moesim::io;

namespace {

StudyPlan plan_of(std::initializer_list<const char*> sets, bool with_hw = true) {
  Diagnostics d;
  StudyPlan p;
  p.base.arch = load_model("mixtral-8x7b", d)->arch;
  p.base.workload.phase = Phase::decode;
  for (const char* s : sets) p.axes.push_back(*parse_sweep_axis(s, d));
  if (with_hw) p.hardware.emplace("", *load_hardware("h200", d));
  REQUIRE(d.empty());
  return p;
}

}  // namespace

TEST_CASE("study: every slice [first, last) is the same rows as the whole walk") {
  const StudyPlan p = plan_of({"experts=8,16,32", "weight_format=bf16,fp8", "batch=1,8,64", "tp=1,2"});
  REQUIRE(p.rows() == 36);
  std::vector<std::pair<std::uint64_t, double>> whole;
  StudyCursor all(p);
  while (all.next()) whole.push_back({all.row().row, all.row().latency.decode_step_s});
  REQUIRE(whole.size() == 36);
  for (std::uint64_t first : {0, 1, 5, 17, 35})
    for (std::uint64_t last : {first, first + 1, first + 7, std::uint64_t{36}, std::uint64_t{1000}}) {
      StudyCursor slice(p, first, last);
      std::uint64_t expect = first;
      while (slice.next()) {
        REQUIRE(expect < 36);
        CHECK(slice.row().row == expect);
        CHECK(slice.row().latency.decode_step_s == whole[expect].second);
        ++expect;
      }
      CHECK(expect == std::min<std::uint64_t>(std::max(first, last), 36));
    }
}

TEST_CASE("study: the prepared latency model gives what a fresh estimate gives, row by row") {
  StudyPlan p = plan_of({"experts=8,16", "routing_skew=0,1.5", "batch=1,16", "context=512,4096", "phase=prefill,decode,train"});
  p.base.workload.train_tokens = 1e9;
  StudyCursor c(p);
  std::size_t rows = 0;
  while (c.next()) {
    const StudyRow& r = c.row();
    REQUIRE(r.valid);
    const LatencyEstimate fresh = estimate_latency(r.point->arch, r.point->workload, p.hardware.at(""), r.point->deployment);
    CHECK(r.latency.decode_step_s == fresh.decode_step_s);
    CHECK(r.latency.prefill_s == fresh.prefill_s);
    CHECK(r.latency.train_step_s == fresh.train_step_s);
    CHECK(r.latency.memory.total_bytes == fresh.memory.total_bytes);
    ++rows;
  }
  CHECK(rows == 48);
}

TEST_CASE("study: a deployment axis value is checked by the library's rule, as its option is") {
  StudyPlan p = plan_of({"routing_skew=0,50"});
  Diagnostics plan_problems, option_problems;
  validate(p, kMaxStudyRows, plan_problems);
  Deployment d;
  d.routing.zipf_exponent = 50;
  validate(d, option_problems);
  REQUIRE(plan_problems.size() == 1);
  REQUIRE(option_problems.size() == 1);
  CHECK(plan_problems[0].path == option_problems[0].path);
  CHECK(plan_problems[0].message == option_problems[0].message);

  Diagnostics more;
  validate(plan_of({"microbatches=0"}), kMaxStudyRows, more);
  validate(plan_of({"prefetch_accuracy=2"}), kMaxStudyRows, more);
  validate(plan_of({"experts=8,16", "top_k=1,2", "batch=1..1000"}), 3999, more);
  CHECK(more.size() == 3);
  CHECK(more[2].code == "too_many_rows");
}

TEST_CASE("study: invalid designs and a histogram of the wrong length are rows with a reason") {
  StudyPlan p = plan_of({"experts=8,16", "top_k=2,12"});
  p.base.deployment.routing.histogram = {4, 2, 1, 1, 1, 1, 1, 1};
  StudyCursor c(p);
  std::vector<std::string> reasons;
  while (c.next()) reasons.push_back(c.row().valid ? "" : c.row().problem->path);
  REQUIRE(reasons.size() == 4);
  CHECK(reasons[0].empty());                      // 8 experts, top-2
  CHECK(reasons[1] == "/moe/top_k");              // 12 > 8 experts
  CHECK(reasons[2] == "routing_histogram");       // 8 shares, 16 experts
  CHECK(c.label() == "experts=16 top_k=12");
}

TEST_CASE("study: the Pareto front is the brute-force front, ties to the lowest row") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> coordinate(0, 40);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::pair<double, double>> points;
    ParetoFront front;
    for (std::uint64_t i = 0; i < 300; ++i) {
      points.push_back({coordinate(rng), coordinate(rng)});
      front.offer(points.back().first, points.back().second, i, [] { return std::string(); });
    }
    std::vector<std::uint64_t> expected;
    for (std::uint64_t i = 0; i < points.size(); ++i) {
      bool beaten = false;
      for (std::uint64_t j = 0; j < points.size() && !beaten; ++j) {
        const bool no_worse = points[j].first <= points[i].first && points[j].second <= points[i].second;
        const bool better = points[j] != points[i];
        beaten = j != i && no_worse && (better || j < i);
      }
      if (!beaten) expected.push_back(i);
    }
    std::vector<std::uint64_t> got;
    for (const auto& p : front.sorted()) got.push_back(p.row);
    std::sort(got.begin(), got.end());
    CHECK(got == expected);
  }
}

TEST_CASE("study: a model axis starts each row from that model, the other axes set on top of it") {
  // granularity first: a relative field must read the row's model, not the plan's base
  StudyPlan p = plan_of({"granularity=1,2", "model=qwen3-30b-a3b,mixtral-8x7b", "batch=1,8"});
  Diagnostics d;
  for (const SweepAxis& a : p.axes) load_axis_inputs(a, p, d);
  REQUIRE(d.empty());
  REQUIRE(p.models.size() == 2);
  validate(p, kMaxStudyRows, d);
  REQUIRE(d.empty());
  StudyCursor c(p);
  std::size_t rows = 0;
  while (c.next()) {
    const StudyRow& r = c.row();
    const std::string& name = p.axes[1].values[r.index[1]].text;
    const Architecture& model = p.models.at(name);
    const std::int64_t g = r.index[0] == 0 ? 1 : 2;
    // the row is exactly the model with the granularity applied: nothing of the base or of
    // the previous row's model is left in it
    Architecture want = model;
    want.moe.experts *= g;
    want.moe.top_k *= g;
    want.moe.expert.width /= g;
    CHECK(r.point->arch.name == model.name);
    CHECK(r.point->arch.moe.experts == want.moe.experts);
    CHECK(r.point->arch.moe.top_k == want.moe.top_k);
    CHECK(r.point->arch.moe.expert.width == want.moe.expert.width);
    CHECK(r.point->arch.layers.size() == model.layers.size());
    CHECK(r.point->arch.hidden_size == model.hidden_size);
    REQUIRE(r.valid);
    Workload w = p.base.workload;
    w.batch = r.index[2] == 0 ? 1 : 8;
    CHECK(r.estimate.params.total_params() == estimate(want, w).params.total_params());
    CHECK(r.latency.decode_step_s == estimate_latency(want, w, p.hardware.at(""), p.base.deployment).decode_step_s);
    CHECK(c.label() == "granularity=" + std::to_string(g) + " model=" + name + " batch=" + std::to_string(w.batch));
    ++rows;
  }
  CHECK(rows == 8);
  // a slice that starts inside the second model still starts from it
  StudyCursor slice(p, 5, 6);
  REQUIRE(slice.next());
  CHECK(slice.row().point->arch.name == p.models.at(p.axes[1].values[slice.row().index[1]].text).name);
}

TEST_CASE("study: a granularity that does not divide a swept model's width names that model") {
  StudyPlan p = plan_of({"model=mixtral-8x7b,qwen3-30b-a3b", "granularity=1,3"});
  Diagnostics d;
  for (const SweepAxis& a : p.axes) load_axis_inputs(a, p, d);
  REQUIRE(d.empty());
  validate(p, kMaxStudyRows, d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "granularity");
  CHECK(d[0].code == "not_divisible");
  CHECK(d[0].message.find("mixtral-8x7b's expert width 14336") != std::string::npos);
}

TEST_CASE("study: a model or profile an axis names that does not load is the loader's error") {
  StudyPlan p = plan_of({"model=mixtral-8x7b,no-such-model", "hw=h200,no-such-device"});
  Diagnostics d;
  for (const SweepAxis& a : p.axes) load_axis_inputs(a, p, d);
  REQUIRE(d.size() == 2);
  CHECK(d[0].message.find("no-such-model") != std::string::npos);
  CHECK(d[1].message.find("no-such-device") != std::string::npos);
  CHECK(p.models.size() == 1);
  CHECK(p.hardware.count("h200") == 1);
}
