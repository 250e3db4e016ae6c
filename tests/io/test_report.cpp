#include <catch2/catch.hpp>

#include "moesim/io/report.h"
#include "moesim/model/estimate.h"

using namespace moesim;

TEST_CASE("report: the JSON keys scripts rely on are present and numeric") {
  Diagnostics d;
  const auto m = io::load_model("mixtral-8x7b", d);
  REQUIRE(m);
  Workload w;
  const Estimate e = estimate(m->arch, w);
  const io::Json j = io::estimate_json(*m, w, e);
  for (const char* key : {"/params/total", "/params/active", "/params/active_excl_input_embedding", "/params/non_embedding",
                          "/flops/per_token_forward", "/flops/total", "/memory/weights_bytes", "/memory/kv_cache_bytes",
                          "/memory/total_bytes"}) {
    INFO(key);
    REQUIRE(j.contains(io::Json::json_pointer(key)));
    CHECK(j.at(io::Json::json_pointer(key)).is_number());
  }
  CHECK(j["params"]["total"].get<double>() == e.params.total_params());
  CHECK(j["flops"]["total"].get<double>() == e.flops.decode_step);
}

TEST_CASE("report: CSV header and row have one column per field") {
  Diagnostics d;
  const auto m = io::load_model("deepseek-v3", d);
  REQUIRE(m);
  const Estimate e = estimate(m->arch, Workload{});
  const std::string header = io::estimate_csv_header(), row = io::estimate_csv_row(e);
  const auto commas = [](const std::string& s) { return std::count(s.begin(), s.end(), ','); };
  CHECK(commas(header) == commas(row));
  CHECK(static_cast<std::size_t>(commas(header)) + 1 == io::estimate_fields().size());
  CHECK(header.rfind("params.total,", 0) == 0);
  CHECK(row.rfind("671026419200,", 0) == 0);  // exact, not rounded
}

TEST_CASE("report: human units") {
  CHECK(io::human(46.7028e9, io::Unit::params) == "46.7028 B");
  CHECK(io::human(1024.0 * 1024 * 1024 * 80, io::Unit::bytes) == "80.00 GiB");
  CHECK(io::human(27.645e9, io::Unit::flop) == "27.645 GFLOP");
  // Small values keep their digits in a unit that shows them (issue 13: not "0 h").
  CHECK(io::human(0.000184, io::Unit::hours) == "662.400 ms");  // 0.000184 h x 3600 s/h = 0.6624 s
  CHECK(io::human(0.5, io::Unit::hours) == "1800.000 s");
  CHECK(io::human(12.5, io::Unit::hours) == "12.50 h");
  CHECK(io::human(3.7e6, io::Unit::hours) == "3700000 h");
  CHECK(io::human(0.000123, io::Unit::usd) == "$0.000123");
  CHECK(io::human(0.5, io::Unit::usd) == "$0.50");
  CHECK(io::human(1234.4, io::Unit::usd) == "$1234");
  CHECK(io::human(7200, io::Unit::joules) == "2.000 Wh");  // 7200 J / 3600 J/Wh
  CHECK(io::human(5, io::Unit::joules) == "5.00 J");
  CHECK(io::human(7.2e6, io::Unit::joules) == "2.000 kWh");
  CHECK(io::human(0.25, io::Unit::per_second) == "0.25 /s");
  CHECK(io::human(12.34, io::Unit::per_second) == "12.3 /s");
}
