#pragma once
// Sweep axes: "--set experts=8,16,64", "--set top_k=1..8", "--set batch=1..1024*2". The CLI's
// `sweep` and the GUI's sweep view both set fields through this one table.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/model/architecture.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/latency.h"
#include "moesim/model/workload.h"

namespace moesim::io {

// One configuration of a sweep: the three inputs (hardware chosen by name; the model axis'
// text in `model`, "" without one).
struct SweepPoint {
  Architecture arch;
  Workload workload;
  Deployment deployment;  // routing included
  std::string hardware;
  std::string model;
};

struct AxisValue {
  std::string text;   // as written, for the output row
  double number = 0;  // numeric fields
};

struct SweepAxis {
  std::string field;
  std::size_t field_index = 0;  // into sweep_fields()
  std::vector<AxisValue> values;
  bool workload_only = false;   // sets workload fields only: a prepared LatencyModel stays valid
  bool numeric = false;         // an integer or real field: values are numbers, not names
};

struct SweepFieldInfo {
  std::string_view name;   // as after --set, and the output column
  std::string_view help;   // what it sets
  std::string_view label;  // words and unit for people: axis titles, menus ("batch [sequences]")
};
const std::vector<SweepFieldInfo>& sweep_fields();

// "field=v1,v2", "field=a..b" (step 1) or "field=a..b*f" (geometric); values are checked
// against the field's type. At most `max_values` values.
std::optional<SweepAxis> parse_sweep_axis(std::string_view text, Diagnostics& out, std::size_t max_values = 1000000);

// Sets the axis' value number `index` on `point`; relative fields (granularity) read `base`.
void apply_sweep_value(SweepPoint& point, const SweepPoint& base, const SweepAxis& axis, std::size_t index);

}  // namespace moesim::io
