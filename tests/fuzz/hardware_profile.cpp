// Fuzz target: a hardware profile (io::parse_json, then io::read_hardware_profile, as `hw lint`).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moesim;
  fuzz::with_json(data, size, [](const io::Json& doc, Diagnostics& d) {
    if (const auto hw = io::read_hardware_profile(doc, d)) fuzz::check_hardware(*hw);
  });
  return 0;
}
