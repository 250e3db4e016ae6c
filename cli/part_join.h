#pragma once
// The parts of a sharded sweep joined into the file one process writes, in constant memory:
// `moesim merge`, and the root rank of `mpirun -np N moesim sweep`.
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "moesim/io/sweep_parts.h"

namespace moesim::cli {

struct Part {
  std::string path;
  std::unique_ptr<std::ifstream> in;
  io::PartHeader header;
  std::string columns;  // the CSV header line
};

// Opens the parts and checks that they are the N shards of one run, by shard; throws BadInput.
std::vector<Part> open_parts(const std::vector<std::string>& paths);

// Writes the CSV header and the rows in the plan's order to `out`: chunk c is the next chunk of
// part c mod N. `row(line, index)` sees every row and returns false for a line that is not a
// row of the sweep. Throws BadInput naming the part that is short, long or holds such a line.
void join_parts(std::vector<Part>& parts, std::ostream& out, const std::function<bool(const std::string& line, std::uint64_t row)>& row);

}  // namespace moesim::cli
