#pragma once
// Results for people and scripts. The scalar fields of an estimate are listed once here; the
// table, JSON and CSV writers all read that list, so the three outputs cannot disagree.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/io/model_io.h"
#include "moesim/model/estimate.h"
#include "moesim/model/hardware.h"
#include "moesim/model/latency.h"
#include "moesim/model/workload.h"

namespace moesim::io {

enum class Unit { params, flop, bytes, tokens, seconds, per_second, ratio, joules, usd, hours };

struct EstimateField {
  std::string_view key;  // dotted path in the JSON output, and the CSV column name
  Unit unit;
  std::string_view label;  // for the table
  std::function<double(const Estimate&)> value;
};
const std::vector<EstimateField>& estimate_fields();

// The interpreted architecture, as a user checks it: one "key: value" line per fact.
std::string describe_architecture(const LoadedModel& model);
std::string describe_workload(const Workload& w);

// Stable interface: the fields above nested by their dotted keys, plus breakdowns by
// component and by layer group, and the workload.
Json estimate_json(const LoadedModel& model, const Workload& w, const Estimate& e);
std::string estimate_table(const LoadedModel& model, const Workload& w, const Estimate& e);
std::string estimate_csv_header();
std::string estimate_csv_row(const Estimate& e);

// The latency fields, listed once like estimate_fields(); a LatencyEstimate in, a number out.
struct LatencyField {
  std::string_view key;
  Unit unit;
  std::string_view label;
  std::function<double(const LatencyEstimate&)> value;
};
const std::vector<LatencyField>& latency_fields();

std::string describe_hardware(const Hardware& hw);
std::string describe_deployment(const Deployment& d);
// Adds "latency", "throughput", "feasible", "infeasible_reason", "memory_per_device" and the
// per-operator breakdown of each phase to an estimate's JSON.
void add_latency_json(Json& out, const LatencyEstimate& l);
std::string latency_table(const LatencyEstimate& l, Phase phase);
// One-line reason for an infeasible result, with the numbers that decided it.
std::string infeasible_reason(const LatencyEstimate& l);
// A missing device property is an input error, never free: the estimate needed a link or an
// offload path the profile lacks (Infeasible::no_link, no_offload_path). Paths name the
// deployment field that asked for it ("tp", "offload").
void missing_device_property(const LatencyEstimate& l, const Hardware& hw, const Deployment& d, Diagnostics& out);

// The shortest text that reads back to exactly `value` (std::to_chars), for CSV cells; "nan"
// for a NaN.
std::string shortest_number(double value);

// 46.70e9 -> "46.70 B"; bytes in GiB/MiB; FLOPs in GFLOP/TFLOP...
std::string human(double value, Unit unit);

}  // namespace moesim::io
