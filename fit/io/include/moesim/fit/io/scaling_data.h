#pragma once
// Scaling-law data: a generic CSV reader with a column mapping, and adapters for the data
// sets of ../shared/data (Epoch's Chinchilla points, Clark et al.'s routing runs, the Step
// Law MoE runs), told apart by --dataset or by their header.
#include <optional>
#include <string>
#include <vector>

#include "moesim/fit/law.h"
#include "moesim/model/diagnostic.h"

namespace moesim::fit {

enum class Dataset { generic, epoch_chinchilla, clark2022, steplaw };

struct DataOptions {
  std::optional<Dataset> dataset;  // nullopt: recognised from the header, else generic
  // generic: role=column pairs, roles N, Na, D, S, E, G, loss, weight (N, D and loss required
  // unless the law needs other inputs; checked by the caller).
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<std::pair<std::string, std::string>> filters;  // column = value, all must hold
};

struct ScalingData {
  Dataset dataset = Dataset::generic;
  std::vector<Observation> points;
  std::vector<std::string> notes;  // what the adapter did (rows dropped, derived columns)
};

std::optional<ScalingData> read_scaling_data(const std::string& path, const DataOptions& options, Diagnostics& out);
std::optional<Dataset> parse_dataset(std::string_view name);
std::string_view to_string(Dataset d);

}  // namespace moesim::fit
