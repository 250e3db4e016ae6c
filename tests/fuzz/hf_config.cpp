// Fuzz target: a Hugging Face config.json (io::parse_json, then io::import_hf_config).
#include "fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moesim;
  fuzz::with_json(data, size, [](const io::Json& doc, Diagnostics& d) {
    if (const auto m = io::import_hf_config(doc, d)) fuzz::check_model(m->arch);
  });
  return 0;
}
