#pragma once
// The Pareto summary `moesim sweep` and `moesim merge` print to standard error.
#include <cstdint>
#include <string>

#include "moesim/io/report.h"
#include "moesim/io/study.h"

namespace moesim::cli {

// A column the Pareto summary minimises: its key and unit.
struct SummaryColumn {
  std::string key;
  io::Unit unit = io::Unit::ratio;
};
// The unit of an output column of `moesim sweep` by its key (ratio when it has none).
io::Unit column_unit(const std::string& key);

// "COMMAND: R rows (F feasible) in S s" and the front's first 25 points.
void print_summary(const char* command, const io::ParetoFront& front, const SummaryColumn& x, const SummaryColumn& y, std::uint64_t rows,
                   std::uint64_t feasible, double seconds);

}  // namespace moesim::cli
