#pragma once
// `mpirun -np N moesim frontier`: the budgets dealt out to the ranks.
#include <vector>

#include "moesim/fit/io/frontier_query.h"
#include "mpi_world.h"

namespace moesim::cli {

// The optima of the study's budgets: budget i solved by rank i mod N, collected at the root in
// budget order (elsewhere empty). Each budget is solved on its own (optimize() is
// deterministic), so the root's answer is the one a single process gives, whatever N.
std::vector<fit::ConstrainedOptimum> solve_on_ranks(const fit::FrontierStudy& study, World& world);

}  // namespace moesim::cli
