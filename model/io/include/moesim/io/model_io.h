#pragma once
// Architectures in and out: the native JSON format (docs/formats.md), Hugging Face
// config.json import, and the built-in presets of data/models/.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moesim/io/json_reader.h"
#include "moesim/model/architecture.h"
#include "moesim/model/diagnostic.h"

namespace moesim::io {

inline constexpr int kModelSchemaVersion = 1;

// A model as loaded, with what the reader understood, for the user to check.
struct LoadedModel {
  Architecture arch;
  std::string origin;  // "preset mixtral-8x7b", "file path/config.json"
  std::string format;  // "native" or "huggingface:<model_type>"
  std::string source;  // the native file's citation, or empty
  std::vector<std::string> notes;          // how foreign fields were interpreted
  std::vector<std::string> ignored_keys;   // foreign keys that change no count (Hugging Face)
};

// The native format. Unknown keys are errors; every rule of validate() is checked too.
std::optional<Architecture> read_native_model(const Json& doc, Diagnostics& out, std::string* source = nullptr);
Json write_native_model(const Architecture& arch, const std::string& source = "");

// Hugging Face config.json of the families in supported_hf_families().
std::optional<LoadedModel> import_hf_config(const Json& doc, Diagnostics& out);
const std::vector<std::string_view>& supported_hf_families();

// Either format, told apart by "schema_version" (native) or "model_type" (Hugging Face).
std::optional<LoadedModel> read_model_document(std::string_view text, const std::string& origin, Diagnostics& out);

struct PresetInfo {
  std::string_view name;
  std::string_view text;  // the native JSON, embedded at build time from data/models/
};
const std::vector<PresetInfo>& presets();

// `spec` is a preset name, or a path to a native or Hugging Face JSON file.
// Diagnostics from a file carry the file name in their path ("file.json:/moe/top_k").
std::optional<LoadedModel> load_model(const std::string& spec, Diagnostics& out);

}  // namespace moesim::io
