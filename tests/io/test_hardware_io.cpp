#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <map>
#include <tuple>

#include "moesim/io/hardware_io.h"

using namespace moesim;

TEST_CASE("hardware: every shipped profile loads, cites its source and has realistic efficiencies") {
  REQUIRE(io::shipped_hardware_profiles().size() >= 14);
  for (const io::PresetInfo& p : io::shipped_hardware_profiles()) {
    INFO(p.name);
    Diagnostics d;
    const auto hw = io::load_hardware(std::string(p.name), d);
    INFO((d.empty() ? std::string() : d[0].path + ": " + d[0].message));
    REQUIRE(hw);
    CHECK(hw->provenance.method == "datasheet");
    CHECK(hw->provenance.source.size() > 20);
    CHECK(hw->memory_bytes > 0);
    CHECK(hw->tdp_w > 0);
    // Datasheet peaks are never reached. GPUs: large GEMMs typically 60-80% of peak (the
    // power-capped L4 and the MI300X sit at 55%), large transfers 50-80% of bandwidth (issue 3);
    // CPUs and phone/edge SoCs reach less of their peak.
    const bool gpu = hw->kind == "gpu";
    CHECK(hw->gemm_by_tokens.at(1e6) >= (gpu ? 0.55 : 0.25));
    CHECK(hw->gemm_by_tokens.at(1e6) <= 0.8);
    CHECK(hw->memory_by_bytes.at(1e12) >= (gpu ? 0.5 : 0.4));
    CHECK(hw->memory_by_bytes.at(1e12) <= 0.8);
    CHECK(hw->gemm_by_tokens.at(1) < hw->gemm_by_tokens.at(1e6));
    if (hw->kind == "soc") CHECK(hw->storage_sequential_read_bytes_per_s > 0);  // edge offloading needs it
    // the shipped presets' weight-only formats (DeepSeek-V3's fp8, gpt-oss's mxfp4 experts,
    // int8 and int4-g128 exports) unpack on every shipped device, at least at its weight read
    // rate on GPUs, whose kernels hide the unpacking (Marlin)
    for (Element e : {Element::fp8, Element::int8, Element::int4, Element::fp4}) {
      const double rate = hw->dequantize_bytes_per_s[static_cast<std::size_t>(e)];
      CHECK(rate > 0);
      if (hw->kind == "gpu") CHECK(rate >= hw->memory_bandwidth_bytes_per_s);
    }
  }
}

TEST_CASE("hardware: a profile written and read back is the same") {
  for (const io::PresetInfo& p : io::shipped_hardware_profiles()) {
    INFO(p.name);
    Diagnostics d;
    const auto hw = io::load_hardware(std::string(p.name), d);
    REQUIRE(hw);
    const auto again = io::read_hardware_profile(io::write_hardware_profile(*hw), d);
    INFO((d.empty() ? std::string() : d[0].path + ": " + d[0].message));
    REQUIRE(again);
    for (std::size_t k = 0; k < kComputeFormatCount; ++k) CHECK(again->peak_flop_per_s[k] == hw->peak_flop_per_s[k]);
    CHECK(again->memory_bandwidth_bytes_per_s == Approx(hw->memory_bandwidth_bytes_per_s));
    CHECK(again->memory_bytes == Approx(hw->memory_bytes));
    CHECK(again->scale_up_devices == hw->scale_up_devices);
    CHECK(again->scale_up_peer_access == hw->scale_up_peer_access);
    CHECK(again->memory_by_bytes.size == hw->memory_by_bytes.size);
    CHECK(again->memory_by_bytes.at(12345678) == Approx(hw->memory_by_bytes.at(12345678)));
    CHECK(again->kernel_overhead_s == Approx(hw->kernel_overhead_s));
    for (std::size_t e = 0; e < kElementCount; ++e) CHECK(again->dequantize_bytes_per_s[e] == Approx(hw->dequantize_bytes_per_s[e]));
  }
}

// NVSwitch and Infinity Fabric nodes read their peers' memory; PCIe GPUs without a bridge do not.
TEST_CASE("hardware: peer access inside a node is a true/false of the scale-up link") {
  Diagnostics d;
  for (const auto& [name, peers] : std::map<std::string, bool>{{"h100-sxm", true}, {"mi300x", true}, {"l40s", false}, {"rtx-4090", false}}) {
    const auto hw = io::load_hardware(name, d);
    REQUIRE(hw);
    CHECK(hw->scale_up_peer_access == peers);
  }
  io::Json doc = io::write_hardware_profile(*io::load_hardware("h100-sxm", d));
  doc["scale_up"]["peer_access"] = "yes";
  Diagnostics bad;
  CHECK_FALSE(io::read_hardware_profile(doc, bad));
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].path == "/scale_up/peer_access");
  CHECK(bad[0].code == "wrong_type");
}

TEST_CASE("hardware: a measured decode-attention curve is read, written back, and held to the time rule") {
  Diagnostics d;
  auto hw = io::load_hardware("generic-x86-server", d);
  REQUIRE(hw);
  CHECK(hw->decode_attention_by_group.size == 0);  // no shipped profile measures it
  io::Json doc = io::write_hardware_profile(*hw);
  doc["efficiency"]["decode_attention_by_group"] = io::Json::array({io::Json::array({1, 0.04}), io::Json::array({4, 0.08}), io::Json::array({16, 0.23})});
  const auto read = io::read_hardware_profile(doc, d);
  REQUIRE(read);
  REQUIRE(read->decode_attention_by_group.size == 3);
  CHECK(read->decode_attention_by_group.at(4) == Approx(0.08));
  const auto again = io::read_hardware_profile(io::write_hardware_profile(*read), d);
  REQUIRE(again);
  CHECK(again->decode_attention_by_group.at(16) == Approx(0.23));
  // four times the heads (16 at 0.9 of peak after 4 at 0.08) in under a third of the time: refused
  doc["efficiency"]["decode_attention_by_group"][2][1] = 0.9;
  Diagnostics bad;
  CHECK_FALSE(io::read_hardware_profile(doc, bad));
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].path == "/efficiency/decode_attention_by_group/2/1");
  CHECK(bad[0].code == "time_falls");
}

TEST_CASE("hardware: the per-pass and graph-replay overheads are read with their unit, written back, and bounded") {
  // a graph-replayed kernel still takes time: 0 is out of its range, as a pass overhead of 0 is not
  for (const auto& [key, field, zero_allowed] : {std::tuple{"pass_overhead", &Hardware::pass_overhead_s, true},
                                                 std::tuple{"graph_kernel_overhead", &Hardware::graph_kernel_overhead_s, false}}) {
    INFO(key);
    Diagnostics d;
    auto hw = io::load_hardware("h100-sxm", d);
    REQUIRE(hw);
    CHECK((*hw).*field == 0);  // no shipped profile has a measurement
    CHECK_FALSE(io::write_hardware_profile(*hw)["efficiency"].contains(key));
    io::Json doc = io::write_hardware_profile(*hw);
    doc["efficiency"][key] = "250 us";
    const auto read = io::read_hardware_profile(doc, d);
    REQUIRE(read);
    CHECK((*read).*field == Approx(250e-6));
    const auto again = io::read_hardware_profile(io::write_hardware_profile(*read), d);
    REQUIRE(again);
    CHECK((*again).*field == Approx(250e-6));
    std::map<std::string, std::string> bad_values{{"1 s", "out_of_range"}, {"-1 ms", "bad_unit"}, {"1 GB", "bad_unit"}};
    if (!zero_allowed) bad_values["0 s"] = "out_of_range";
    for (const auto& [value, code] : bad_values) {
      doc["efficiency"][key] = value;
      Diagnostics bad;
      CHECK_FALSE(io::read_hardware_profile(doc, bad));
      REQUIRE(bad.size() == 1);
      CHECK(bad[0].path == std::string("/efficiency/") + key);
      CHECK(bad[0].code == code);
    }
  }
}

TEST_CASE("hardware: bad profiles give their error codes, every problem reported") {
  const std::map<std::string, std::string> expected{
      {"bad_bare_number", "missing_unit"},          {"bad_unit", "bad_unit"},
      {"bad_unknown_key", "unknown_key"},            {"bad_curve_not_increasing", "not_increasing"},
      {"bad_efficiency_above_one", "out_of_range"},  {"bad_no_compute", "missing"},
      {"bad_missing_provenance", "missing"},
      // What the model cannot use (once null or free latencies with feasible = true):
      {"bad_efficiency_zero", "out_of_range"},       {"bad_curve_time_falls", "time_falls"},
      {"bad_bandwidth_beyond_any_device", "out_of_range"}, {"bad_link_bandwidth_zero", "out_of_range"},
      // a format the table cannot name (fp32 and block names are not element formats either)
      {"bad_dequantization_unknown_format", "unknown_key"}, {"bad_dequantization_no_unit", "missing_unit"},
  };
  for (const auto& [name, code] : expected) {
    INFO(name);
    Diagnostics d;
    CHECK_FALSE(io::load_hardware(std::string(MOESIM_FIXTURES_DIR) + "/hw/" + name + ".json", d));
    REQUIRE_FALSE(d.empty());
    CHECK(d[0].code == code);
  }
  Diagnostics d;  // lint reports all problems at once, with their JSON paths
  CHECK_FALSE(io::load_hardware(std::string(MOESIM_FIXTURES_DIR) + "/hw/bad_several_problems.json", d));
  REQUIRE(d.size() == 2);
  CHECK(d[0].path.ends_with("/memory/capacity"));
  CHECK(d[1].path.ends_with("/power/tdp"));
}

TEST_CASE("hardware: the efficiency curve interpolates log-linearly and clamps") {
  EfficiencyCurve c;
  c.add(1e3, 0.2);
  c.add(1e5, 0.6);
  CHECK(c.at(10) == 0.2);
  CHECK(c.at(1e4) == Approx(0.4));  // half-way in log space
  CHECK(c.at(1e9) == 0.6);
  CHECK(EfficiencyCurve{}.at(5) == 1.0);
}

TEST_CASE("hardware: the curve's fast logarithm matches std::log interpolation over 30 decades") {
  // at() takes a tabled logarithm (hardware.cpp) instead of libm's: the interpolated
  // fraction must not move by more than 1e-10 anywhere, including at and near points.
  EfficiencyCurve c;
  const double xs[] = {1e-3, 0.7, 1, 3, 4096, 1e6, 3.3e9, 1e27};
  const double fs[] = {0.01, 0.05, 0.1, 0.3, 0.5, 0.62, 0.9, 1.0};
  for (int i = 0; i < 8; ++i) c.add(xs[i], fs[i]);
  auto exact = [&](double x) {
    if (x <= xs[0]) return fs[0];
    for (int i = 1; i < 8; ++i)
      if (x <= xs[i])
        return fs[i - 1] + (std::log(x) - std::log(xs[i - 1])) / (std::log(xs[i]) - std::log(xs[i - 1])) * (fs[i] - fs[i - 1]);
    return fs[7];
  };
  double worst = 0;
  for (double x = 1.1e-3; x < 2e27; x *= 1.0137) worst = std::max(worst, std::abs(c.at(x) - exact(x)));
  for (double x : xs) worst = std::max({worst, std::abs(c.at(x) - exact(x)), std::abs(c.at(std::nextafter(x, 0.0)) - exact(std::nextafter(x, 0.0)))});
  CHECK(worst < 1e-10);
}
