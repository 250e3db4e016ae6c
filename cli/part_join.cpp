#include "part_join.h"

#include <algorithm>

#include "common.h"

namespace moesim::cli {

// Opens the parts and checks that they are the N shards of one run.
std::vector<Part> open_parts(const std::vector<std::string>& paths) {
  Diagnostics d;
  std::vector<Part> parts;
  for (const std::string& path : paths) {
    Part p{path, std::make_unique<std::ifstream>(path, std::ios::binary), {}, {}};
    std::string line;
    if (!*p.in || !std::getline(*p.in, line)) {
      d.push_back({path, "unreadable", "cannot read \"" + path + "\""});
      continue;
    }
    const auto header = io::read_part_header(line);
    if (!header) {
      d.push_back({path + ":1", "not_a_part", "has no part header line (written by `moesim sweep --shard I/N`)"});
      continue;
    }
    p.header = *header;
    if (header->format == "csv" && !std::getline(*p.in, p.columns)) d.push_back({path + ":2", "incomplete", "has no CSV header"});
    parts.push_back(std::move(p));
  }
  if (!d.empty()) throw BadInput{d};
  const io::PartHeader& first = parts.front().header;
  std::vector<const Part*> by_shard(first.shard.count, nullptr);
  for (const Part& p : parts) {
    const io::PartHeader& h = p.header;
    if (h.plan != first.plan || h.rows != first.rows || h.chunk != first.chunk || h.format != first.format || h.shard.count != first.shard.count ||
        p.columns != parts.front().columns)
      d.push_back({p.path + ":1", "different_plan", "belongs to another run than " + parts.front().path + " (plan " + h.plan + ", " +
                                                       std::to_string(h.shard.count) + " shards; " + parts.front().path + ": plan " + first.plan +
                                                       ", " + std::to_string(first.shard.count) + " shards)"});
    else if (by_shard[h.shard.index])
      d.push_back({p.path + ":1", "duplicate", "is shard " + std::to_string(h.shard.index) + " again (also " + by_shard[h.shard.index]->path + ")"});
    else by_shard[h.shard.index] = &p;
  }
  for (std::size_t i = 0; d.empty() && i < by_shard.size(); ++i)
    if (!by_shard[i]) d.push_back({"PART", "missing", "shard " + std::to_string(i) + "/" + std::to_string(first.shard.count) + " is not among the parts"});
  if (!d.empty()) throw BadInput{d};
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.header.shard.index < b.header.shard.index; });
  return parts;
}

void join_parts(std::vector<Part>& parts, std::ostream& out, const std::function<bool(const std::string& line, std::uint64_t row)>& row) {
  const io::PartHeader& h = parts.front().header;
  if (h.format == "csv") out << parts.front().columns << "\n";
  std::string line;
  for (std::uint64_t c = 0, index = 0; c * h.chunk < h.rows; ++c) {
    Part& p = parts[io::shard_of_chunk(c, h.shard.count)];  // sorted by shard
    for (std::uint64_t k = 0; k < std::min(h.chunk, h.rows - c * h.chunk); ++k, ++index) {
      if (!std::getline(*p.in, line) || p.in->eof())
        throw BadInput{{{p.path, "incomplete", "ends before row " + std::to_string(index) + " of " + std::to_string(h.rows) + ": finish it (moesim sweep ... --resume)"}}};
      if (!row(line, index))
        throw BadInput{{{p.path, "wrong_type", "row " + std::to_string(index) + " is not a row of `moesim sweep --format " + h.format + "`"}}};
      out << line << '\n';
    }
  }
  for (Part& p : parts)
    if (std::getline(*p.in, line)) throw BadInput{{{p.path, "too_many_rows", "has more rows than its share of the " + std::to_string(h.rows) + " rows"}}};
}

}  // namespace moesim::cli
