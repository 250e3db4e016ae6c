#pragma once
// The parts of a sharded sweep joined into the file one process writes, in constant memory:
// `moesim merge`, and the root rank of `mpirun -np N moesim sweep`.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/io/sweep_parts.h"

namespace moesim::cli {

// A file read in blocks of 4 MiB, a line or a run of lines at a time: std::getline per line
// kept the join at 184 MB/s, below the disk's speed.
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  bool ok() const { return file_ != nullptr; }
  // The next complete line, without its newline, valid until the next call; false when none is
  // left (a last line without its newline is not a line: the file was cut).
  bool next(std::string_view& line);
  // Writes the next `n` complete lines, newlines included, to `out`; returns how many there were.
  std::uint64_t copy(std::uint64_t n, std::ostream& out);
  bool at_end();  // no byte left

 private:
  bool fill();  // keeps the unread bytes, reads more; false when nothing more came
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
};

struct Part {
  std::string path;
  std::unique_ptr<LineReader> in;
  io::PartHeader header;
  std::string columns;  // the CSV header line
};

// Opens the parts and checks that they are the N shards of one run, by shard; throws BadInput.
std::vector<Part> open_parts(const std::vector<std::string>& paths);

// Writes the CSV header and the rows in the plan's order to `out_path` (via out_path.partial,
// renamed at the end): chunk c is the next chunk of part c mod N. `row(line, index)`, where
// given, sees every row and returns false for a line that is not a row of the sweep (without
// it, whole chunks are copied at once). Throws BadInput naming the part that is short, long or
// holds such a line, or the output that cannot be written; then no file is left.
using RowCheck = std::function<bool(std::string_view line, std::uint64_t row)>;
void join_parts(std::vector<Part>& parts, const std::string& out_path, const RowCheck& row = {});

}  // namespace moesim::cli
