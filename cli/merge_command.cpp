// moesim merge: the parts of a sharded sweep (`moesim sweep --shard I/N`) joined into the file
// one process writes, byte for byte, in constant memory, with the Pareto summary recomputed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "common.h"
#include "moesim/io/files.h"
#include "moesim/io/json_reader.h"
#include "moesim/io/sweep_parts.h"
#include "part_join.h"
#include "sweep_summary.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim merge — join the parts of a sharded sweep

usage: moesim merge PART... --out FILE [--force]

The parts are the files of `moesim sweep ... --shard I/N` for I = 0 .. N-1, in any order.
Each names its run (a hash of the sweep's options); parts of different runs, a missing or
repeated shard, and a part with fewer or more rows than its share are refused with exit 2
and nothing written. FILE is exactly the file `moesim sweep ...` writes without --shard; the
Pareto summary of the whole sweep is printed to standard error.

examples:
  moesim sweep --set experts=8..64 --set batch=1..1024*2 --hw h100-sxm,h200 --shard 0/2 --out part0.csv
  moesim sweep --set experts=8..64 --set batch=1..1024*2 --hw h100-sxm,h200 --shard 1/2 --out part1.csv
  moesim merge part0.csv part1.csv --out sweep.csv

options)";

// One merged row's part in the Pareto summary: feasible (no reason), X, Y and the axis values.
class SummaryReader {
 public:
  explicit SummaryReader(const Part& p) : csv_(p.header.format == "csv"), axes_(p.header.axes), x_key_(p.header.pareto_x), y_key_(p.header.pareto_y) {
    if (!csv_) return;
    const std::vector<std::string> names = split_csv(p.columns);
    columns_ = names.size();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == x_key_) x_ = i;
      if (names[i] == y_key_) y_ = i;
    }
  }
  bool has_columns() const { return !csv_ || (x_ != kNone && y_ != kNone); }
  // False when the row is not one `moesim sweep` writes (too few cells, not JSON).
  bool offer(std::string_view line, std::uint64_t row, io::ParetoFront& front, std::uint64_t& feasible) const {
    if (csv_) {
      // Every cell but the reason, and the reason: quoted when there is one (infeasible), else empty.
      const std::vector<std::string> cells = split_csv(line);
      const bool infeasible = !line.empty() && line.back() != ',';
      if (cells.size() != (infeasible ? columns_ - 1 : columns_)) return false;
      if (infeasible) return true;
      const auto x = io::finite_number(cells[x_]), y = io::finite_number(cells[y_]);
      ++feasible;
      if (x && y) front.offer(*x, *y, row, [&] { return label(cells); });
      return true;
    }
    const io::Json j = io::Json::parse(line.begin(), line.end(), nullptr, false);
    if (!j.is_object() || !j.contains("infeasible_reason") || !j["infeasible_reason"].is_string()) return false;
    if (!j["infeasible_reason"].get<std::string>().empty()) return true;
    ++feasible;
    const io::Json x = j.value(x_key_, io::Json()), y = j.value(y_key_, io::Json());
    if (x.is_number() && y.is_number())
      front.offer(x.get<double>(), y.get<double>(), row, [&] {
        std::vector<std::string> cells;
        for (const std::string& a : axes_) {
          const io::Json v = j.value(a, io::Json());
          cells.push_back(v.is_string() ? v.get<std::string>() : v.is_number() ? io::shortest_number(v.get<double>()) : "?");
        }
        return label(cells);
      });
    return true;
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  // The cells before the reason (no other cell is quoted).
  static std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i)
      if (i == line.size() || line[i] == ',') {
        cells.emplace_back(line.substr(start, i - start));
        start = i + 1;
        if (i < line.size() && i + 1 < line.size() && line[i + 1] == '"') break;
      }
    return cells;
  }
  std::string label(const std::vector<std::string>& cells) const {  // "experts=8 hw=h200", axes first in every row
    std::string s;
    for (std::size_t i = 0; i < axes_.size() && i < cells.size(); ++i) s += (i ? " " : "") + axes_[i] + "=" + cells[i];
    return s.empty() ? "base" : s;
  }
  bool csv_;
  std::vector<std::string> axes_;
  std::string x_key_, y_key_;
  std::size_t x_ = kNone, y_ = kNone, columns_ = 0;
};

}  // namespace

int run_merge(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  std::string out_path;
  bool force = false;
  po::options_description desc;
  desc.add_options()("help,h", "show this help")("part", po::value(&paths)->composing(), "a part file (positional)")(
      "out", po::value(&out_path)->required(), "the merged file")("force", po::bool_switch(&force), "replace an existing --out FILE");
  po::positional_options_description positional;
  positional.add("part", -1);
  po::variables_map vm;
  if (!parse_command_line(args, desc, kUsage, vm, &positional)) return kOk;
  if (paths.empty()) throw BadInput{{{"PART", "missing", "name the part files of `moesim sweep --shard I/N`"}}};
  std::error_code ec;
  if (std::filesystem::exists(out_path, ec) && !force) throw BadInput{{{"--out", "exists", "\"" + out_path + "\" exists; use --force to overwrite it"}}};
  const auto start = std::chrono::steady_clock::now();
  std::vector<Part> parts = open_parts(paths);
  const io::PartHeader& h = parts.front().header;
  const SummaryReader summary(parts.front());
  io::ParetoFront front;
  std::uint64_t feasible = 0;
  join_parts(parts, out_path, [&](std::string_view line, std::uint64_t row) { return !summary.has_columns() || summary.offer(line, row, front, feasible); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (summary.has_columns())
    print_summary("moesim merge", front, {h.pareto_x, column_unit(h.pareto_x)}, {h.pareto_y, column_unit(h.pareto_y)}, h.rows, feasible, seconds);
  else
    std::fprintf(stderr, "moesim merge: %llu rows in %.2f s (no Pareto summary: the parts lack %s or %s)\n", static_cast<unsigned long long>(h.rows),
                 seconds, h.pareto_x.c_str(), h.pareto_y.c_str());
  return kOk;
}

}  // namespace moesim::cli
