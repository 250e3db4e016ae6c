#include "moesim/io/csv.h"

namespace moesim::io {

std::optional<CsvTable> parse_csv(const std::string& text, const std::string& path, Diagnostics& out) {
  const std::size_t before = out.size();
  CsvTable t;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  std::size_t line = 1, record_line = 1;
  auto end_record = [&] {
    record.push_back(field);
    field.clear();
    if (!(record.size() == 1 && record[0].empty())) {
      if (t.header.empty()) {
        t.header = record;
      } else {
        if (record.size() != t.header.size()) {
          out.push_back({path + ":" + std::to_string(record_line), "bad_row",
                         "line " + std::to_string(record_line) + " has " + std::to_string(record.size()) + " columns, the header " +
                             std::to_string(t.header.size())});
        }
        t.rows.push_back(record);
        t.line.push_back(record_line);
      }
    }
    record.clear();
    record_line = line;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
      field_started = false;
    } else if (c == '\n') {
      ++line;
      end_record();
      field_started = false;
    } else if (c != '\r') {
      field += c;
      field_started = true;
    }
  }
  if (quoted) out.push_back({path + ":" + std::to_string(record_line), "bad_row", "unterminated quoted field from line " + std::to_string(record_line)});
  if (!field.empty() || !record.empty()) end_record();
  if (t.header.empty()) out.push_back({path, "empty", "no header line"});
  if (out.size() != before) return std::nullopt;
  return t;
}

}  // namespace moesim::io
