#pragma once
// A problem with an input, as data: where (a JSON pointer into the document, or an option
// name), a stable code for tests and scripts, and a message that names the value and the rule.
#include <string>
#include <vector>

namespace moesim {

struct Diagnostic {
  std::string path;     // e.g. "/moe/top_k" or "--batch"
  std::string code;     // e.g. "out_of_range", "unknown_key"
  std::string message;  // e.g. "top_k 9 must not exceed experts (8)"
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace moesim
