#pragma once
// How one stored tensor is encoded: element bits plus optional block scales.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moesim {

enum class Element : std::uint8_t { fp32, fp16, bf16, fp8, fp6, fp4, int8, int4, int3, int2 };
inline constexpr std::size_t kElementCount = 10;

// A storage format. Block-scaled formats store one scale of `scale_bits` per `block_size`
// values (OCP Microscaling Formats spec v1.0: MXFP4 = FP4 E2M1 + one E8M0 scale per 32;
// NVFP4 = FP4 + one FP8 E4M3 scale per 16; GPTQ/AWQ-style "int4-g128" = int4 + one fp16
// scale per 128). block_size == 0 means per-tensor/per-channel scales, whose size is
// negligible and not counted.
struct NumberFormat {
  Element element = Element::bf16;
  std::int32_t block_size = 0;
  std::int32_t scale_bits = 0;

  // Bits per stored value, block scales included.
  double bits_per_value() const;
  double bytes_per_value() const { return bits_per_value() / 8.0; }
  friend bool operator==(const NumberFormat&, const NumberFormat&) = default;
};

int element_bits(Element e);
std::string_view to_string(Element e);

// One name per format, parsed and printed by this pair only, so files and flags agree:
// "fp32", "fp16", "bf16", "fp8", "fp6", "fp4", "int8", "int4", "int3", "int2",
// "mxfp4", "mxfp6", "mxfp8", "nvfp4", and "intN-gSIZE" (fp16 scale per SIZE values).
std::string to_string(const NumberFormat& f);
std::optional<NumberFormat> parse_number_format(std::string_view name);
// The list shown in error messages.
std::string_view number_format_grammar();

}  // namespace moesim
