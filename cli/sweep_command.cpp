// moesim sweep: the Cartesian product of axes over architecture, workload, deployment and
// hardware fields, streamed row by row (constant memory), resumable, with a Pareto summary.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "common.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/io/sweep.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/estimate.h"
#include "moesim/model/validate.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim sweep — every combination of the given axes, one row each

usage: moesim sweep [--model PRESET|FILE] --set FIELD=VALUES [--set ...] [--hw P1,P2,...]
                    [workload and deployment options as in `moesim estimate`]
                    [--format csv|jsonl] [--out FILE [--resume | --force]] [--columns K1,K2,...]
                    [--pareto X,Y]

VALUES: a list (8,16,64), a range a..b (step 1) or a geometric range a..b*f (1..1024*2).
Rows stream as they are computed, in constant memory. With --out the rows go to FILE.partial,
renamed to FILE when the sweep completes; --resume continues an interrupted FILE.partial.
A design that is invalid or does not fit is a row with feasible = 0 and its reason.
At the end the Pareto-optimal feasible rows for two columns to minimise (--pareto; default:
the phase's latency and per-device memory with --hw, else the phase's FLOPs and memory) are
printed to standard error. Units as in `moesim estimate`: seconds, bytes, FLOP.

examples:
  moesim sweep --set experts=8,16,64,256 --set top_k=1..8 --set batch=1,8,64 --hw h100-sxm,jetson-agx-orin-64gb
  moesim sweep --model deepseek-v3 --hw h200 --set ep=1,2,4,8 --set dp=8 --set batch=1..1024*2 --out ep.csv
  moesim sweep --set granularity=1,2,4,8 --set phase=train --set tokens=1e12 --columns params.active,flops.total

fields: )";

std::string fields_help() {
  std::string s;
  for (const auto& f : io::sweep_fields()) s += "\n  " + std::string(f.name) + ": " + std::string(f.help);
  return s + "\n\noptions";
}

// One output column: a key and how to read it from a computed row.
struct Row {
  const io::SweepPoint* point = nullptr;
  const Estimate* estimate = nullptr;
  const LatencyEstimate* latency = nullptr;
  bool valid = false;
  std::string reason;
};

struct Column {
  std::string key;
  int axis = -1;  // >= 0: the value of that axis
  std::function<double(const Row&)> value;
};

void append_number(std::string& out, double v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

void append_quoted(std::string& out, const std::string& s, bool json) {
  out += '"';
  for (char c : s) {
    if (c == '"') out += json ? "\\\"" : "\"\"";
    else if (json && c == '\\') out += "\\\\";
    else out += c;
  }
  out += '"';
}

// Incremental 2-D Pareto front (minimise both); bounded so memory stays constant.
class ParetoFront {
 public:
  static constexpr std::size_t kMaxPoints = 4096;
  struct Point {
    double x, y;
    std::uint64_t row;
    std::string label;
  };
  void offer(double x, double y, std::uint64_t row, const std::function<std::string()>& label) {
    for (const Point& p : points_)
      if (p.x <= x && p.y <= y) return;  // dominated (or equal)
    std::erase_if(points_, [&](const Point& p) { return x <= p.x && y <= p.y; });
    if (points_.size() < kMaxPoints) points_.push_back({x, y, row, label()});
    else truncated_ = true;
  }
  std::vector<Point> sorted() const {
    auto v = points_;
    std::sort(v.begin(), v.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    return v;
  }
  bool truncated() const { return truncated_; }

 private:
  std::vector<Point> points_;
  bool truncated_ = false;
};

std::string format_eta(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const auto s = static_cast<long long>(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  std::string model_spec, phase, format, hw_list, out_path, columns_list, pareto_spec;
  std::vector<std::string> sets;
  bool resume = false, force = false, no_progress = false;
  Workload base_workload;
  DeploymentOptions deployment;
  po::options_description options;
  options.add_options()
      ("help,h", "show this help")
      ("model", po::value(&model_spec)->default_value("mixtral-8x7b"), "preset name or model file (the base of every row)")
      ("set", po::value(&sets)->composing(), "an axis: FIELD=VALUES (repeatable)")
      ("hw", po::value(&hw_list), "hardware profiles to sweep over, comma-separated (adds latency columns)")
      ("phase", po::value(&phase)->default_value("decode"), "prefill | decode | train")
      ("batch", po::value(&base_workload.batch)->default_value(1), "sequences")
      ("context", po::value(&base_workload.context)->default_value(4096), "tokens")
      ("tokens", po::value(&base_workload.train_tokens)->default_value(0), "training tokens D (0 = one step)")
      ("format", po::value(&format)->default_value("csv"), "csv | jsonl (one JSON object per line)")
      ("out", po::value(&out_path), "write rows to FILE (atomically, via FILE.partial) instead of standard output")
      ("resume", po::bool_switch(&resume), "continue an interrupted --out FILE from FILE.partial")
      ("force", po::bool_switch(&force), "overwrite an existing --out FILE")
      ("columns", po::value(&columns_list), "output only these columns (comma-separated keys)")
      ("pareto", po::value(&pareto_spec), "two columns to minimise for the Pareto summary, X,Y")
      ("no-progress", po::bool_switch(&no_progress), "no progress bar even on a terminal");
  deployment.add_to(options);
  po::variables_map vm;
  if (!parse_command_line(args, options, kUsage + fields_help(), vm)) return kOk;
  deployment.finish();
  if (format != "csv" && format != "jsonl") throw BadInput{{{"--format", "unknown_value", "\"" + format + "\" must be csv or jsonl"}}};
  const bool json = format == "jsonl";
  if (const auto p = parse_enum<Phase>(phase)) base_workload.phase = *p;
  else throw BadInput{{{"--phase", "unknown_value", "\"" + phase + "\" must be " + enum_choices<Phase>()}}};
  if ((resume || force) && out_path.empty()) throw BadInput{{{"--resume", "not_applicable", "--resume and --force need --out FILE"}}};
  if (resume && force) throw BadInput{{{"--resume", "inconsistent", "--resume and --force exclude each other"}}};

  // ---- inputs
  Diagnostics d;
  auto model = io::load_model(model_spec, d);
  if (!model) throw BadInput{d};
  io::SweepPoint base{model->arch, base_workload, deployment.deployment, deployment.routing_skew, ""};
  std::vector<io::SweepAxis> axes;
  for (const std::string& s : sets)
    if (auto axis = io::parse_sweep_axis(s, d)) axes.push_back(std::move(*axis));
  for (std::size_t i = 0; i < axes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (axes[i].field == axes[j].field) d.push_back({"--set", "duplicate", "field \"" + axes[i].field + "\" is set twice"});
  if (!hw_list.empty()) {
    for (const io::SweepAxis& a : axes)
      if (a.field == "hw") d.push_back({"--hw", "duplicate", "give hardware either with --hw or with --set hw=..., not both"});
    if (auto axis = io::parse_sweep_axis("hw=" + hw_list, d)) axes.push_back(std::move(*axis));
  }
  if (!d.empty()) throw BadInput{d};
  // Hardware profiles load once, up front: a bad one stops the sweep before any row.
  std::map<std::string, Hardware> hardware;
  for (const io::SweepAxis& a : axes)
    if (a.field == "hw")
      for (const io::AxisValue& v : a.values)
        if (auto hw = io::load_hardware(v.text, d)) hardware.emplace(v.text, std::move(*hw));
  if (!d.empty()) throw BadInput{d};
  const bool with_hw = !hardware.empty();

  // ---- columns, defined once for CSV and JSON lines
  std::vector<Column> all;
  for (std::size_t i = 0; i < axes.size(); ++i) all.push_back({axes[i].field, static_cast<int>(i), nullptr});
  all.push_back({"valid", -1, [](const Row& r) { return r.valid ? 1.0 : 0.0; }});
  for (const auto& f : io::estimate_fields())
    all.push_back({std::string(f.key), -1, [&f](const Row& r) { return r.valid ? f.value(*r.estimate) : std::nan(""); }});
  if (with_hw)
    for (const auto& f : io::latency_fields())
      all.push_back({std::string(f.key), -1, [&f](const Row& r) { return r.valid ? f.value(*r.latency) : std::nan(""); }});
  std::vector<const Column*> columns;
  if (columns_list.empty()) {
    for (const Column& c : all) columns.push_back(&c);
  } else {
    std::string_view rest = columns_list;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string key(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto it = std::find_if(all.begin(), all.end(), [&](const Column& c) { return c.key == key; });
      if (it == all.end()) d.push_back({"--columns", "unknown_column", "\"" + key + "\" is not a column of this sweep"});
      else columns.push_back(&*it);
    }
  }
  // Pareto axes: two numeric columns.
  const std::string default_x = with_hw ? (base_workload.phase == Phase::prefill ? "latency.prefill_s"
                                           : base_workload.phase == Phase::decode ? "latency.decode_step_s"
                                                                                  : "latency.train_step_s")
                                        : "flops.total";
  const std::string default_y = with_hw ? "memory_per_device.total_bytes" : "memory.total_bytes";
  std::string px = default_x, py = default_y;
  if (!pareto_spec.empty()) {
    const auto comma = pareto_spec.find(',');
    px = pareto_spec.substr(0, comma);
    py = comma == std::string::npos ? "" : pareto_spec.substr(comma + 1);
  }
  const Column* pareto_x = nullptr;
  const Column* pareto_y = nullptr;
  for (const Column& c : all) {
    if (c.key == px && c.value) pareto_x = &c;
    if (c.key == py && c.value) pareto_y = &c;
  }
  if (!pareto_x || !pareto_y) d.push_back({"--pareto", "unknown_column", "\"" + pareto_spec + "\" must name two numeric columns X,Y"});
  if (!d.empty()) throw BadInput{d};

  // ---- output: stdout, or FILE.partial renamed at the end
  std::uint64_t total = 1;
  for (const io::SweepAxis& a : axes) {
    if (total > (std::uint64_t{1} << 40) / a.values.size())
      throw BadInput{{{"--set", "too_many_rows", "the sweep would have more than 2^40 rows"}}};
    total *= a.values.size();
  }
  std::uint64_t skip = 0;
  std::unique_ptr<std::ofstream> file;
  const std::string partial = out_path + ".partial";
  std::ostream* out = &std::cout;
  if (!out_path.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(out_path, ec) && !force)
      throw BadInput{{{"--out", "exists", "\"" + out_path + "\" exists; use --force to overwrite it"}}};
    if (resume) {
      if (!std::filesystem::exists(partial, ec))
        throw BadInput{{{"--resume", "missing", "nothing to resume: \"" + partial + "\" does not exist"}}};
      // Keep the complete lines; an interrupted last line is cut off.
      std::ifstream in(partial, std::ios::binary);
      std::string line;
      std::uint64_t lines = 0, good_bytes = 0, offset = 0;
      while (std::getline(in, line)) {
        offset += line.size() + 1;
        if (in.eof()) break;  // no newline: incomplete
        ++lines;
        good_bytes = offset;
      }
      in.close();
      std::filesystem::resize_file(partial, good_bytes);
      skip = lines > 0 && !json ? lines - 1 : lines;  // CSV: the header is not a row
      file = std::make_unique<std::ofstream>(partial, std::ios::binary | std::ios::app);
    } else {
      file = std::make_unique<std::ofstream>(partial, std::ios::binary | std::ios::trunc);
    }
    if (!*file) throw BadInput{{{"--out", "unwritable", "cannot write \"" + partial + "\""}}};
    out = file.get();
  }
  if (!json && skip == 0 && !(resume && std::filesystem::file_size(partial) > 0)) {
    std::string header;
    for (const Column* c : columns) header += (header.empty() ? "" : ",") + c->key;
    header += ",infeasible_reason";
    *out << header << "\n";
  }

  // ---- rows
  io::SweepPoint point = base;
  std::vector<std::size_t> index(axes.size(), 0);
  std::vector<double> shares;
  // Prepared once per architecture, device and deployment; rows that change only workload
  // axes (the fastest-turning ones, usually) reuse it.
  std::optional<LatencyModel> latency_model;
  std::vector<std::size_t> latency_model_index;
  std::int64_t shares_experts = -1;
  double shares_skew = -1;
  Diagnostics problems;
  ParetoFront front;
  std::string line;
  std::uint64_t feasible = 0;
  const bool progress = !no_progress && isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto last_draw = start;
  for (std::uint64_t row = 0; row < total; ++row) {
    // odometer: the last axis turns fastest
    if (row > 0) {
      for (std::size_t k = axes.size(); k-- > 0;) {
        if (++index[k] < axes[k].values.size()) break;
        index[k] = 0;
      }
    }
    if (row < skip) continue;
    for (std::size_t k = 0; k < axes.size(); ++k) io::apply_sweep_value(point, base, axes[k], index[k]);

    Row r;
    r.point = &point;
    problems.clear();
    validate(point.arch, problems);
    validate(point.workload, problems);
    Estimate e;
    LatencyEstimate l;
    r.valid = problems.empty();
    if (!r.valid) {
      r.reason = "invalid: " + problems.front().path + ": " + problems.front().message;
    } else {
      e = estimate(point.arch, point.workload);
      if (with_hw) {
        const auto experts = point.arch.moe.experts;
        if (experts != shares_experts || point.routing_skew != shares_skew) {
          DeploymentOptions routing = deployment;
          routing.routing_skew = point.routing_skew;
          shares = routing.shares(experts);  // a histogram must match the base model's experts
          shares_experts = experts;
          shares_skew = point.routing_skew;
        }
        const Hardware& hw = hardware.at(point.hardware.empty() ? hardware.begin()->first : point.hardware);
        bool reuse = latency_model.has_value();
        for (std::size_t k = 0; k < axes.size() && reuse; ++k) reuse = axes[k].workload_only || index[k] == latency_model_index[k];
        if (!reuse) {
          latency_model.emplace(point.arch, hw, point.deployment, std::span<const double>(shares));
          latency_model_index = index;
        }
        l = (*latency_model)(point.workload);
        if (!l.feasible()) r.reason = io::infeasible_reason(l);
      }
    }
    r.estimate = &e;
    r.latency = &l;
    const bool ok = r.valid && (!with_hw || l.feasible());
    feasible += ok;

    line.clear();
    if (json) line += '{';
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const Column& c = *columns[k];
      if (k > 0) line += ',';
      if (json) {
        append_quoted(line, c.key, true);
        line += ':';
      }
      if (c.axis >= 0) {
        const io::AxisValue& v = axes[static_cast<std::size_t>(c.axis)].values[index[static_cast<std::size_t>(c.axis)]];
        const bool numeric = !v.text.empty() && (std::isdigit(static_cast<unsigned char>(v.text[0])) || v.text[0] == '.');
        if (json && !numeric) append_quoted(line, v.text, true);
        else line += v.text;
      } else {
        const double v = c.value(r);
        if (json && !std::isfinite(v)) line += "null";
        else if (std::isfinite(v)) append_number(line, v);
      }
    }
    line += ',';
    if (json) line += "\"infeasible_reason\":";
    if (json || !r.reason.empty()) append_quoted(line, r.reason, json);
    if (json) line += '}';
    line += '\n';
    out->write(line.data(), static_cast<std::streamsize>(line.size()));

    if (ok) {
      front.offer(pareto_x->value(r), pareto_y->value(r), row, [&] {
        std::string label;
        for (std::size_t k = 0; k < axes.size(); ++k)
          label += (k ? " " : "") + axes[k].field + "=" + axes[k].values[index[k]].text;
        return label.empty() ? std::string("base") : label;
      });
    }
    if (progress && (row & 1023) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_draw > std::chrono::milliseconds(200)) {
        last_draw = now;
        const double done = static_cast<double>(row + 1 - skip) / static_cast<double>(total - skip);
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const int filled = static_cast<int>(done * 30);
        std::fprintf(stderr, "\r[%-30s] %5.1f%%  %llu/%llu rows  ETA %s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     100 * done, static_cast<unsigned long long>(row + 1), static_cast<unsigned long long>(total),
                     format_eta(elapsed / done - elapsed).c_str());
      }
    }
  }
  out->flush();
  if (progress) std::fprintf(stderr, "\r%80s\r", "");
  if (file) {
    file->close();
    if (!*file) throw std::runtime_error("writing " + partial + " failed");
    std::filesystem::rename(partial, out_path);
  }

  // ---- summary
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "moesim sweep: %llu rows (%llu feasible) in %.2f s\n", static_cast<unsigned long long>(total - skip),
               static_cast<unsigned long long>(feasible), seconds);
  const auto points = front.sorted();
  std::fprintf(stderr, "Pareto-optimal rows, minimising %s and %s%s:\n", pareto_x->key.c_str(), pareto_y->key.c_str(),
               front.truncated() ? " (front truncated at 4096 points)" : "");
  std::size_t shown = 0;
  for (const auto& p : points) {
    if (++shown > 25) {
      std::fprintf(stderr, "  ... %zu more\n", points.size() - 25);
      break;
    }
    std::fprintf(stderr, "  %-14.6g %-14.6g %s\n", p.x, p.y, p.label.c_str());
  }
  return kOk;
}

}  // namespace moesim::cli
