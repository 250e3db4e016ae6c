#pragma once
// Reading JSON documents with diagnostics: line and column for syntax errors, duplicate keys,
// typed fields addressed by JSON pointer, and unknown keys (with "did you mean").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "moesim/model/diagnostic.h"

namespace moesim::io {

using Json = nlohmann::json;

// Parses `text`; on a syntax error or a duplicate key, appends a diagnostic (path "/", with
// line and column) and returns nullopt; so does nesting deeper than kMaxJsonDepth ("too_deep").
inline constexpr int kMaxJsonDepth = 256;
std::optional<Json> parse_json(std::string_view text, Diagnostics& out);

// Reads a whole file, gunzipped when compressed; appends a diagnostic (code "unreadable" or
// "too_large") and returns nullopt on failure; at most kMaxInputBytes (a device that never
// ends, such as /dev/zero, is refused, not read forever). Diagnostics have an empty path.
inline constexpr std::size_t kMaxInputBytes = std::size_t{1} << 30;
std::optional<std::string> read_text_file(const std::string& path, Diagnostics& out);

// "/a/b" + "c" -> "/a/b/c" (RFC 6901 escaping of '~' and '/').
std::string child_path(const std::string& parent, std::string_view key);

// Closest candidate within edit distance 2, or empty.
std::string closest_name(std::string_view word, const std::vector<std::string_view>& candidates);

// Typed access to the fields of one JSON object. Every getter marks its key as known; finish()
// reports the keys no getter asked for. Type and range errors are diagnostics, never throws.
class ObjectReader {
 public:
  ObjectReader(const Json& object, std::string path, Diagnostics& out);

  bool has(std::string_view key) const;
  std::optional<std::int64_t> integer(std::string_view key, bool required);
  std::optional<double> number(std::string_view key, bool required);
  std::optional<bool> boolean(std::string_view key, bool required);
  std::optional<std::string> string(std::string_view key, bool required);
  // Any JSON value (object, array, string, ...), for fields with several accepted shapes.
  const Json* value(std::string_view key, bool required);
  // Marks keys as known without reading them (e.g. comments).
  void allow(std::string_view key);

  // Unknown keys are errors in the project's own formats (strict); importers of foreign
  // formats pass strict = false and get the list back.
  std::vector<std::string> finish(bool strict = true);

  const std::string& path() const { return path_; }
  Diagnostics& diagnostics() { return out_; }
  void fail(std::string_view key, std::string code, std::string message);

 private:
  const Json* lookup(std::string_view key, bool required, std::string_view expected);
  const Json& object_;
  std::string path_;
  Diagnostics& out_;
  std::vector<std::string_view> known_;
};

// The JSON value as it appears in a message: 9, "abc", [...].
std::string describe_value(const Json& v);

}  // namespace moesim::io
