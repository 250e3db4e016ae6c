#include <catch2/catch.hpp>

#include "moesim/io/sweep.h"

using namespace moesim;

TEST_CASE("sweep axes: lists, ranges and geometric ranges") {
  Diagnostics d;
  auto a = io::parse_sweep_axis("top_k=1..4", d);
  REQUIRE(a);
  CHECK(a->values.size() == 4);
  CHECK(a->values[3].number == 4);
  a = io::parse_sweep_axis("batch=1..1024*2", d);
  REQUIRE(a);
  CHECK(a->values.size() == 11);
  CHECK(a->values.back().number == 1024);
  a = io::parse_sweep_axis("experts=8,16,64", d);
  REQUIRE(a);
  CHECK(a->values[1].text == "16");
  a = io::parse_sweep_axis("weight_format=bf16,int4-g128", d);
  REQUIRE(a);
  a = io::parse_sweep_axis("overlap_grad_reduce=0,1", d);  // a workload flag: the latency model is reused
  REQUIRE(a);
  CHECK(a->values.size() == 2);
  CHECK(a->workload_only);
  CHECK(d.empty());
}

TEST_CASE("sweep axes: bad fields and values are named") {
  const std::pair<const char*, const char*> bad[] = {
      {"expert=8", "unknown_field"},  {"experts", "bad_option"},        {"experts=8,x", "wrong_type"},
      {"top_k=4..1", "bad_range"},    {"batch=1..8*1", "bad_range"},    {"weight_format=int5", "out_of_range"},
      {"phase=serve", "out_of_range"}, {"experts=1.5", "out_of_range"}, {"overlap_grad_reduce=0,2", "out_of_range"},
      {"overlap_param_gather=yes", "out_of_range"},
  };
  for (const auto& [text, code] : bad) {
    INFO(text);
    Diagnostics d;
    CHECK_FALSE(io::parse_sweep_axis(text, d));
    REQUIRE(d.size() == 1);
    CHECK(d[0].code == code);
  }
}

TEST_CASE("sweep axes: granularity splits the base model's experts") {
  io::SweepPoint base;
  base.arch.moe.experts = 8;
  base.arch.moe.top_k = 2;
  base.arch.moe.expert.width = 14336;
  io::SweepPoint point = base;
  Diagnostics d;
  const auto axis = io::parse_sweep_axis("granularity=1,4", d);
  REQUIRE(axis);
  io::apply_sweep_value(point, base, *axis, 1);
  CHECK(point.arch.moe.experts == 32);
  CHECK(point.arch.moe.top_k == 8);
  CHECK(point.arch.moe.expert.width == 3584);
  io::apply_sweep_value(point, base, *axis, 0);  // absolute from the base, not cumulative
  CHECK(point.arch.moe.experts == 8);
}
