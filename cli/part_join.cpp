#include "part_join.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common.h"

namespace moesim::cli {

LineReader::LineReader(const std::string& path) : file_(std::fopen(path.c_str(), "rb"), &std::fclose), buffer_(std::size_t{4} << 20) {}

bool LineReader::fill() {
  if (!file_) return false;
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  if (end_ == buffer_.size()) buffer_.resize(2 * buffer_.size());  // a line longer than the buffer
  const std::size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_.get());
  end_ += got;
  return got > 0;
}

bool LineReader::next(std::string_view& line) {
  for (std::size_t searched = begin_;;) {
    if (const void* q = std::memchr(buffer_.data() + searched, '\n', end_ - searched)) {
      const char* start = buffer_.data() + begin_;
      line = std::string_view(start, static_cast<std::size_t>(static_cast<const char*>(q) - start));
      begin_ += line.size() + 1;
      return true;
    }
    searched = end_ - begin_;  // where the search resumes once fill() moved the bytes to the front
    if (!fill()) return false;
  }
}

std::uint64_t LineReader::copy(std::uint64_t n, std::ostream& out) {
  std::uint64_t done = 0;
  while (done < n) {
    const char* start = buffer_.data() + begin_;
    const char* p = start;
    const char* stop = buffer_.data() + end_;
    for (; done < n; ++done) {
      const void* q = std::memchr(p, '\n', static_cast<std::size_t>(stop - p));
      if (!q) break;
      p = static_cast<const char*>(q) + 1;
    }
    out.write(start, p - start);
    begin_ += static_cast<std::size_t>(p - start);
    if (done < n && !fill()) break;
  }
  return done;
}

bool LineReader::at_end() { return begin_ == end_ && !fill(); }

// Opens the parts and checks that they are the N shards of one run.
std::vector<Part> open_parts(const std::vector<std::string>& paths) {
  Diagnostics d;
  std::vector<Part> parts;
  for (const std::string& path : paths) {
    Part p{path, std::make_unique<LineReader>(path), {}, {}};
    std::string_view line;
    if (!p.in->ok() || !p.in->next(line)) {
      d.push_back({path, "unreadable", "cannot read \"" + path + "\""});
      continue;
    }
    const auto header = io::read_part_header(std::string(line));
    if (!header) {
      d.push_back({path + ":1", "not_a_part", "has no part header line (written by `moesim sweep --shard I/N`)"});
      continue;
    }
    p.header = *header;
    if (header->format == "csv") {
      if (p.in->next(line)) p.columns = line;
      else d.push_back({path + ":2", "incomplete", "has no CSV header"});
    }
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

namespace {

// The CSV header and the rows in the plan's order (join_parts).
void write_rows(std::vector<Part>& parts, std::ostream& out, const RowCheck& row) {
  const io::PartHeader& h = parts.front().header;
  if (h.format == "csv") out << parts.front().columns << "\n";
  std::string_view line;
  for (std::uint64_t c = 0, index = 0; c * h.chunk < h.rows; ++c) {
    Part& p = parts[io::shard_of_chunk(c, h.shard.count)];  // sorted by shard
    const std::uint64_t rows = std::min(h.chunk, h.rows - c * h.chunk);
    auto short_part = [&](std::uint64_t at) {
      return BadInput{{{p.path, "incomplete", "ends before row " + std::to_string(at) + " of " + std::to_string(h.rows) + ": finish it (moesim sweep ... --resume)"}}};
    };
    if (!row) {
      if (const std::uint64_t got = p.in->copy(rows, out); got < rows) throw short_part(index + got);
      index += rows;
      continue;
    }
    for (std::uint64_t k = 0; k < rows; ++k, ++index) {
      if (!p.in->next(line)) throw short_part(index);
      if (!row(line, index))
        throw BadInput{{{p.path, "wrong_type", "row " + std::to_string(index) + " is not a row of `moesim sweep --format " + h.format + "`"}}};
      out << line << '\n';
    }
  }
  for (Part& p : parts)
    if (!p.in->at_end()) throw BadInput{{{p.path, "too_many_rows", "has more rows than its share of the " + std::to_string(h.rows) + " rows"}}};
}

}  // namespace

void join_parts(std::vector<Part>& parts, const std::string& out_path, const RowCheck& row) {
  const std::string partial = out_path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) throw BadInput{{{"--out", "unwritable", "cannot write \"" + partial + "\""}}};
  try {
    write_rows(parts, out, row);
    out.close();
    if (!out) throw BadInput{{{"--out", "unwritable", "writing \"" + partial + "\" failed (disk full?)"}}};
  } catch (...) {  // nothing is left behind: no FILE, no FILE.partial
    out.close();
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    throw;
  }
  std::filesystem::rename(partial, out_path);
}

}  // namespace moesim::cli
