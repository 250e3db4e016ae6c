#include <filesystem>

#include "moesim/io/model_io.h"

namespace moesim::io {

std::optional<LoadedModel> read_model_document(std::string_view text, const std::string& origin, Diagnostics& out) {
  const auto doc = parse_json(text, out);
  if (!doc) return std::nullopt;
  if (!doc->is_object()) {
    out.push_back({"/", "wrong_type", "the document must be a JSON object"});
    return std::nullopt;
  }
  if (doc->contains("model_type") && !doc->contains("schema_version")) {
    auto loaded = import_hf_config(*doc, out);
    if (loaded) loaded->origin = origin;
    return loaded;
  }
  if (!doc->contains("schema_version")) {
    out.push_back({"/", "unknown_format",
                   "neither a moesim model (no \"schema_version\") nor a Hugging Face config.json (no \"model_type\")"});
    return std::nullopt;
  }
  LoadedModel loaded;
  auto arch = read_native_model(*doc, out, &loaded.source);
  if (!arch) return std::nullopt;
  loaded.arch = std::move(*arch);
  loaded.origin = origin;
  loaded.format = "native";
  return loaded;
}

std::optional<LoadedModel> load_model(const std::string& spec, Diagnostics& out) {
  for (const PresetInfo& p : presets()) {
    if (p.name != spec) continue;
    const std::size_t before = out.size();
    auto loaded = read_model_document(p.text, "preset " + spec, out);
    for (std::size_t i = before; i < out.size(); ++i) out[i].path = "preset " + spec + ":" + out[i].path;
    return loaded;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec, ec)) {
    std::string names;
    for (const PresetInfo& p : presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    out.push_back({"--model", "unknown_model", "\"" + spec + "\" is neither a preset (" + names + ") nor a readable file"});
    return std::nullopt;
  }
  const std::size_t before = out.size();
  std::optional<LoadedModel> loaded;
  if (const auto text = read_text_file(spec, out)) loaded = read_model_document(*text, "file " + spec, out);
  for (std::size_t i = before; i < out.size(); ++i) out[i].path = spec + ":" + out[i].path;
  return loaded;
}

}  // namespace moesim::io
