// Fuzz target: a native model file (io::parse_json, then io::read_native_model).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moesim;
  fuzz::with_json(data, size, [](const io::Json& doc, Diagnostics& d) {
    if (const auto a = io::read_native_model(doc, d)) fuzz::check_model(*a);
  });
  return 0;
}
