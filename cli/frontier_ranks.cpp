#include "frontier_ranks.h"

#include <string>
#include <type_traits>

#include "rank_bytes.h"

namespace moesim::cli {
namespace {

using fit::ConstrainedOptimum;
using fit::Design;
static_assert(std::is_trivially_copyable_v<Design>, "a Design crosses ranks as its bytes (one binary on every rank)");

// The fields of an optimum, one list for both directions.
template <class Io, class Row>
void transfer(Io& io, Row& r) {
  io(r.budget);
  io(r.feasible);
  io(r.reason);
  io(r.best);
  io(r.binding);
  io(r.at_bound);
  io(r.unconstrained);
  io(r.unconstrained_feasible);
  io(r.alternatives);
}

std::string encode(const std::vector<ConstrainedOptimum>& rows) {
  ByteWriter w;
  for (const ConstrainedOptimum& r : rows) transfer(w, r);
  return w.bytes;
}

std::vector<ConstrainedOptimum> decode(const std::string& bytes) {
  ByteReader in(bytes);
  std::vector<ConstrainedOptimum> rows;
  while (!in.done()) transfer(in, rows.emplace_back());
  return rows;
}

}  // namespace

std::vector<ConstrainedOptimum> solve_on_ranks(const fit::FrontierStudy& study, World& world) {
  const std::size_t n = static_cast<std::size_t>(world.size()), rank = static_cast<std::size_t>(world.rank());
  fit::OptimizeOptions mine = study.options;
  mine.budgets.clear();
  for (std::size_t i = rank; i < study.options.budgets.size(); i += n) mine.budgets.push_back(study.options.budgets[i]);
  const std::vector<std::string> all = world.gather(encode(fit::optimize(*study.law.law, study.law.params, mine)));
  std::vector<std::vector<ConstrainedOptimum>> by_rank;
  for (const std::string& bytes : all) by_rank.push_back(decode(bytes));
  std::vector<ConstrainedOptimum> rows;
  for (std::size_t i = 0; world.root() && i < study.options.budgets.size(); ++i) rows.push_back(std::move(by_rank[i % n][i / n]));
  return rows;
}

}  // namespace moesim::cli
