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
