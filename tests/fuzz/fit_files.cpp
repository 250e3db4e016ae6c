// Fuzz target: the files of moesim::fit_io, one per first byte: a scaling-data CSV
// (fit::read_scaling_data, every dataset recognised by its header) and a fit.json
// (fit::load_law). Both read paths, so the input goes to a file of this process first.
#include <unistd.h>

#include <fstream>

#include "fuzz_checks.h"
#include "moesim/fit/io/fit_file.h"
#include "moesim/fit/io/scaling_data.h"

namespace {
const std::string& scratch(const char* suffix) {  // one file per process and kind
  static std::string paths[2];
  std::string& p = paths[suffix[1] == 'c' ? 0 : 1];
  if (p.empty()) p = "/tmp/moesim-fuzz-" + std::to_string(::getpid()) + suffix;
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moesim;
  if (size == 0) return 0;
  const bool csv = data[0] % 2 == 0;
  const std::string& path = scratch(csv ? ".csv" : ".json");
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  Diagnostics d;
  if (csv) {
    if (const auto s = fit::read_scaling_data(path, {}, d))
      for (const fit::Observation& o : s->points) {
        fuzz::require_figure("loss", o.loss);
        fuzz::require_figure("tokens", o.tokens);
        fuzz::require_figure("total_params", o.total_params);
      }
  } else if (const auto law = fit::load_law(path, d)) {
    fit::Observation o;
    o.total_params = o.active_params = 1e9;
    o.tokens = 2e10;
    o.experts = 1;
    fuzz::require_figure("predicted loss", law->law->loss(law->params, o));
  }
  std::remove(path.c_str());
  return 0;
}
