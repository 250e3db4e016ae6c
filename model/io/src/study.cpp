#include "moesim/io/study.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <optional>
#include <tuple>

#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/model/validate.h"

namespace moesim::io {

std::uint64_t StudyPlan::rows() const {
  std::uint64_t total = 1;
  for (const SweepAxis& a : axes) {
    if (a.values.empty()) return 0;
    if (total > kMaxStudyRows / a.values.size()) return kMaxStudyRows + 1;  // "too many", without overflow
    total *= a.values.size();
  }
  return total;
}

namespace {

// The first value of an axis that would build a wrong or runaway row, found before any row is:
// a granularity that does not divide the base expert width (Krajewski et al. 2024 §3 splits
// each expert into G of width d_expert / G; it would round silently), a layer count beyond the
// bound (1e9 layers took 20 s and 2 GB to refuse).
std::optional<Diagnostic> value_problem(const Architecture& base, const std::string& model, const SweepAxis& axis) {
  const std::int64_t width = base.moe.expert.width;
  for (const AxisValue& v : axis.values) {
    const auto g = static_cast<std::int64_t>(v.number);
    if (axis.field == "granularity" && g > 0 && width % g != 0)
      return Diagnostic{axis.field, "not_divisible",
                        "G = " + v.text + " does not divide " + (model.empty() ? "the base model" : model) + "'s expert width " + std::to_string(width)};
    if (axis.field == "layers" && !(v.number >= 1 && v.number <= static_cast<double>(kMaxLayers)))
      return Diagnostic{axis.field, "out_of_range", v.text + " must be in [1, " + std::to_string(kMaxLayers) + "]"};
  }
  return std::nullopt;
}

}  // namespace

void load_axis_inputs(const SweepAxis& axis, StudyPlan& plan, Diagnostics& out) {
  for (const AxisValue& v : axis.values) {
    if (axis.field == "hw" && !plan.hardware.count(v.text))
      if (auto hw = load_hardware(v.text, out)) plan.hardware.emplace(v.text, std::move(*hw));
    if (axis.field == "model" && !plan.models.count(v.text))
      if (auto model = load_model(v.text, out)) plan.models.emplace(v.text, std::move(model->arch));
  }
}

void validate(const StudyPlan& plan, std::uint64_t max_rows, Diagnostics& out) {
  const std::size_t before = out.size();
  for (std::size_t i = 0; i < plan.axes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (plan.axes[i].field == plan.axes[j].field)
        out.push_back({plan.axes[i].field, "duplicate", "field \"" + plan.axes[i].field + "\" is set twice"});
  if (plan.rows() > max_rows)
    out.push_back({plan.axes.empty() ? std::string() : plan.axes.front().field, "too_many_rows",
                   "the study would have more than " + std::to_string(max_rows) + " rows"});
  for (const SweepAxis& axis : plan.axes) {
    std::optional<Diagnostic> problem;
    if (plan.models.empty()) problem = value_problem(plan.base.arch, "", axis);
    for (auto m = plan.models.begin(); m != plan.models.end() && !problem; ++m) problem = value_problem(m->second, m->first, axis);
    if (problem) out.push_back(std::move(*problem));
  }
  if (out.size() != before) return;  // before any row is built from a refused value
  // A deployment value the library refuses is bad input, as the same value of an option is.
  for (const SweepAxis& axis : plan.axes) {
    SweepPoint p = plan.base;  // one copy per axis: each value sets the same field anew
    for (std::size_t v = 0; v < axis.values.size(); ++v) {
      apply_sweep_value(p, plan.base, axis, v);
      Diagnostics d;  // the base deployment was checked by its front end: these are the axis'
      validate(p.deployment, d);
      for (const Diagnostic& x : d) out.push_back({x.path, x.code, x.message});
      if (!d.empty()) return;  // the first bad value says enough
    }
  }
}

std::string StudyRow::reason() const {
  if (!valid) return problem ? "invalid: " + problem->path + ": " + problem->message : "invalid";
  return latency.feasible() ? std::string() : infeasible_reason(latency);
}

StudyCursor::StudyCursor(const StudyPlan& plan, std::uint64_t first, std::uint64_t last)
    : plan_(plan), next_row_(first), last_(std::min(last, plan.rows())), point_(plan.base) {
  model_axis_ = static_cast<std::size_t>(
      std::find_if(plan.axes.begin(), plan.axes.end(), [](const SweepAxis& a) { return a.field == "model"; }) - plan.axes.begin());
  row_.index.assign(plan.axes.size(), 0);
  row_.point = &point_;
  // The axis values of row `first`: its mixed-radix digits, the last axis the lowest.
  std::uint64_t rest = first;
  for (std::size_t k = plan.axes.size(); k-- > 0;) {
    const std::uint64_t n = plan.axes[k].values.size();
    row_.index[k] = static_cast<std::size_t>(rest % n);
    rest /= n;
  }
}

bool StudyCursor::next() {
  if (next_row_ >= last_) return false;
  const std::vector<SweepAxis>& axes = plan_.axes;
  if (started_) {  // the constructor set the first row's index
    for (std::size_t k = axes.size(); k-- > 0;) {  // odometer: the last axis turns fastest
      if (++row_.index[k] < axes[k].values.size()) break;
      row_.index[k] = 0;
    }
  }
  const bool new_model = model_axis_ < axes.size() && row_.index[model_axis_] != model_index_;
  started_ = true;
  row_.row = next_row_++;
  if (new_model) {  // every field the other axes do not set comes from this row's model
    const auto model = plan_.models.find(axes[model_axis_].values[row_.index[model_axis_]].text);
    assert(model != plan_.models.end());
    model_base_ = plan_.base;
    model_base_.arch = model->second;
    point_.arch = model->second;
    model_index_ = row_.index[model_axis_];
  }
  const SweepPoint& base = model_axis_ < axes.size() ? model_base_ : plan_.base;
  for (std::size_t k = 0; k < axes.size(); ++k) apply_sweep_value(point_, base, axes[k], row_.index[k]);

  // The architecture's and the deployment's rules read no workload field: rows that turn
  // only workload axes (usually the fastest) reuse their verdicts.
  bool same_design = checked_;
  for (std::size_t k = 0; k < axes.size() && same_design; ++k) same_design = axes[k].workload_only || row_.index[k] == checked_index_[k];
  if (!same_design) {
    arch_problems_.clear();
    deployment_problems_.clear();
    validate(point_.arch, arch_problems_);
    validate(point_.deployment, point_.arch, deployment_problems_);
    checked_index_ = row_.index;
    checked_ = true;
  }
  problems_ = arch_problems_;
  validate(point_.workload, point_.arch, problems_);
  problems_.insert(problems_.end(), deployment_problems_.begin(), deployment_problems_.end());
  row_.valid = problems_.empty();
  row_.problem.reset();
  row_.latency = LatencyEstimate{};
  if (!row_.valid) {
    row_.problem = problems_.front();
    return true;
  }
  row_.estimate = estimate(point_.arch, point_.workload);
  if (!plan_.with_latency()) return true;
  // Prepared once per architecture, device and deployment; rows that change only workload
  // axes (the fastest-turning ones, usually) reuse it.
  bool reuse = latency_model_.has_value();
  for (std::size_t k = 0; k < axes.size() && reuse; ++k) reuse = axes[k].workload_only || row_.index[k] == latency_index_[k];
  if (!reuse) {
    const auto hw = plan_.hardware.find(point_.hardware);
    assert(hw != plan_.hardware.end() || plan_.hardware.count(""));
    latency_model_.emplace(point_.arch, hw != plan_.hardware.end() ? hw->second : plan_.hardware.at(""), point_.deployment);
    latency_index_ = row_.index;
  }
  row_.latency = (*latency_model_)(point_.workload, plan_.phases);
  return true;
}

std::string StudyCursor::label() const {
  std::string s;
  for (std::size_t k = 0; k < plan_.axes.size(); ++k)
    s += (k ? " " : "") + plan_.axes[k].field + "=" + plan_.axes[k].values[row_.index[k]].text;
  return s.empty() ? "base" : s;
}

std::vector<StudyColumn> study_columns(const StudyPlan& plan) {
  std::vector<StudyColumn> all;
  for (std::size_t i = 0; i < plan.axes.size(); ++i) all.push_back({plan.axes[i].field, static_cast<int>(i), Unit::ratio, nullptr});
  all.push_back({"valid", -1, Unit::ratio, [](const StudyRow& r) { return r.valid ? 1.0 : 0.0; }});
  for (const auto& f : estimate_fields())
    all.push_back({std::string(f.key), -1, f.unit, [&f](const StudyRow& r) { return r.valid ? f.value(r.estimate) : std::nan(""); }});
  if (plan.with_latency())
    for (const auto& f : latency_fields())
      all.push_back({std::string(f.key), -1, f.unit, [&f](const StudyRow& r) { return r.valid ? f.value(r.latency) : std::nan(""); }});
  return all;
}

bool ParetoFront::dominated(double x, double y) const {
  return std::any_of(points_.begin(), points_.end(), [&](const Point& p) { return p.x <= x && p.y <= y; });
}

void ParetoFront::insert(Point p) {
  std::erase_if(points_, [&](const Point& q) { return p.x <= q.x && p.y <= q.y; });
  if (points_.size() < kMaxPoints) points_.push_back(std::move(p));
  else truncated_ = true;
}

std::vector<ParetoFront::Point> ParetoFront::sorted() const {
  auto v = points_;
  std::sort(v.begin(), v.end(), [](const Point& a, const Point& b) { return std::tie(a.x, a.y, a.row) < std::tie(b.x, b.y, b.row); });
  return v;
}

}  // namespace moesim::io
