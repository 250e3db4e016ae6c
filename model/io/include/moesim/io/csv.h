#pragma once
// RFC 4180 CSV (quoted fields may hold commas, doubled quotes and newlines), for the readers of
// scaling-law data and of `moesim validate` output.
#include <optional>
#include <string>
#include <vector>

#include "moesim/model/diagnostic.h"

namespace moesim::io {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> line;  // source line of each row
};

// Blank lines are skipped. A row whose column count differs from the header's, an
// unterminated quote or a missing header is a diagnostic naming `path` and the line; then
// nothing is returned.
std::optional<CsvTable> parse_csv(const std::string& text, const std::string& path, Diagnostics& out);

}  // namespace moesim::io
