#pragma once
// Hardware profiles (hwprofiles/*.json, schema in hwprofiles/README.md): read, lint, write.
// calib/ writes exactly what this reads.
#include <optional>
#include <string>
#include <vector>

#include "moesim/io/json_reader.h"
#include "moesim/io/model_io.h"
#include "moesim/model/diagnostic.h"
#include "moesim/model/hardware.h"

namespace moesim::io {

inline constexpr int kHardwareSchemaVersion = 1;

// Every problem is reported (lint), not only the first.
std::optional<Hardware> read_hardware_profile(const Json& doc, Diagnostics& out);
Json write_hardware_profile(const Hardware& hw, const std::string& notes = "");

// The datasheet profiles shipped in hwprofiles/, embedded at build time.
const std::vector<PresetInfo>& shipped_hardware_profiles();

// `spec` is a shipped profile's name or a path to a profile file. Diagnostics carry the
// file (or profile) name in their path.
std::optional<Hardware> load_hardware(const std::string& spec, Diagnostics& out);

}  // namespace moesim::io
