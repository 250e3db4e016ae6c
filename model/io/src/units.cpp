#include "moesim/io/units.h"

#include <array>
#include <charconv>
#include <cmath>

namespace moesim::io {
namespace {

struct Prefix {
  std::string_view symbol;
  double factor;
};
// Binary before decimal so that "Gi" is not read as "G" followed by "i".
constexpr std::array<Prefix, 12> kPrefixes{{
    {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0},
    {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15}, {"E", 1e18}, {"", 1.0},
}};

struct UnitName {
  std::string_view symbol;
  double factor;  // to base units, before prefixes
  bool binary_ok;
};

// Accepted unit symbols per dimension; time units carry their own scale and take no prefix.
std::array<UnitName, 4> units_for(Dimension d) {
  switch (d) {
    case Dimension::bytes: return {{{"B", 1, true}, {"", 0, false}, {"", 0, false}, {"", 0, false}}};
    case Dimension::bytes_per_s: return {{{"B/s", 1, true}, {"", 0, false}, {"", 0, false}, {"", 0, false}}};
    case Dimension::flop_per_s: return {{{"FLOP/s", 1, false}, {"OP/s", 1, false}, {"", 0, false}, {"", 0, false}}};
    case Dimension::seconds: return {{{"s", 1, false}, {"ms", 1e-3, false}, {"us", 1e-6, false}, {"ns", 1e-9, false}}};
    case Dimension::watts: return {{{"W", 1, false}, {"", 0, false}, {"", 0, false}, {"", 0, false}}};
    case Dimension::usd_per_hour: return {{{"USD/h", 1, false}, {"", 0, false}, {"", 0, false}, {"", 0, false}}};
  }
  return {};
}

bool is_time(Dimension d) { return d == Dimension::seconds; }

}  // namespace

std::string_view unit_examples(Dimension d) {
  switch (d) {
    case Dimension::bytes: return "e.g. \"80 GiB\", \"50 MB\" (B with k/M/G/T/P or Ki/Mi/Gi/Ti/Pi)";
    case Dimension::bytes_per_s: return "e.g. \"3.35 TB/s\", \"64 GiB/s\" (B/s with a decimal or binary prefix)";
    case Dimension::flop_per_s: return "e.g. \"989.4 TFLOP/s\", \"1979 TOP/s\" (FLOP/s or OP/s with k/M/G/T/P/E)";
    case Dimension::seconds: return "e.g. \"2 us\", \"1.5 ms\", \"0.01 s\" (s, ms, us, ns)";
    case Dimension::watts: return "e.g. \"700 W\", \"15 W\" (W with k/M)";
    case Dimension::usd_per_hour: return "e.g. \"2.49 USD/h\"";
  }
  return "";
}

ParsedQuantity parse_quantity(std::string_view text, Dimension dimension) {
  ParsedQuantity out;
  auto fail = [&](const std::string& why) {
    out.error = why + "; " + std::string(unit_examples(dimension));
    return out;
  };
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return fail("\"" + std::string(text) + "\" has no unit");
  const std::string_view number = text.substr(0, space);
  const std::string_view unit = text.substr(space + 1);
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value))
    return fail("\"" + std::string(number) + "\" is not a number");
  if (value < 0) return fail("\"" + std::string(text) + "\" is negative");
  auto scaled = [&](double factor) {  // a quantity past a double (1e308 TB) is no quantity
    if (!std::isfinite(value * factor)) return fail("\"" + std::string(text) + "\" is beyond any device");
    out.value = value * factor;
    return out;
  };
  for (const UnitName& u : units_for(dimension)) {
    if (u.symbol.empty()) continue;
    if (is_time(dimension)) {
      if (unit == u.symbol) return scaled(u.factor);
      continue;
    }
    for (const Prefix& p : kPrefixes) {
      if (unit.size() != p.symbol.size() + u.symbol.size() || unit.substr(0, p.symbol.size()) != p.symbol ||
          unit.substr(p.symbol.size()) != u.symbol)
        continue;
      if (p.symbol.size() == 2 && !u.binary_ok) return fail("binary prefix \"" + std::string(p.symbol) + "\" is not used with " + std::string(u.symbol));
      return scaled(p.factor * u.factor);
    }
  }
  return fail("unknown unit \"" + std::string(unit) + "\"");
}

}  // namespace moesim::io
