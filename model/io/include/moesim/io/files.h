#pragma once
// Files and the number lists of options: one atomic writer, the budget grammar.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/model/diagnostic.h"

namespace moesim::io {

// Writes `text` to `path` atomically (a unique temporary file in the same directory, then
// rename); refuses to replace an existing file unless `force`.
bool write_file_atomically(const std::string& path, const std::string& text, bool force, Diagnostics& out);

// A finite number read whole ("1.5x" is not 1.5); nullopt otherwise.
std::optional<double> finite_number(std::string_view text);

// "A,B,C": positive finite numbers, each read whole; diagnostics at `path` name `what` ("FLOPs").
std::optional<std::vector<double>> parse_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                     Diagnostics& out);
// ... each a whole number up to 1e9 ("experts per token").
std::optional<std::vector<std::int64_t>> parse_whole_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                                 Diagnostics& out);

// "P1,P2,...": a routing histogram's shares, finite numbers >= 0 (0 is an expert never
// picked), each read whole; validate(Deployment) checks the rest (not all 0, one per expert).
std::optional<std::vector<double>> parse_share_list(const std::string& text, const std::string& path, Diagnostics& out);

// Compute budgets: "LO:HI:COUNT" (log-spaced) or "C1,C2,...". Diagnostics at `path`.
std::optional<std::vector<double>> parse_budgets(const std::string& text, const std::string& path, Diagnostics& out);

}  // namespace moesim::io
