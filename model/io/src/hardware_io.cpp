#include "moesim/io/hardware_io.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "moesim/io/report.h"
#include "moesim/io/units.h"

namespace moesim::io {
namespace {

constexpr const char* kComputeKeys[kComputeFormatCount] = {"fp32", "tf32", "bf16", "fp8", "int8", "fp4", "int4"};

// What a device can physically be, in base units: a value outside is a typo or a broken
// measurement, and the model cannot use it (a bandwidth of 0 made every read free or NaN).
struct Bounds {
  double low;   // exclusive when `positive`
  double high;  // inclusive
  bool positive = true;
};
constexpr Bounds kPeak{0, 1e18};           // FLOP/s of one device (GB200 FP4 is about 1e16)
constexpr Bounds kCapacity{0, 1e15};       // bytes
constexpr Bounds kCache{0, 1e12, false};
constexpr Bounds kMemoryBandwidth{0, 1e15};  // bytes/s (HBM3e stacks give about 1e13)
constexpr Bounds kLinkBandwidth{0, 1e14};
constexpr Bounds kLatency{0, 1, false};    // seconds
constexpr Bounds kOverhead{0, 0.1, false};
constexpr Bounds kGraphLaunch{0, 0.1};     // a kernel replayed from a graph still takes time
constexpr Bounds kPower{0, 1e6};           // watts
constexpr Bounds kPrice{0, 1e4, false};    // USD per hour

void read_quantity(ObjectReader& r, std::string_view key, Dimension dim, double& target, bool required, const Bounds& bounds) {
  const Json* v = r.value(key, required);
  if (!v) return;
  if (!v->is_string()) {
    r.fail(key, v->is_number() ? "missing_unit" : "wrong_type",
           describe_value(*v) + " must be a string with a unit, " + std::string(unit_examples(dim)));
    return;
  }
  const ParsedQuantity q = parse_quantity(v->get<std::string>(), dim);
  if (!q.value) {
    r.fail(key, "bad_unit", q.error);
    return;
  }
  const bool low_ok = bounds.positive ? *q.value > bounds.low : *q.value >= bounds.low;
  if (!low_ok || !(*q.value <= bounds.high)) {
    r.fail(key, "out_of_range", describe_value(*v) + " must be in " + (bounds.positive ? "(" : "[") + shortest_number(bounds.low) + ", " +
                                    shortest_number(bounds.high) + "] in base units (" + std::string(unit_examples(dim)) + "): no device has it");
    return;
  }
  target = *q.value;
}

void read_fraction(ObjectReader& r, std::string_view key, double& target) {
  if (const auto v = r.number(key, false)) {
    if (*v > 0 && *v <= 1) target = *v;
    else r.fail(key, "out_of_range", describe_value(Json(*v)) + " must be in (0, 1]");
  }
}

// [[x, fraction], ...] with x a plain count, or a size with a unit when `dim` is given;
// x strictly increasing, fractions in (0, 1] (0 would make the work free or infinite), and
// the time x / fraction never falling as x grows: a larger GEMM or read is never faster.
void read_curve(ObjectReader& r, std::string_view key, EfficiencyCurve& curve, const Dimension* dim) {
  const Json* v = r.value(key, false);
  if (!v) return;
  const std::string path = child_path(r.path(), key);
  if (!v->is_array() || v->empty() || v->size() > EfficiencyCurve::kMaxPoints) {
    r.fail(key, "wrong_type", "must be a list of 1 to " + std::to_string(EfficiencyCurve::kMaxPoints) + " [size, fraction] pairs");
    return;
  }
  Diagnostics& out = r.diagnostics();
  for (std::size_t i = 0; i < v->size(); ++i) {
    const Json& pair = (*v)[i];
    const std::string at = child_path(path, std::to_string(i));
    if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number()) {
      out.push_back({at, "wrong_type", describe_value(pair) + " must be [size, fraction]"});
      continue;
    }
    double x = 0;
    if (dim) {
      if (!pair[0].is_string()) {
        out.push_back({at + "/0", "missing_unit", describe_value(pair[0]) + " must carry a unit, " + std::string(unit_examples(*dim))});
        continue;
      }
      const ParsedQuantity q = parse_quantity(pair[0].get<std::string>(), *dim);
      if (!q.value) {
        out.push_back({at + "/0", "bad_unit", q.error});
        continue;
      }
      x = *q.value;
    } else if (pair[0].is_number()) {
      x = pair[0].get<double>();
    } else {
      out.push_back({at + "/0", "wrong_type", describe_value(pair[0]) + " must be a number"});
      continue;
    }
    const double f = pair[1].get<double>();
    if (!(x > 0)) out.push_back({at + "/0", "out_of_range", describe_value(pair[0]) + " must be positive"});
    if (!(f > 0 && f <= 1)) out.push_back({at + "/1", "out_of_range", describe_value(pair[1]) + " must be in (0, 1]"});
    if (curve.size > 0 && !(x > curve.point[curve.size - 1].x))
      out.push_back({at + "/0", "not_increasing", "sizes must increase strictly"});
    else if (curve.size > 0 && f > 0) {
      const auto& last = curve.point[curve.size - 1];
      if (x / f < (last.x / last.fraction) * (1 - 1e-9))
        out.push_back({at + "/1", "time_falls", describe_value(pair[1]) + " at this size takes less time than " + shortest_number(last.fraction) +
                                                    " at the smaller size before it (size / fraction must not fall as the size grows)"});
    }
    if (x > 0) curve.add(x, f);
  }
}

template <class F>
void section(ObjectReader& parent, std::string_view key, bool required, F&& body) {
  const Json* v = parent.value(key, required);
  if (!v) return;
  ObjectReader r(*v, child_path(parent.path(), key), parent.diagnostics());
  body(r);
  r.finish();
}

// Shortest text that reads back to the same value.
std::string quantity(double v, const char* unit) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, ec == std::errc() ? end : buffer) + " " + unit;
}

}  // namespace

std::optional<Hardware> read_hardware_profile(const Json& doc, Diagnostics& out) {
  const std::size_t before = out.size();
  ObjectReader r(doc, "/", out);
  if (!doc.is_object()) return std::nullopt;
  Hardware hw;
  if (const auto v = r.integer("schema_version", true); v && *v != kHardwareSchemaVersion)
    r.fail("schema_version", "unsupported", std::to_string(*v) + " is not supported (this moesim reads version " +
                                                std::to_string(kHardwareSchemaVersion) + ")");
  if (const auto v = r.string("name", true)) hw.name = *v;
  if (const auto v = r.string("kind", true)) {
    if (*v == "gpu" || *v == "cpu" || *v == "soc") hw.kind = *v;
    else r.fail("kind", "unknown_value", "\"" + *v + "\" must be gpu, cpu or soc");
  }
  r.string("notes", false);
  section(r, "provenance", true, [&](ObjectReader& p) {
    if (const auto v = p.string("method", true)) {
      if (*v == "datasheet" || *v == "calibration") hw.provenance.method = *v;
      else p.fail("method", "unknown_value", "\"" + *v + "\" must be datasheet or calibration");
    }
    if (const auto v = p.string("source", true)) hw.provenance.source = *v;
    if (const auto v = p.string("date", false)) hw.provenance.date = *v;
    if (const auto v = p.string("host", false)) hw.provenance.host = *v;
    if (const auto v = p.string("tool_version", false)) hw.provenance.tool_version = *v;
    if (const auto v = p.string("raw_measurements", false)) hw.provenance.raw_measurements = *v;
  });
  section(r, "compute", true, [&](ObjectReader& c) {
    for (std::size_t i = 0; i < kComputeFormatCount; ++i)
      read_quantity(c, kComputeKeys[i], Dimension::flop_per_s, hw.peak_flop_per_s[i], false, kPeak);
  });
  section(r, "memory", true, [&](ObjectReader& m) {
    read_quantity(m, "capacity", Dimension::bytes, hw.memory_bytes, true, kCapacity);
    read_quantity(m, "bandwidth", Dimension::bytes_per_s, hw.memory_bandwidth_bytes_per_s, true, kMemoryBandwidth);
    read_quantity(m, "cache", Dimension::bytes, hw.cache_bytes, false, kCache);
  });
  section(r, "host_memory", false, [&](ObjectReader& m) { read_quantity(m, "capacity", Dimension::bytes, hw.host_memory_bytes, true, kCapacity); });
  auto link = [&](std::string_view key, Link& l, bool devices) {
    section(r, key, false, [&](ObjectReader& s) {
      read_quantity(s, "bandwidth", Dimension::bytes_per_s, l.bandwidth_bytes_per_s, true, kLinkBandwidth);
      read_quantity(s, "latency", Dimension::seconds, l.latency_s, true, kLatency);
      if (devices) {
        if (const auto n = s.integer("devices", true)) {
          if (*n >= 1 && *n <= 1 << 20) hw.scale_up_devices = *n;
          else s.fail("devices", "out_of_range", std::to_string(*n) + " must be in [1, 1048576]");
        }
        if (const auto peer = s.boolean("peer_access", false)) hw.scale_up_peer_access = *peer;
      }
    });
  };
  link("host_link", hw.host_link, false);
  link("scale_up", hw.scale_up, true);
  link("scale_out", hw.scale_out, false);
  section(r, "storage", false, [&](ObjectReader& s) {
    read_quantity(s, "sequential_read", Dimension::bytes_per_s, hw.storage_sequential_read_bytes_per_s, true, kLinkBandwidth);
    read_quantity(s, "random_read", Dimension::bytes_per_s, hw.storage_random_read_bytes_per_s, true, kLinkBandwidth);
  });
  section(r, "power", false, [&](ObjectReader& s) { read_quantity(s, "tdp", Dimension::watts, hw.tdp_w, true, kPower); });
  section(r, "price", false, [&](ObjectReader& s) { read_quantity(s, "per_hour", Dimension::usd_per_hour, hw.price_usd_per_hour, true, kPrice); });
  section(r, "efficiency", true, [&](ObjectReader& e) {
    const Dimension bytes = Dimension::bytes;
    read_curve(e, "gemm_by_tokens", hw.gemm_by_tokens, nullptr);
    read_curve(e, "gemm_by_width", hw.gemm_by_width, nullptr);
    read_curve(e, "memory_by_bytes", hw.memory_by_bytes, &bytes);
    read_curve(e, "decode_attention_by_group", hw.decode_attention_by_group, nullptr);
    read_fraction(e, "link", hw.link_efficiency);
    read_quantity(e, "kernel_overhead", Dimension::seconds, hw.kernel_overhead_s, true, kOverhead);
    read_quantity(e, "pass_overhead", Dimension::seconds, hw.pass_overhead_s, false, kOverhead);
    read_quantity(e, "graph_kernel_overhead", Dimension::seconds, hw.graph_kernel_overhead_s, false, kGraphLaunch);
    // stored weight bytes unpacked per second, by element format (every one narrower than fp32)
    section(e, "dequantization", false, [&](ObjectReader& q) {
      for (std::size_t i = 0; i < kElementCount; ++i)
        if (const auto element = static_cast<Element>(i); element != Element::fp32)
          read_quantity(q, to_string(element), Dimension::bytes_per_s, hw.dequantize_bytes_per_s[i], false, kMemoryBandwidth);
    });
  });
  r.finish();
  // Whole-profile rules.
  bool any_peak = false;
  for (double p : hw.peak_flop_per_s) any_peak |= p > 0;
  if (!any_peak && out.size() == before) out.push_back({"/compute", "missing", "at least one compute peak is required"});
  if (out.size() != before) return std::nullopt;
  return hw;
}

Json write_hardware_profile(const Hardware& hw, const std::string& notes) {
  Json doc;
  doc["schema_version"] = kHardwareSchemaVersion;
  doc["name"] = hw.name;
  doc["kind"] = hw.kind;
  if (!notes.empty()) doc["notes"] = notes;
  Json prov{{"method", hw.provenance.method}, {"source", hw.provenance.source}};
  if (!hw.provenance.date.empty()) prov["date"] = hw.provenance.date;
  if (!hw.provenance.host.empty()) prov["host"] = hw.provenance.host;
  if (!hw.provenance.tool_version.empty()) prov["tool_version"] = hw.provenance.tool_version;
  if (!hw.provenance.raw_measurements.empty()) prov["raw_measurements"] = hw.provenance.raw_measurements;
  doc["provenance"] = prov;
  Json compute = Json::object();
  for (std::size_t i = 0; i < kComputeFormatCount; ++i)
    if (hw.peak_flop_per_s[i] > 0) compute[kComputeKeys[i]] = quantity(hw.peak_flop_per_s[i], "FLOP/s");
  doc["compute"] = compute;
  Json memory{{"capacity", quantity(hw.memory_bytes, "B")}, {"bandwidth", quantity(hw.memory_bandwidth_bytes_per_s, "B/s")}};
  if (hw.cache_bytes > 0) memory["cache"] = quantity(hw.cache_bytes, "B");
  doc["memory"] = memory;
  if (hw.host_memory_bytes > 0) doc["host_memory"] = {{"capacity", quantity(hw.host_memory_bytes, "B")}};
  auto link = [](const Link& l) { return Json{{"bandwidth", quantity(l.bandwidth_bytes_per_s, "B/s")}, {"latency", quantity(l.latency_s, "s")}}; };
  if (hw.host_link.bandwidth_bytes_per_s > 0) doc["host_link"] = link(hw.host_link);
  if (hw.scale_up.bandwidth_bytes_per_s > 0) {
    doc["scale_up"] = link(hw.scale_up);
    doc["scale_up"]["devices"] = hw.scale_up_devices;
    if (hw.scale_up_peer_access) doc["scale_up"]["peer_access"] = true;
  }
  if (hw.scale_out.bandwidth_bytes_per_s > 0) doc["scale_out"] = link(hw.scale_out);
  if (hw.storage_sequential_read_bytes_per_s > 0)
    doc["storage"] = {{"sequential_read", quantity(hw.storage_sequential_read_bytes_per_s, "B/s")},
                      {"random_read", quantity(hw.storage_random_read_bytes_per_s, "B/s")}};
  if (hw.tdp_w > 0) doc["power"] = {{"tdp", quantity(hw.tdp_w, "W")}};
  if (hw.price_usd_per_hour > 0) doc["price"] = {{"per_hour", quantity(hw.price_usd_per_hour, "USD/h")}};
  auto curve = [](const EfficiencyCurve& c, bool bytes) {
    Json list = Json::array();
    for (std::size_t i = 0; i < c.size; ++i)
      list.push_back(bytes ? Json{quantity(c.point[i].x, "B"), c.point[i].fraction} : Json{c.point[i].x, c.point[i].fraction});
    return list;
  };
  Json eff{{"link", hw.link_efficiency}, {"kernel_overhead", quantity(hw.kernel_overhead_s, "s")}};
  if (hw.gemm_by_tokens.size) eff["gemm_by_tokens"] = curve(hw.gemm_by_tokens, false);
  if (hw.gemm_by_width.size) eff["gemm_by_width"] = curve(hw.gemm_by_width, false);
  if (hw.memory_by_bytes.size) eff["memory_by_bytes"] = curve(hw.memory_by_bytes, true);
  if (hw.decode_attention_by_group.size) eff["decode_attention_by_group"] = curve(hw.decode_attention_by_group, false);
  if (hw.pass_overhead_s > 0) eff["pass_overhead"] = quantity(hw.pass_overhead_s, "s");
  if (hw.graph_kernel_overhead_s > 0) eff["graph_kernel_overhead"] = quantity(hw.graph_kernel_overhead_s, "s");
  Json dequantization = Json::object();
  for (std::size_t i = 0; i < kElementCount; ++i)
    if (hw.dequantize_bytes_per_s[i] > 0) dequantization[std::string(to_string(static_cast<Element>(i)))] = quantity(hw.dequantize_bytes_per_s[i], "B/s");
  if (!dequantization.empty()) eff["dequantization"] = dequantization;
  doc["efficiency"] = eff;
  return doc;
}

std::optional<Hardware> load_hardware(const std::string& spec, Diagnostics& out) {
  const std::size_t before = out.size();
  std::optional<Hardware> hw;
  std::string where;
  bool found = false;
  for (const PresetInfo& p : shipped_hardware_profiles()) {
    if (p.name != spec) continue;
    found = true;
    where = "hw " + spec;
    if (const auto doc = parse_json(p.text, out)) hw = read_hardware_profile(*doc, out);
  }
  std::error_code ec;
  if (!found && std::filesystem::is_regular_file(spec, ec)) {
    found = true;
    where = spec;
    if (const auto text = read_text_file(spec, out))
      if (const auto doc = parse_json(*text, out)) hw = read_hardware_profile(*doc, out);
  }
  if (!found) {
    std::string names;
    for (const PresetInfo& p : shipped_hardware_profiles()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    out.push_back({"--hw", "unknown_hardware", "\"" + spec + "\" is neither a shipped profile (" + names + ") nor a readable file"});
    return std::nullopt;
  }
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = where + ":" + out[i].path;
  return hw;
}

}  // namespace moesim::io
