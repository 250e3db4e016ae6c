#include "moesim/io/json_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace moesim::io {
namespace {

// Line and column (1-based) of a byte offset.
std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::optional<Json> parse_json(std::string_view text, Diagnostics& out) {
  // nlohmann keeps the last of duplicate keys silently; track the keys of each open object.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  struct TooDeep {};
  const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    // A document nested deeper than any real file is refused while it is read: a value
    // 70,000 levels deep overflowed the stack when it was later printed or destroyed.
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) && depth > kMaxJsonDepth) throw TooDeep{};
    switch (event) {
      case Json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case Json::parse_event_t::object_end: open_objects.pop_back(); break;
      case Json::parse_event_t::key:
        if (!open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default: break;
    }
    return true;
  };
  try {
    Json doc = Json::parse(text.begin(), text.end(), callback);
    if (!duplicate.empty()) {
      out.push_back({"/", "duplicate_key", "key \"" + duplicate + "\" appears twice in one object"});
      return std::nullopt;
    }
    return doc;
  } catch (const TooDeep&) {
    out.push_back({"/", "too_deep", "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"});
    return std::nullopt;
  } catch (const Json::parse_error& e) {
    const auto [line, column] = line_column(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    // Drop the library's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
    const auto colon = what.find(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    out.push_back({"/", "malformed_json",
                   "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what});
    return std::nullopt;
  } catch (const Json::out_of_range& e) {  // a number beyond a double ("1e400"): once exit 1, no path
    std::string what = e.what();
    const auto bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    out.push_back({"/", "out_of_range", what + ": JSON numbers must fit a double (|x| < 1.8e308)"});
    return std::nullopt;
  }
}

std::optional<std::string> read_text_file(const std::string& path, Diagnostics& out) {
  // Opened without blocking, then read blocking: a named pipe with no writer gives an empty
  // read at once instead of a wait without end, while a pipe being written (`<(zcat x)`)
  // is read as it comes.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    if (fd >= 0) ::close(fd);
    out.push_back({"", "unreadable", "cannot open file \"" + path + "\""});
    return std::nullopt;
  }
  // zlib reads plain files as they are and gunzips .gz ones: one reader for every input.
  gzFile f = gzdopen(fd, "rb");
  if (!f) {
    ::close(fd);
    out.push_back({"", "unreadable", "cannot open file \"" + path + "\""});
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) {
    if (text.size() + static_cast<std::size_t>(n) > kMaxInputBytes) {
      gzclose(f);
      out.push_back({"", "too_large", "\"" + path + "\" is larger than 1 GiB (or never ends)"});
      return std::nullopt;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  const bool failed = n < 0;
  gzclose(f);
  if (failed) {
    out.push_back({"", "unreadable", "cannot read or decompress \"" + path + "\""});
    return std::nullopt;
  }
  return text;
}

std::string child_path(const std::string& parent, std::string_view key) {
  std::string escaped;
  for (char ch : key) {
    if (ch == '~') escaped += "~0";
    else if (ch == '/') escaped += "~1";
    else escaped += ch;
  }
  return (parent == "/" ? "" : parent) + "/" + escaped;
}

std::string closest_name(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (std::string_view c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string describe_value(const Json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

ObjectReader::ObjectReader(const Json& object, std::string path, Diagnostics& out)
    : object_(object), path_(std::move(path)), out_(out) {
  if (!object_.is_object())
    out_.push_back({path_, "wrong_type", describe_value(object_) + " must be a JSON object"});
}

bool ObjectReader::has(std::string_view key) const {
  return object_.is_object() && object_.contains(key);
}

void ObjectReader::allow(std::string_view key) { known_.push_back(key); }

void ObjectReader::fail(std::string_view key, std::string code, std::string message) {
  out_.push_back({child_path(path_, key), std::move(code), std::move(message)});
}

const Json* ObjectReader::lookup(std::string_view key, bool required, std::string_view expected) {
  known_.push_back(key);
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) fail(key, "missing", "required field is missing (expected " + std::string(expected) + ")");
    return nullptr;
  }
  return &*it;
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, bool required) {
  const Json* v = lookup(key, required, "an integer");
  if (!v) return std::nullopt;
  if (v->is_number_integer() && !(v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX))
    return v->get<std::int64_t>();
  if (v->is_number_unsigned() || (v->is_number_float() && std::abs(v->get<double>()) >= 9.2e18)) {
    fail(key, "overflow", describe_value(*v) + " is too large for an integer field");
  } else {
    fail(key, "wrong_type", describe_value(*v) + " must be an integer");
  }
  return std::nullopt;
}

std::optional<double> ObjectReader::number(std::string_view key, bool required) {
  const Json* v = lookup(key, required, "a number");
  if (!v) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  fail(key, "wrong_type", describe_value(*v) + " must be a number");
  return std::nullopt;
}

std::optional<bool> ObjectReader::boolean(std::string_view key, bool required) {
  const Json* v = lookup(key, required, "true or false");
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  fail(key, "wrong_type", describe_value(*v) + " must be true or false");
  return std::nullopt;
}

std::optional<std::string> ObjectReader::string(std::string_view key, bool required) {
  const Json* v = lookup(key, required, "a string");
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  fail(key, "wrong_type", describe_value(*v) + " must be a string");
  return std::nullopt;
}

const Json* ObjectReader::value(std::string_view key, bool required) {
  return lookup(key, required, "a value");
}

std::vector<std::string> ObjectReader::finish(bool strict) {
  std::vector<std::string> unknown;
  if (!object_.is_object()) return unknown;
  for (const auto& [key, v] : object_.items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    unknown.push_back(key);
    if (!strict) continue;
    std::string message = "unknown key";
    const std::string hint = closest_name(key, known_);
    if (!hint.empty()) message += " (did you mean \"" + hint + "\"?)";
    fail(key, "unknown_key", message);
  }
  return unknown;
}

}  // namespace moesim::io
