#pragma once
// The one parser of dimensioned values in files: "3.35 TB/s", "80 GiB", "989.4 TFLOP/s",
// "2 us", "700 W", "2.49 USD/h". Decimal (k, M, G, T, P) and binary (Ki, Mi, Gi, Ti, Pi)
// prefixes are distinct; a bare number is an error for a dimensioned field.
#include <optional>
#include <string>
#include <string_view>

namespace moesim::io {

enum class Dimension { bytes, bytes_per_s, flop_per_s, seconds, watts, usd_per_hour };

struct ParsedQuantity {
  std::optional<double> value;  // in base units: bytes, bytes/s, FLOP/s, s, W, USD/h
  std::string error;            // why not, naming the accepted units
};

ParsedQuantity parse_quantity(std::string_view text, Dimension dimension);
std::string_view unit_examples(Dimension dimension);

}  // namespace moesim::io
