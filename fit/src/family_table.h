#pragma once
// The width grid of one family member (fixed K, G, E, weight format): what the laws, the
// budgets and the limits need of each width, from moesim::model. Shared by frontier.cpp and
// optimize.cpp; not an interface.
#include <cstdint>
#include <vector>

#include "moesim/fit/frontier.h"

namespace moesim::fit::detail {

struct WidthPoint {
  double d_model, total, active, flops_per_token;
  std::int64_t layers;
  double weights_bytes, kv_bytes_per_token;
};

std::int64_t experts_for(const Family& f, double sparsity);
// Log-spaced widths from min to max d_model, each snapped to the family's head size once.
std::vector<WidthPoint> width_table(const Family& f, std::int64_t experts, double min_d_model, double max_d_model,
                                    std::size_t width_points);

}  // namespace moesim::fit::detail
