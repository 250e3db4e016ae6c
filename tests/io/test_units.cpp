#include <catch2/catch.hpp>

#include "moesim/io/units.h"

using namespace moesim::io;

TEST_CASE("units: decimal and binary prefixes are distinct") {
  CHECK(*parse_quantity("80 GiB", Dimension::bytes).value == 80.0 * 1024 * 1024 * 1024);
  CHECK(*parse_quantity("80 GB", Dimension::bytes).value == 80e9);
  CHECK(*parse_quantity("3.35 TB/s", Dimension::bytes_per_s).value == Approx(3.35e12));
  CHECK(*parse_quantity("64 GiB/s", Dimension::bytes_per_s).value == 64.0 * 1073741824.0);
  CHECK(*parse_quantity("989.4 TFLOP/s", Dimension::flop_per_s).value == Approx(989.4e12));
  CHECK(*parse_quantity("1979 TOP/s", Dimension::flop_per_s).value == Approx(1979e12));
  CHECK(*parse_quantity("2 us", Dimension::seconds).value == Approx(2e-6));
  CHECK(*parse_quantity("1.5 ms", Dimension::seconds).value == Approx(1.5e-3));
  CHECK(*parse_quantity("700 W", Dimension::watts).value == 700);
  CHECK(*parse_quantity("2.49 USD/h", Dimension::usd_per_hour).value == Approx(2.49));
}

TEST_CASE("units: bare numbers, wrong units and bad numbers are errors") {
  for (const char* bad : {"80", "80GiB", "80 gib", "80 GiB/s", "x GiB", "-1 GiB", "80  GiB", "1e999 B"}) {
    INFO(bad);
    const auto q = parse_quantity(bad, Dimension::bytes);
    CHECK_FALSE(q.value);
    CHECK_FALSE(q.error.empty());
  }
  CHECK_FALSE(parse_quantity("1 GiFLOP/s", Dimension::flop_per_s).value);  // binary prefix on FLOP/s
  CHECK_FALSE(parse_quantity("2 ks", Dimension::seconds).value);
  CHECK(parse_quantity("80", Dimension::bytes).error.find("no unit") != std::string::npos);
}
