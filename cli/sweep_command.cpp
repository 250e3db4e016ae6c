// moesim sweep: the Cartesian product of axes over architecture, workload, deployment and
// hardware fields, streamed row by row (constant memory), resumable, with a Pareto summary.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <numeric>
#include <tuple>
#include <utility>

#include "common.h"
#include "mpi_world.h"
#include "part_join.h"
#include "rank_bytes.h"
#include "sweep_summary.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/io/study.h"
#include "moesim/io/sweep.h"
#include "moesim/io/sweep_parts.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/estimate.h"
#include "moesim/model/validate.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim sweep — every combination of the given axes, one row each

usage: moesim sweep [--model PRESET|FILE] --set FIELD=VALUES [--set ...] [--hw P1,P2,...]
                    [workload and deployment options as in `moesim estimate`]
                    [--format csv|jsonl] [--out FILE [--resume | --force]] [--columns K1,K2,...]
                    [--pareto X,Y] [--shard I/N]

VALUES: a list (8,16,64), a range a..b (step 1) or a geometric range a..b*f (1..1024*2).
Rows stream as they are computed, in constant memory. With --out the rows go to FILE.partial,
renamed to FILE when the sweep completes; --resume continues an interrupted FILE.partial.
A design that is invalid or does not fit is a row with feasible = 0 and its reason.
At the end the Pareto-optimal feasible rows for two columns to minimise (--pareto; default:
the phase's latency and per-device memory with --hw, else the phase's FLOPs and memory) are
printed to standard error. Units as in `moesim estimate`: seconds, bytes, FLOP.
--shard I/N evaluates part I (from 0) of N for an array job: chunks of 4096 rows dealt out in
turn, written after a line naming the run; `moesim merge` joins the N parts into the file one
process writes (docs/scale-out.md). Under `mpirun -np N` (a build with MPI) the N ranks split
the rows, each into a part beside --out FILE (required), and rank 0 joins them into FILE.

examples:
  moesim sweep --set experts=8,16,64,256 --set top_k=1..8 --set batch=1,8,64 --hw h100-sxm,jetson-agx-orin-64gb
  moesim sweep --model deepseek-v3 --hw h200 --set ep=1,2,4,8 --set dp=8 --set batch=1..1024*2 --out ep.csv
  moesim sweep --set granularity=1,2,4,8 --set phase=train --set tokens=1e12 --columns params.active,flops.total
  moesim sweep --set model=mixtral-8x7b,qwen3-30b-a3b,gpt-oss-20b --hw h200 --set batch=1..256*2

fields: )";

std::string fields_help() {
  std::string s;
  for (const auto& f : io::sweep_fields()) s += "\n  " + std::string(f.name) + ": " + std::string(f.help);
  return s + "\n\noptions";
}

using Column = io::StudyColumn;

void append_quoted(std::string& out, const std::string& s, bool json) {
  out += '"';
  for (char c : s) {
    if (c == '"') out += json ? "\\\"" : "\"\"";
    else if (json && c == '\\') out += "\\\\";
    else out += c;
  }
  out += '"';
}

struct Options {
  std::string model_spec, phase, format, hw_list, out_path, columns_list, pareto_spec, shard_text;
  bool model_given = false;  // --model on the command line (not its default)
  std::vector<std::string> sets;
  bool resume = false, force = false, no_progress = false, progress = false;
  Workload workload;
  FormatOptions formats;
  DeploymentOptions deployment;
};

void add_options(po::options_description& options, Options& o) {
  options.add_options()
      ("help,h", "show this help")
      ("model", po::value(&o.model_spec)->default_value("mixtral-8x7b"), "preset name or model file (the base of every row)")
      ("set", po::value(&o.sets)->composing(), "an axis: FIELD=VALUES (repeatable)")
      ("hw", po::value(&o.hw_list), "hardware profiles to sweep over, comma-separated (adds latency columns)")
      ("phase", po::value(&o.phase)->default_value("decode"), "prefill | decode | train")
      ("batch", po::value(&o.workload.batch)->default_value(1), "sequences")
      ("context", po::value(&o.workload.context)->default_value(4096), "tokens")
      ("tokens", po::value(&o.workload.train_tokens)->default_value(0), "training tokens D (0 = one step)")
      ("null-fraction", po::value(&o.workload.null_fraction)->default_value(0), "share of routing slots on null experts (AdaMoE)")
      ("format", po::value(&o.format)->default_value("csv"), "csv | jsonl (one JSON object per line)")
      ("out", po::value(&o.out_path), "write rows to FILE (atomically, via FILE.partial) instead of standard output")
      ("resume", po::bool_switch(&o.resume), "continue an interrupted --out FILE from FILE.partial")
      ("force", po::bool_switch(&o.force), "overwrite an existing --out FILE")
      ("columns", po::value(&o.columns_list), "output only these columns (comma-separated keys); the swept axes always stay")
      ("pareto", po::value(&o.pareto_spec), "two columns to minimise for the Pareto summary, X,Y")
      ("no-progress", po::bool_switch(&o.no_progress), "no progress bar even on a terminal")
      ("progress", po::bool_switch(&o.progress), "a progress bar even when standard error is no terminal (under mpirun)")
      ("shard", po::value(&o.shard_text), "evaluate part I of N (I from 0) for an array job; join the parts with `moesim merge`");
  o.formats.add_to(options);
  o.deployment.add_to(options);
}

// Options -> the plan: the model, the axes, the profiles, each checked before any row.
io::StudyPlan make_plan(Options& o, bool warn) {
  o.deployment.finish();
  o.workload.phase = parse_option<Phase>("phase", o.phase);
  Diagnostics d;
  validate(o.workload, d);
  name_options(d);
  auto model = io::load_model(o.model_spec, d);
  if (!d.empty() || !model) throw BadInput{d};
  io::StudyPlan plan;
  plan.base = {model->arch, o.workload, o.deployment.deployment, "", ""};
  for (const std::string& s : o.sets)
    if (auto axis = io::parse_sweep_axis(s, d)) plan.axes.push_back(std::move(*axis));
  if (!o.hw_list.empty()) {
    for (const io::SweepAxis& a : plan.axes)
      if (a.field == "hw") d.push_back({"--hw", "duplicate", "give hardware either with --hw or with --set hw=..., not both"});
    if (auto axis = io::parse_sweep_axis("hw=" + o.hw_list, d)) plan.axes.push_back(std::move(*axis));
  }
  const std::tuple<std::string, std::string, bool> formats[] = {{"weight_format", "--weight-format", o.formats.weight.has_value()},
                                                                {"expert_format", "--expert-format", o.formats.expert.has_value()},
                                                                {"kv_format", "--kv-format", o.formats.kv.has_value()},
                                                                {"activation_format", "--activation-format", o.formats.activation.has_value()}};
  for (const io::SweepAxis& a : plan.axes) {
    if (a.field == "model" && o.model_given) d.push_back({"--model", "duplicate", "give the model either with --model or with --set model=..., not both"});
    for (const auto& [field, option, given] : formats)
      if (a.field == field && given) d.push_back({option, "duplicate", "give it either as " + option + " or with --set " + field + "=..., not both"});
  }
  if (!d.empty()) throw BadInput{d};
  // Profiles and models load once, up front: a bad one stops the sweep before any row.
  for (const io::SweepAxis& a : plan.axes) io::load_axis_inputs(a, plan, d);
  if (!d.empty()) throw BadInput{d};
  o.formats.apply(plan.base.arch.precision);  // every row's model, before the axes turn
  for (auto& [name, arch] : plan.models) o.formats.apply(arch.precision);
  if (plan.models.empty()) o.deployment.check_against(model->arch);
  for (const auto& [name, arch] : plan.models) o.deployment.check_against(arch);
  io::validate(plan, io::kMaxStudyRows, d);
  for (Diagnostic& x : d) x.path = "--set " + x.path;
  if (!d.empty()) throw BadInput{d};
  // Once per model, for the longest context of the sweep: rows beyond it are still computed.
  Workload longest = plan.base.workload;
  for (const io::SweepAxis& a : plan.axes)
    if (a.field == "context")
      for (const io::AxisValue& v : a.values) longest.context = std::max(longest.context, static_cast<std::int64_t>(v.number));
  std::vector<const Architecture*> models;
  for (const auto& [name, arch] : plan.models) models.push_back(&arch);
  if (models.empty()) models.push_back(&plan.base.arch);
  for (const Architecture* arch : models)
    if (const std::string w = warn ? context_warning(*arch, longest) : ""; !w.empty()) std::cerr << "moesim sweep: warning: " << w << "\n";
  return plan;
}

// The written columns: all, or the named ones with the swept axes first (rows stay identifiable).
std::vector<const Column*> chosen_columns(const std::vector<Column>& all, const std::string& list) {
  std::vector<const Column*> columns;
  for (const Column& c : all)
    if (list.empty() || c.axis >= 0) columns.push_back(&c);
  Diagnostics d;
  std::string_view rest = list;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string key(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto it = std::find_if(all.begin(), all.end(), [&](const Column& c) { return c.key == key; });
    if (it == all.end()) d.push_back({"--columns", "unknown_column", "\"" + key + "\" is not a column of this sweep"});
    else if (it->axis < 0) columns.push_back(&*it);
  }
  if (!d.empty()) throw BadInput{d};
  return columns;
}

// The two numeric columns the Pareto summary minimises.
std::pair<const Column*, const Column*> pareto_columns(const std::vector<Column>& all, const io::StudyPlan& plan, const std::string& spec) {
  const Phase phase = plan.base.workload.phase;
  std::string px = plan.with_latency() ? (phase == Phase::prefill ? "latency.prefill_s" : phase == Phase::decode ? "latency.decode_step_s" : "latency.train_step_s")
                                       : "flops.total";
  std::string py = plan.with_latency() ? "memory_per_device.total_bytes" : "memory.total_bytes";
  if (!spec.empty()) {
    const auto comma = spec.find(',');
    px = spec.substr(0, comma);
    py = comma == std::string::npos ? "" : spec.substr(comma + 1);
  }
  const Column *x = nullptr, *y = nullptr;
  for (const Column& c : all) {
    if (c.key == px && c.value) x = &c;
    if (c.key == py && c.value) y = &c;
  }
  if (!x || !y) throw BadInput{{{"--pareto", "unknown_column", "\"" + spec + "\" must name two numeric columns X,Y"}}};
  return {x, y};
}

// How the rows are written: the columns, the two the Pareto summary minimises, CSV or JSON lines.
struct Layout {
  std::vector<const Column*> columns;
  std::pair<const Column*, const Column*> pareto;
  bool json = false;
};

// Where rows go: standard output, or FILE.partial (renamed at the end); with --resume the
// complete lines already written are kept and counted. FILE.partial is locked for the run
// (two sweeps into one FILE interleaved their rows), and FILE.partial.plan holds the options
// that made it, so --resume refuses to continue a different sweep.
struct LockedFile {  // a descriptor holding an flock, closed (and unlocked) with it
  int fd = -1;
  LockedFile() = default;
  LockedFile(LockedFile&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  LockedFile& operator=(LockedFile&&) = delete;
  ~LockedFile() {
    if (fd >= 0) ::close(fd);
  }
};

struct Output {
  std::unique_ptr<std::ofstream> file;
  std::ostream* stream = &std::cout;
  std::string partial;
  std::uint64_t rows_done = 0;  // rows already in FILE.partial
  bool header_done = false;
  LockedFile lock;
};

// The options that decide the rows and their layout, one per line (not --out, --resume,
// --force or --no-progress): what a resumed FILE.partial must have been started with. Without
// --shard too, the run that all parts of a sharded sweep belong to.
std::string plan_signature(const std::vector<std::string>& args, bool with_shard) {
  std::string signature;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--resume" || a == "--force" || a == "--no-progress") continue;
    const bool valued = a == "--out" || (a == "--shard" && !with_shard);
    if (valued) {
      ++i;  // and its value
      continue;
    }
    if (a.rfind("--out=", 0) == 0 || (!with_shard && a.rfind("--shard=", 0) == 0)) continue;
    signature += a + "\n";
  }
  return signature;
}

// `header_lines`: the lines before the rows (a part's header line, the CSV header).
Output open_output(const Options& o, const std::string& signature, std::uint64_t header_lines) {
  Output out;
  if (o.out_path.empty()) return out;
  out.partial = o.out_path + ".partial";
  const std::string plan_file = out.partial + ".plan";
  std::error_code ec;
  if (std::filesystem::is_directory(o.out_path, ec)) throw BadInput{{{"--out", "not_a_file", "\"" + o.out_path + "\" is a directory"}}};
  if (std::filesystem::exists(o.out_path, ec) && !o.force)
    throw BadInput{{{"--out", "exists", "\"" + o.out_path + "\" exists; use --force to overwrite it"}}};
  if (o.resume && !std::filesystem::exists(out.partial, ec))
    throw BadInput{{{"--resume", "missing", "nothing to resume: \"" + out.partial + "\" does not exist"}}};
  out.lock.fd = ::open(out.partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (out.lock.fd < 0) throw BadInput{{{"--out", "unwritable", "cannot write \"" + out.partial + "\": " + std::strerror(errno)}}};
  if (::flock(out.lock.fd, LOCK_EX | LOCK_NB) != 0)
    throw BadInput{{{"--out", "busy", "\"" + out.partial + "\" is being written by another moesim sweep; wait for it, or choose another --out"}}};
  if (o.resume) {
    std::ifstream plan(plan_file, std::ios::binary);
    const std::string started((std::istreambuf_iterator<char>(plan)), std::istreambuf_iterator<char>());
    if (started != signature)
      throw BadInput{{{"--resume", "different_plan", "\"" + out.partial + "\" was started by a sweep with other options (" +
                                                       (plan ? "see " + plan_file : "no " + plan_file) +
                                                       "): resume it with the same options, or start anew with --force"}}};
  } else {
    std::ofstream(plan_file, std::ios::binary | std::ios::trunc) << signature;
  }
  if (!o.resume) {
    out.file = std::make_unique<std::ofstream>(out.partial, std::ios::binary | std::ios::trunc);
  } else {
    std::ifstream in(out.partial, std::ios::binary);
    std::string line;
    std::uint64_t lines = 0, good_bytes = 0, offset = 0;
    while (std::getline(in, line)) {
      offset += line.size() + 1;
      if (in.eof()) break;  // no newline: an interrupted last line is cut off
      ++lines;
      good_bytes = offset;
    }
    in.close();
    if (lines < header_lines) lines = good_bytes = 0;  // cut inside the header: write it again
    std::filesystem::resize_file(out.partial, good_bytes);
    out.header_done = header_lines > 0 && lines > 0;
    out.rows_done = lines - (out.header_done ? header_lines : 0);
    out.file = std::make_unique<std::ofstream>(out.partial, std::ios::binary | std::ios::app);
  }
  if (!*out.file) throw BadInput{{{"--out", "unwritable", "cannot write \"" + out.partial + "\""}}};
  out.stream = out.file.get();
  return out;
}

void write_row(std::string& line, const io::StudyPlan& plan, const std::vector<const Column*>& columns, const io::StudyRow& r, bool json) {
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
      const io::SweepAxis& axis = plan.axes[static_cast<std::size_t>(c.axis)];
      const io::AxisValue& v = axis.values[r.index[static_cast<std::size_t>(c.axis)]];
      // numbers as they read back (JSON has no 007 or .5), names quoted (a profile "./h100.json" too)
      if (axis.numeric) line += io::shortest_number(v.number);
      else if (json) append_quoted(line, v.text, true);
      else line += v.text;
    } else {
      const double v = c.value(r);
      if (std::isfinite(v)) line += io::shortest_number(v);
      else if (json) line += "null";
    }
  }
  line += ',';
  const std::string reason = r.reason();
  if (json) line += "\"infeasible_reason\":";
  if (json || !reason.empty()) append_quoted(line, reason, json);
  if (json) line += '}';
  line += '\n';
}

// The rows this process evaluates: all of them, or a shard's chunks; their Pareto front and
// feasible count cover those rows.
struct Evaluated {
  io::ParetoFront front;
  std::uint64_t rows = 0, feasible = 0;
};

// `progress(done, mine)` hears of every 1024th row: rows evaluated so far of this process' own.
using Progress = std::function<void(std::uint64_t done, std::uint64_t mine)>;

Evaluated evaluate(const io::StudyPlan& plan, const std::optional<io::Shard>& shard, const Layout& layout, Output& out, const Progress& progress) {
  const auto [x, y] = layout.pareto;
  const std::uint64_t total = plan.rows();
  const std::uint64_t chunk = shard ? io::kChunkRows : std::max<std::uint64_t>(total, 1);
  std::uint64_t mine = 0;  // this process' rows
  for (std::uint64_t c = 0; c * chunk < total; ++c)
    if (!shard || shard->owns(c)) mine += std::min(chunk, total - c * chunk);
  const std::uint64_t skip = std::min(out.rows_done, mine);
  Evaluated e;
  std::string line;
  // Resumed rows are evaluated again but not written, so the summary covers the whole file.
  for (std::uint64_t c = 0; c * chunk < total; ++c) {
    if (shard && !shard->owns(c)) continue;
    io::StudyCursor cursor(plan, c * chunk, (c + 1) * chunk);
    while (cursor.next()) {
      const io::StudyRow& r = cursor.row();
      const bool ok = r.feasible(plan);
      e.feasible += ok;
      if (ok) e.front.offer(x->value(r), y->value(r), r.row, [&] { return cursor.label(); });
      if (e.rows++ < skip) continue;
      write_row(line, plan, layout.columns, r, layout.json);
      out.stream->write(line.data(), static_cast<std::streamsize>(line.size()));
      if ((e.rows & 1023) == 0) progress(e.rows, mine);
    }
  }
  return e;
}

// "done/total rows, R rows/s" on the bar.
void show_progress(ProgressLine& bar, std::uint64_t done, std::uint64_t total, std::chrono::steady_clock::time_point start) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3g rows/s", seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
  bar.update(static_cast<double>(done) / static_cast<double>(std::max<std::uint64_t>(total, 1)), std::to_string(done) + "/" + std::to_string(total) + " rows, " + rate);
}

// The lines before the rows: a part's header line (sharded), the CSV header.
void write_header(Output& out, const std::optional<io::PartHeader>& part, const Layout& layout) {
  if (out.header_done) return;
  if (part) *out.stream << io::part_header_line(*part);
  if (layout.json) return;
  std::string header;
  for (const Column* c : layout.columns) header += (header.empty() ? "" : ",") + c->key;
  *out.stream << header << ",infeasible_reason\n";
}

// The first line of shard `shard`'s part: the run (the hash of its options), its layout.
io::PartHeader part_header(const io::Shard& shard, const std::vector<std::string>& args, const io::StudyPlan& plan, const Layout& layout,
                           const std::string& format) {
  io::PartHeader part{shard, io::kChunkRows, plan.rows(), io::plan_hash(plan_signature(args, false)), format, {}, layout.pareto.first->key,
                      layout.pareto.second->key};
  for (const Column* c : layout.columns)
    if (c->axis >= 0) part.axes.push_back(c->key);
  return part;
}

// Flushes and closes the rows' stream; throws when a write failed (disk full).
void close_output(Output& out) {
  out.stream->flush();
  if (!*out.stream) throw std::runtime_error("writing the rows failed (disk full?)");
  if (out.file) {
    out.file->close();
    if (!*out.file) throw std::runtime_error("writing " + out.partial + " failed (disk full?)");
  }
}

// The fields of a Pareto point, one list for both directions (rank_bytes.h).
template <class Io, class Point>
void transfer(Io& io, Point& p) {
  io(p.x);
  io(p.y);
  io(p.row);
  io(p.label);
}

std::string encode(const io::ParetoFront& front) {
  ByteWriter w;
  for (const io::ParetoFront::Point& p : front.sorted()) transfer(w, p);
  return w.bytes;
}

// The ranks' fronts as one, offered in row order as one process offers its rows: ties go to
// the lowest row, so the summary does not depend on the number of ranks.
io::ParetoFront reduce_fronts(const std::vector<std::string>& fronts) {
  std::vector<io::ParetoFront::Point> points;
  for (const std::string& bytes : fronts)
    for (ByteReader in(bytes); !in.done();) transfer(in, points.emplace_back());
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.row < b.row; });
  io::ParetoFront front;
  for (const io::ParetoFront::Point& p : points) front.offer(p.x, p.y, p.row, [&] { return p.label; });
  return front;
}

// A failure on some ranks only (a part locked or unwritable) stops every rank: the failing
// ones say why, the root that another failed, the rest exit 2 quietly. Without this the
// others would wait in the next collective for ever.
void stop_unless_all(World& world, const std::optional<BadInput>& failed) {
  if (world.all(!failed)) return;
  if (failed) throw BadInput{failed->diagnostics, true};
  if (world.root()) throw BadInput{{{"mpirun", "rank_failed", "another rank stopped; its message says why"}}};
  throw BadInput{};
}

// The part of this rank beside --out: FILE.rankRofN, written as FILE.rankRofN.partial.
std::string rank_part(const std::string& out, const io::Shard& s) {
  return out + ".rank" + std::to_string(s.index) + "of" + std::to_string(s.count);
}

// The root's bar: its own rows and what the others reported, until every rank has finished.
struct RankProgress {
  World& world;
  ProgressLine bar;
  std::uint64_t total;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::vector<std::uint64_t> rows = std::vector<std::uint64_t>(static_cast<std::size_t>(world.size()));
  std::vector<bool> finished = std::vector<bool>(static_cast<std::size_t>(world.size()));
  void update(std::uint64_t done, bool wait = false) {
    if (!world.root()) {
      if ((done & (io::kChunkRows - 1)) == 0) world.send_progress(done, false);
      return;
    }
    world.take_progress(rows, finished, wait);
    rows[0] = done;
    show_progress(bar, std::accumulate(rows.begin(), rows.end(), std::uint64_t{0}), total, start);
  }
  void finish(std::uint64_t done) {
    finished[0] = true;
    if (!world.root()) world.send_progress(done, true);
    while (world.root() && std::find(finished.begin(), finished.end(), false) != finished.end()) update(done, true);
    bar.finish();
  }
};

// The root's last step: the ranks' parts joined into FILE (via FILE.partial), then removed.
void join_rank_parts(const std::vector<std::string>& paths, const std::string& out_path) {
  std::vector<Part> parts = open_parts(paths);
  join_parts(parts, out_path);
  std::error_code ec;
  for (const std::string& p : paths) {
    std::filesystem::remove(p, ec);
    std::filesystem::remove(p + ".plan", ec);
  }
}

// Rank r of `mpirun -np N moesim sweep ... --out FILE`: shard r/N into its part (resumable as
// --out is); then the root joins the N parts into FILE, byte for byte the file one process
// writes, and prints the Pareto summary of every row, reduced over the ranks.
int run_ranks(const Options& o, const std::vector<std::string>& args, const io::StudyPlan& plan, const Layout& layout, World& world) {
  if (o.out_path.empty()) throw BadInput{{{"--out", "missing", "under mpirun each rank writes a part beside --out FILE: name FILE"}}};
  std::error_code ec;
  if (std::filesystem::exists(o.out_path, ec) && !o.force) throw BadInput{{{"--out", "exists", "\"" + o.out_path + "\" exists; use --force to overwrite it"}}};
  const io::Shard shard{static_cast<std::uint64_t>(world.rank()), static_cast<std::uint64_t>(world.size())};
  Options mine = o;
  mine.out_path = rank_part(o.out_path, shard);
  mine.resume = o.resume && std::filesystem::exists(mine.out_path + ".partial", ec);  // a rank that never began begins now
  mine.force = true;  // a part is never renamed to mine.out_path: it stays .partial until joined
  if (o.resume && world.sum(mine.resume) == 0)
    throw BadInput{{{"--resume", "missing", "nothing to resume: no \"" + o.out_path + ".rank*of" + std::to_string(shard.count) + ".partial\" exists"}}};
  std::optional<Output> out;
  std::optional<BadInput> failed;
  try {
    out.emplace(open_output(mine, plan_signature(args, true) + "--rank\n" + std::to_string(shard.index) + "\n", layout.json ? 1 : 2));
    write_header(*out, part_header(shard, args, plan, layout, o.format), layout);
  } catch (const BadInput& bad) {
    failed = bad;
  }
  stop_unless_all(world, failed);
  RankProgress progress{world, ProgressLine(!o.no_progress, o.progress), plan.rows()};
  const Evaluated e = evaluate(plan, shard, layout, *out, [&](std::uint64_t done, std::uint64_t) { progress.update(done); });
  try {
    close_output(*out);
  } catch (const std::runtime_error& error) {
    failed = BadInput{{{"--out", "unwritable", error.what()}}};
  }
  progress.finish(e.rows);
  stop_unless_all(world, failed);
  const io::ParetoFront front = reduce_fronts(world.gather(encode(e.front)));
  const std::uint64_t rows = world.sum(e.rows), feasible = world.sum(e.feasible);
  if (!world.root()) return kOk;
  std::vector<std::string> parts;
  for (std::uint64_t r = 0; r < shard.count; ++r) parts.push_back(rank_part(o.out_path, {r, shard.count}) + ".partial");
  const auto joining = std::chrono::steady_clock::now();
  join_rank_parts(parts, o.out_path);
  const auto end = std::chrono::steady_clock::now();
  print_summary("moesim sweep", front, {layout.pareto.first->key, layout.pareto.first->unit}, {layout.pareto.second->key, layout.pareto.second->unit},
                rows, feasible, std::chrono::duration<double>(end - progress.start).count());
  std::fprintf(stderr, "(%llu ranks evaluated the rows in %.2f s; rank 0 joined their parts in %.2f s)\n", static_cast<unsigned long long>(shard.count),
               std::chrono::duration<double>(joining - progress.start).count(), std::chrono::duration<double>(end - joining).count());
  return kOk;
}

}  // namespace

int run_sweep(const std::vector<std::string>& args) {
  World& world = World::get();  // first: under mpirun, only the root reports errors that every rank finds
  Options o;
  po::options_description options;
  add_options(options, o);
  po::variables_map vm;
  if (!parse_command_line(args, options, kUsage + fields_help(), vm)) return kOk;
  o.model_given = !vm["model"].defaulted();
  if (o.format != "csv" && o.format != "jsonl") throw BadInput{{{"--format", "unknown_value", "\"" + o.format + "\" must be csv or jsonl"}}};
  if ((o.resume || o.force) && o.out_path.empty()) throw BadInput{{{"--resume", "not_applicable", "--resume and --force need --out FILE"}}};
  if (o.resume && o.force) throw BadInput{{{"--resume", "inconsistent", "--resume and --force exclude each other"}}};
  if (o.progress && o.no_progress) throw BadInput{{{"--progress", "inconsistent", "--progress and --no-progress exclude each other"}}};
  Diagnostics d;
  const std::optional<io::Shard> shard = vm.count("shard") ? io::parse_shard(o.shard_text, "--shard", d) : std::nullopt;
  if (!d.empty()) throw BadInput{d};
  if (shard && world.size() > 1) throw BadInput{{{"--shard", "inconsistent", "--shard and mpirun exclude each other: under mpirun the ranks are the shards"}}};

  const io::StudyPlan plan = make_plan(o, world.root());
  const std::vector<Column> all = io::study_columns(plan);
  const Layout layout{chosen_columns(all, o.columns_list), pareto_columns(all, plan, o.pareto_spec), o.format == "jsonl"};
  if (world.size() > 1) return run_ranks(o, args, plan, layout, world);
  const std::optional<io::PartHeader> part = shard ? std::optional(part_header(*shard, args, plan, layout, o.format)) : std::nullopt;
  Output out = open_output(o, plan_signature(args, true), (shard ? 1 : 0) + (layout.json ? 0 : 1));
  write_header(out, part, layout);
  const auto start = std::chrono::steady_clock::now();
  ProgressLine bar(!o.no_progress, o.progress);
  const Evaluated e = evaluate(plan, shard, layout, out, [&](std::uint64_t done, std::uint64_t mine) { show_progress(bar, done, mine, start); });
  bar.finish();
  close_output(out);
  if (out.file) {
    std::filesystem::rename(out.partial, o.out_path);
    std::error_code ec;
    std::filesystem::remove(out.partial + ".plan", ec);
  }
  print_summary("moesim sweep", e.front, {layout.pareto.first->key, layout.pareto.first->unit}, {layout.pareto.second->key, layout.pareto.second->unit},
                e.rows, e.feasible, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return kOk;
}

}  // namespace moesim::cli
