#include "moesim/fit/io/scaling_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <tuple>

#include "moesim/io/csv.h"
#include "moesim/io/json_reader.h"

namespace moesim::fit {
namespace {

using io::CsvTable;
using io::closest_name;

class Rows {
 public:
  Rows(const CsvTable& t, const std::string& path, Diagnostics& out) : t_(t), path_(path), out_(out) {}
  std::optional<std::size_t> column(const std::string& name) {
    const auto it = std::find(t_.header.begin(), t_.header.end(), name);
    if (it != t_.header.end()) return static_cast<std::size_t>(it - t_.header.begin());
    std::vector<std::string_view> names(t_.header.begin(), t_.header.end());
    const std::string hint = closest_name(name, names);
    out_.push_back({path_, "missing_column", "no column \"" + name + "\"" + (hint.empty() ? "" : " (did you mean \"" + hint + "\"?)")});
    return std::nullopt;
  }
  // The number in row r, column c; a diagnostic naming line and column otherwise.
  double number(std::size_t r, std::size_t c) {
    const std::string& s = t_.rows[r][c];
    double v = 0;
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    while (begin < end && *begin == ' ') ++begin;
    const auto [stop, ec] = std::from_chars(begin, end, v);
    if (ec != std::errc() || stop != end || !std::isfinite(v)) {
      out_.push_back({path_ + ":" + std::to_string(t_.line[r]) + ":" + std::to_string(c + 1), "not_a_number",
                      "line " + std::to_string(t_.line[r]) + ", column " + std::to_string(c + 1) + " (" + t_.header[c] + "): \"" + s +
                          "\" is not a number"});
      return NAN;
    }
    return v;
  }
  const std::string& text(std::size_t r, std::size_t c) const { return t_.rows[r][c]; }
  std::size_t size() const { return t_.rows.size(); }

 private:
  const CsvTable& t_;
  const std::string& path_;
  Diagnostics& out_;
};

bool has_columns(const CsvTable& t, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (std::find(t.header.begin(), t.header.end(), n) == t.header.end()) return false;
  return true;
}

}  // namespace

std::optional<Dataset> parse_dataset(std::string_view name) {
  if (name == "generic") return Dataset::generic;
  if (name == "epoch-chinchilla") return Dataset::epoch_chinchilla;
  if (name == "clark2022") return Dataset::clark2022;
  if (name == "steplaw") return Dataset::steplaw;
  return std::nullopt;
}

std::string_view to_string(Dataset d) {
  switch (d) {
    case Dataset::generic: return "generic";
    case Dataset::epoch_chinchilla: return "epoch-chinchilla";
    case Dataset::clark2022: return "clark2022";
    case Dataset::steplaw: return "steplaw";
  }
  return "?";
}

std::optional<ScalingData> read_scaling_data(const std::string& path, const DataOptions& options, Diagnostics& out) {
  const std::size_t before = out.size();
  const auto text = io::read_text_file(path, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = path;
  if (!text) return std::nullopt;
  const auto table = io::parse_csv(*text, path, out);
  if (!table) return std::nullopt;
  ScalingData data;
  if (options.dataset) data.dataset = *options.dataset;
  else if (has_columns(*table, {"Model Size", "Training FLOP", "loss"})) data.dataset = Dataset::epoch_chinchilla;
  else if (has_columns(*table, {"hyper_id", "router_type", "loss_validation"})) data.dataset = Dataset::clark2022;
  else if (has_columns(*table, {"nume", "topk", "smooth loss"})) data.dataset = Dataset::steplaw;
  Rows rows(*table, path, out);

  // Filters first: the rows they keep are the data set.
  std::vector<std::size_t> keep;
  std::vector<std::pair<std::size_t, std::string>> filters;
  bool router_filter = false;
  for (const auto& [column, value] : options.filters) {
    if (const auto c = rows.column(column)) filters.emplace_back(*c, value);
    router_filter |= column == "router_type";
  }
  if (out.size() != before) return std::nullopt;
  const auto router_column = data.dataset == Dataset::clark2022 ? rows.column("router_type") : std::nullopt;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    bool ok = true;
    for (const auto& [c, value] : filters) {
      // Clark et al. fit each router together with the dense runs all routers share.
      const bool shared_dense = router_filter && router_column && c == *router_column && rows.text(r, c) == "Dense";
      ok &= rows.text(r, c) == value || shared_dense;
    }
    if (ok) keep.push_back(r);
  }
  if (router_filter && data.dataset == Dataset::clark2022) data.notes.push_back("router filter: the Dense runs (E = 1) are kept, as Clark et al. fit them with every router");

  switch (data.dataset) {
    case Dataset::epoch_chinchilla: {
      // Besiroglu et al. 2024: D = C / (6 N); the 5 highest-loss points are dropped (n = 240).
      const auto n = rows.column("Model Size"), c = rows.column("Training FLOP"), l = rows.column("loss");
      if (!n || !c || !l) return std::nullopt;
      for (std::size_t r : keep) {
        Observation o;
        o.total_params = o.active_params = rows.number(r, *n);
        o.tokens = rows.number(r, *c) / (6 * o.total_params);
        o.loss = rows.number(r, *l);
        data.points.push_back(o);
      }
      std::sort(data.points.begin(), data.points.end(), [](auto& a, auto& b) { return a.loss > b.loss; });
      if (data.points.size() > 5) data.points.erase(data.points.begin(), data.points.begin() + 5);
      data.notes.push_back("epoch-chinchilla: D = Training FLOP / (6 N); the 5 highest-loss points dropped, as Epoch did");
      break;
    }
    case Dataset::clark2022: {
      // The paper's fits use each run's final step with routing frequency 0.5, k = 1, seed 42.
      const auto id = rows.column("hyper_id"), step = rows.column("step"), rf = rows.column("routing_frequency"),
                 k = rows.column("k"), seed = rows.column("seed"), n = rows.column("dense_parameter_count"),
                 e = rows.column("num_experts"), l = rows.column("loss_validation");
      if (!id || !step || !rf || !k || !seed || !n || !e || !l) return std::nullopt;
      std::map<std::string, std::size_t> final_row;
      for (std::size_t r : keep) {
        if (rows.number(r, *rf) != 0.5 || rows.number(r, *k) != 1 || rows.number(r, *seed) != 42) continue;
        auto [it, fresh] = final_row.emplace(rows.text(r, *id), r);
        if (!fresh && rows.number(r, *step) > rows.number(it->second, *step)) it->second = r;
      }
      for (const auto& [run, r] : final_row) {
        Observation o;
        o.total_params = o.active_params = rows.number(r, *n);
        o.experts = rows.number(r, *e);
        o.tokens = 130e9;  // every run, Clark et al. §3
        o.loss = rows.number(r, *l);
        data.points.push_back(o);
      }
      data.notes.push_back("clark2022: final step of each run, routing_frequency 0.5, k 1, seed 42; D = 130B tokens");
      break;
    }
    case Dataset::steplaw: {
      // One point per (experts, top-k, D) cell: the best (lr, batch) by smoothed final loss.
      const auto topk = rows.column("topk"), nume = rows.column("nume"), n = rows.column("N"), na = rows.column("Na"),
                 d = rows.column("D"), l = rows.column("smooth loss");
      if (!topk || !nume || !n || !na || !d || !l) return std::nullopt;
      std::map<std::tuple<double, double, double>, Observation> best;
      for (std::size_t r : keep) {
        Observation o;
        const double k = rows.number(r, *topk), E = rows.number(r, *nume);
        o.total_params = rows.number(r, *n);
        o.active_params = rows.number(r, *na);
        o.tokens = rows.number(r, *d);
        o.experts = E;
        o.sparsity = (E - k) / E;  // Abnar et al. 2025: S = (E - K) / E
        o.loss = rows.number(r, *l);
        auto [it, fresh] = best.emplace(std::tuple{E, k, o.tokens}, o);
        if (!fresh && o.loss < it->second.loss) it->second = o;
      }
      for (const auto& [cell, o] : best) data.points.push_back(o);
      data.notes.push_back("steplaw: best (lr, bs) per (experts, top-k, D) cell by smooth loss; S = (E - K)/E");
      break;
    }
    case Dataset::generic: {
      if (options.columns.empty())
        out.push_back({"columns", "missing", "a generic CSV needs its columns named, ROLE=COLUMN,... (roles N, Na, D, S, E, G, loss, weight)"});
      std::vector<std::pair<std::string, std::size_t>> map;
      for (const auto& [role, column] : options.columns) {
        static const char* const roles[] = {"N", "Na", "D", "S", "E", "G", "loss", "weight"};
        if (std::find(std::begin(roles), std::end(roles), role) == std::end(roles)) {
          out.push_back({"columns", "unknown_role", "\"" + role + "\" is not a role (N, Na, D, S, E, G, loss, weight)"});
          continue;
        }
        if (const auto c = rows.column(column)) map.emplace_back(role, *c);
      }
      if (out.size() != before) return std::nullopt;
      for (std::size_t r : keep) {
        Observation o;
        for (const auto& [role, c] : map) {
          const double v = rows.number(r, c);
          if (role == "N") o.total_params = v;
          else if (role == "Na") o.active_params = v;
          else if (role == "D") o.tokens = v;
          else if (role == "S") o.sparsity = v;
          else if (role == "E") o.experts = v;
          else if (role == "G") o.granularity = v;
          else if (role == "loss") o.loss = v;
          else if (role == "weight") o.weight = v;
        }
        if (o.active_params == 0) o.active_params = o.total_params;
        data.points.push_back(o);
      }
      break;
    }
  }
  if (out.size() != before) return std::nullopt;
  for (std::size_t i = 0; i < data.points.size(); ++i) {
    const Observation& o = data.points[i];
    if (!(o.loss > 0) || !(o.sparsity >= 0 && o.sparsity < 1) || o.total_params < 0 || o.tokens < 0) {
      out.push_back({path, "out_of_range", "point " + std::to_string(i + 1) + " has a non-positive loss or a sparsity outside [0, 1)"});
      return std::nullopt;
    }
  }
  if (data.points.empty()) out.push_back({path, "empty", "no data points left after the filters"});
  if (out.size() != before) return std::nullopt;
  return data;
}

}  // namespace moesim::fit
