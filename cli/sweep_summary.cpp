#include "sweep_summary.h"

#include <cstdio>

namespace moesim::cli {

io::Unit column_unit(const std::string& key) {
  for (const auto& f : io::estimate_fields())
    if (f.key == key) return f.unit;
  for (const auto& f : io::latency_fields())
    if (f.key == key) return f.unit;
  return io::Unit::ratio;
}

void print_summary(const char* command, const io::ParetoFront& front, const SummaryColumn& x, const SummaryColumn& y, std::uint64_t rows,
                   std::uint64_t feasible, double seconds) {
  std::fprintf(stderr, "%s: %llu rows (%llu feasible) in %.2f s\n", command, static_cast<unsigned long long>(rows),
               static_cast<unsigned long long>(feasible), seconds);
  const auto points = front.sorted();
  std::fprintf(stderr, "Pareto-optimal rows of the whole sweep, minimising %s and %s%s:\n", x.key.c_str(), y.key.c_str(),
               front.truncated() ? " (front truncated at 4096 points)" : "");
  std::size_t shown = 0;
  for (const auto& p : points) {
    if (++shown > 25) {
      std::fprintf(stderr, "  ... %zu more\n", points.size() - 25);
      break;
    }
    std::fprintf(stderr, "  %-14s %-14s row %-8llu %s\n", io::human(p.x, x.unit).c_str(), io::human(p.y, y.unit).c_str(),
                 static_cast<unsigned long long>(p.row), p.label.c_str());
  }
}

}  // namespace moesim::cli
