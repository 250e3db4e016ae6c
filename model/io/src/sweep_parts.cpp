#include "moesim/io/sweep_parts.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>

namespace moesim::io {
namespace {

std::optional<std::uint64_t> whole(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, sep);) parts.push_back(item);
  return parts;
}

constexpr const char* kMagic = "#moesim-sweep-part";

}  // namespace

std::optional<Shard> parse_shard(const std::string& text, const std::string& path, Diagnostics& out) {
  const auto slash = text.find('/');
  const auto i = slash == std::string::npos ? std::nullopt : whole(std::string_view(text).substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : whole(std::string_view(text).substr(slash + 1));
  if (!i || !n || *n < 1 || *n > 1000000 || *i >= *n) {
    out.push_back({path, "out_of_range", "\"" + text + "\" must be I/N with 0 <= I < N <= 1000000 (shards count from 0)"});
    return std::nullopt;
  }
  return Shard{*i, *n};
}

std::string part_header_line(const PartHeader& h) {
  std::string axes;
  for (const std::string& a : h.axes) axes += (axes.empty() ? "" : ";") + a;
  return std::string(kMagic) + " shard=" + std::to_string(h.shard.index) + "/" + std::to_string(h.shard.count) +
         " chunk=" + std::to_string(h.chunk) + " rows=" + std::to_string(h.rows) + " plan=" + h.plan + " format=" + h.format +
         " axes=" + axes + " pareto=" + h.pareto_x + "," + h.pareto_y + "\n";
}

std::optional<PartHeader> read_part_header(const std::string& line) {
  std::istringstream in(line);
  std::string magic;
  if (!(in >> magic) || magic != kMagic) return std::nullopt;
  std::map<std::string, std::string> fields;
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) return std::nullopt;
    fields[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (!fields.count("axes")) fields["axes"] = "";  // a sweep without axes
  for (const char* key : {"shard", "chunk", "rows", "plan", "format", "pareto"})
    if (!fields.count(key)) return std::nullopt;
  Diagnostics ignored;
  const auto shard = parse_shard(fields["shard"], "shard", ignored);
  const auto chunk = whole(fields["chunk"]), rows = whole(fields["rows"]);
  const auto comma = fields["pareto"].find(',');
  if (!shard || !chunk || *chunk == 0 || !rows || comma == std::string::npos) return std::nullopt;
  PartHeader h{*shard, *chunk, *rows, fields["plan"], fields["format"], split(fields["axes"], ';'), fields["pareto"].substr(0, comma),
               fields["pareto"].substr(comma + 1)};
  return h;
}

std::string plan_hash(const std::string& signature) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a offset basis and prime (Fowler, Noll, Vo)
  for (unsigned char c : signature) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

}  // namespace moesim::io
