#include <catch2/catch.hpp>

#include "moesim/model/enum_names.h"
#include "moesim/model/number_format.h"

using namespace moesim;

TEST_CASE("number formats: bits per value, block scales included") {
  struct Case {
    const char* name;
    double bits;
  };
  const Case cases[] = {
      {"fp32", 32}, {"bf16", 16}, {"fp16", 16}, {"fp8", 8}, {"int8", 8}, {"int4", 4}, {"int2", 2},
      {"mxfp4", 4 + 8.0 / 32},    // OCP MX v1.0: E8M0 scale per 32
      {"nvfp4", 4 + 8.0 / 16},    // FP8 scale per 16
      {"mxfp8", 8 + 8.0 / 32},
      {"int4-g128", 4 + 16.0 / 128},  // fp16 scale per 128
      {"int3-g64", 3 + 16.0 / 64},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto f = parse_number_format(c.name);
    REQUIRE(f);
    CHECK(f->bits_per_value() == Approx(c.bits));
    CHECK(to_string(*f) == c.name);  // one name each way
  }
}

TEST_CASE("number formats: bad names are rejected") {
  for (const char* bad : {"", "int5", "int8-g", "int8-g0", "int8-g4", "fp8-g128", "bf16-g32", "int4-g12x", "BF16", "int8 "}) {
    INFO(bad);
    CHECK_FALSE(parse_number_format(bad));
  }
}

TEST_CASE("enum names round-trip") {
  for (const auto& n : enum_names<RouterKind>()) CHECK(parse_enum<RouterKind>(n.name) == n.value);
  for (const auto& n : enum_names<AttentionSpan>()) CHECK(parse_enum<AttentionSpan>(n.name) == n.value);
  for (const auto& n : enum_names<Phase>()) CHECK(to_string(n.value) == n.name);
  CHECK_FALSE(parse_enum<Phase>("serve"));
  CHECK(enum_choices<Phase>() == "prefill, decode or train");
}
