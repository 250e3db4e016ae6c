#pragma once
// One name table per enum: to_string and parse_enum both read it, so files, flags and
// output cannot disagree.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "moesim/model/architecture.h"
#include "moesim/model/latency.h"
#include "moesim/model/routing.h"
#include "moesim/model/workload.h"

namespace moesim {

template <class Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

template <class Enum>
std::span<const EnumName<Enum>> enum_names();

template <class Enum>
std::optional<Enum> parse_enum(std::string_view text) {
  for (const auto& n : enum_names<Enum>())
    if (n.name == text) return n.value;
  return std::nullopt;
}

// "a, b or c", for error messages.
template <class Enum>
std::string enum_choices() {
  std::string out;
  const auto names = enum_names<Enum>();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i].name;
  }
  return out;
}

}  // namespace moesim
