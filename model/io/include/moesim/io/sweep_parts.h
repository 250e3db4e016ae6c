#pragma once
// Sweep parts for array jobs (Slurm --array, GNU parallel, Kubernetes indexed jobs): shard i
// of n evaluates the chunks c = i, i + n, i + 2n, ... of kChunkRows rows each (block-cyclic,
// so every shard gets rows of every region of the plan, whatever their cost), and writes them
// in row order after one header line naming the run; `moesim merge` interleaves the parts
// back into the file one process writes, byte for byte.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moesim/model/diagnostic.h"

namespace moesim::io {

inline constexpr std::uint64_t kChunkRows = 4096;

// The shard of `shards` that evaluates chunk `chunk` (rows [chunk C, (chunk + 1) C)).
inline std::uint64_t shard_of_chunk(std::uint64_t chunk, std::uint64_t shards) { return chunk % shards; }

struct Shard {
  std::uint64_t index = 0, count = 1;
  bool owns(std::uint64_t chunk) const { return shard_of_chunk(chunk, count) == index; }
};
// "i/N", 0 <= i < N <= 1e6; diagnostics at `path`.
std::optional<Shard> parse_shard(const std::string& text, const std::string& path, Diagnostics& out);

// The first line of a part: "#moesim-sweep-part shard=I/N chunk=C rows=R plan=HEX format=F
// axes=A;B pareto=X,Y": which run (the hash of the options that decide its rows), which
// shard, the layout merge needs, and the two columns the run's Pareto summary minimises.
struct PartHeader {
  Shard shard;
  std::uint64_t chunk = kChunkRows, rows = 0;
  std::string plan;    // 16 hex digits
  std::string format;  // csv | jsonl
  std::vector<std::string> axes;
  std::string pareto_x, pareto_y;
};
std::string part_header_line(const PartHeader& header);  // with its newline
std::optional<PartHeader> read_part_header(const std::string& line);

// FNV-1a, 64 bits, as 16 hex digits: the same options give the same hash on every machine.
std::string plan_hash(const std::string& signature);

}  // namespace moesim::io
