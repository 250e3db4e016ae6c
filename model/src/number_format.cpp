#include "moesim/model/number_format.h"

#include <array>
#include <charconv>

namespace moesim {
namespace {

struct NamedElement {
  Element element;
  std::string_view name;
  int bits;
};
constexpr std::array<NamedElement, kElementCount> kElements{{
    {Element::fp32, "fp32", 32},
    {Element::fp16, "fp16", 16},
    {Element::bf16, "bf16", 16},
    {Element::fp8, "fp8", 8},
    {Element::fp6, "fp6", 6},
    {Element::fp4, "fp4", 4},
    {Element::int8, "int8", 8},
    {Element::int4, "int4", 4},
    {Element::int3, "int3", 3},
    {Element::int2, "int2", 2},
}};

// Named block-scaled formats. Source: OCP Microscaling Formats (MX) v1.0, Table 1
// (block of 32, E8M0 scale); NVIDIA Blackwell NVFP4 (block of 16, E4M3 scale).
struct NamedBlockFormat {
  std::string_view name;
  NumberFormat format;
};
constexpr std::array<NamedBlockFormat, 4> kBlockFormats{{
    {"mxfp4", {Element::fp4, 32, 8}},
    {"mxfp6", {Element::fp6, 32, 8}},
    {"mxfp8", {Element::fp8, 32, 8}},
    {"nvfp4", {Element::fp4, 16, 8}},
}};

constexpr int kGroupScaleBits = 16;  // GPTQ (arXiv 2210.17323) and AWQ store fp16 group scales.

bool is_integer(Element e) {
  return e == Element::int8 || e == Element::int4 || e == Element::int3 || e == Element::int2;
}

}  // namespace

// kElements is in the enum's order: a lookup, not a search (make_plan asks for every GEMM).
static_assert([] {
  for (std::size_t i = 0; i < kElements.size(); ++i)
    if (static_cast<std::size_t>(kElements[i].element) != i) return false;
  return true;
}());

int element_bits(Element e) {
  const auto i = static_cast<std::size_t>(e);
  return i < kElements.size() ? kElements[i].bits : 0;
}

std::string_view to_string(Element e) {
  const auto i = static_cast<std::size_t>(e);
  return i < kElements.size() ? kElements[i].name : "?";
}

double NumberFormat::bits_per_value() const {
  double bits = element_bits(element);
  if (block_size > 0) bits += static_cast<double>(scale_bits) / block_size;
  return bits;
}

std::string to_string(const NumberFormat& f) {
  if (f.block_size == 0) return std::string(to_string(f.element));
  for (const auto& b : kBlockFormats)
    if (b.format == f) return std::string(b.name);
  return std::string(to_string(f.element)) + "-g" + std::to_string(f.block_size);
}

std::optional<NumberFormat> parse_number_format(std::string_view name) {
  for (const auto& n : kElements)
    if (n.name == name) return NumberFormat{n.element, 0, 0};
  for (const auto& b : kBlockFormats)
    if (b.name == name) return b.format;
  // "intN-gSIZE": integer elements with an fp16 scale per SIZE values.
  const auto dash = name.find("-g");
  if (dash == std::string_view::npos) return std::nullopt;
  const auto element_name = name.substr(0, dash);
  const auto size_text = name.substr(dash + 2);
  int size = 0;
  const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
  if (ec != std::errc() || end != size_text.data() + size_text.size() || size < 8 || size > 65536)
    return std::nullopt;
  for (const auto& n : kElements)
    if (n.name == element_name && is_integer(n.element)) return NumberFormat{n.element, size, kGroupScaleBits};
  return std::nullopt;
}

std::string_view number_format_grammar() {
  return "fp32, fp16, bf16, fp8, fp6, fp4, int8, int4, int3, int2, mxfp4, mxfp6, mxfp8, nvfp4, "
         "or intN-gSIZE (N in 8,4,3,2; one fp16 scale per SIZE values, SIZE 8..65536)";
}

}  // namespace moesim
