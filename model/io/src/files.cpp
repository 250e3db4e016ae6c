#include "moesim/io/files.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "moesim/io/report.h"

namespace moesim::io {

bool write_file_atomically(const std::string& path, const std::string& text, bool force, Diagnostics& out) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    out.push_back({path, "exists", "\"" + path + "\" exists; use --force to replace it"});
    return false;
  }
  // A unique temporary beside the target (a user's own FILE.tmp is never touched), renamed
  // over it: readers see the old file or the new one, never a part.
  std::string temporary = path + ".XXXXXX";
  const int fd = mkstemp(temporary.data());
  if (fd < 0) {
    out.push_back({path, "unwritable", "cannot create a file beside \"" + path + "\""});
    return false;
  }
  const char* data = text.data();
  std::size_t left = text.size();
  bool ok = true;
  while (left > 0 && ok) {
    const ssize_t n = ::write(fd, data, left);
    ok = n > 0;
    if (ok) data += n, left -= static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::filesystem::remove(temporary, ec);
    out.push_back({path, "unwritable", "cannot write \"" + path + "\" (disk full?)"});
    return false;
  }
  std::filesystem::permissions(temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                              std::filesystem::perms::group_read | std::filesystem::perms::others_read, ec);
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    out.push_back({path, "unwritable", "cannot rename to \"" + path + "\""});
    return false;
  }
  return true;
}

std::optional<double> finite_number(std::string_view item) {
  double v = 0;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
  if (ec == std::errc() && end == item.data() + item.size() && std::isfinite(v)) return v;
  return std::nullopt;
}

namespace {

std::optional<double> positive_number(const std::string& item) {
  const auto v = finite_number(item);
  return v && *v > 0 ? v : std::nullopt;
}

}  // namespace

std::optional<std::vector<double>> parse_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                     Diagnostics& out) {
  std::vector<double> values;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto v = positive_number(item);
    if (!v) {
      out.push_back({path, "wrong_type", "\"" + item + "\" is not a positive number of " + what});
      return std::nullopt;
    }
    values.push_back(*v);
  }
  if (values.empty()) {
    out.push_back({path, "missing", "no " + what});
    return std::nullopt;
  }
  return values;
}

std::optional<std::vector<std::int64_t>> parse_whole_number_list(const std::string& text, const std::string& path, const std::string& what,
                                                                 Diagnostics& out) {
  const auto values = parse_number_list(text, path, what, out);
  if (!values) return std::nullopt;
  std::vector<std::int64_t> whole;
  for (double v : *values) {
    if (v != std::floor(v) || v > 1e9) {
      out.push_back({path, "wrong_type", shortest_number(v) + " is not a whole number of " + what});
      return std::nullopt;
    }
    whole.push_back(static_cast<std::int64_t>(v));
  }
  return whole;
}

std::optional<std::vector<double>> parse_share_list(const std::string& text, const std::string& path, Diagnostics& out) {
  std::vector<double> shares;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto v = finite_number(item);
    if (!v || !(*v >= 0)) {
      out.push_back({path, "wrong_type", "\"" + item + "\" is not a non-negative share"});
      return std::nullopt;
    }
    shares.push_back(*v);
  }
  return shares;
}

std::optional<std::vector<double>> parse_budgets(const std::string& text, const std::string& path, Diagnostics& out) {
  const auto first = text.find(':');
  if (first == std::string::npos) return parse_number_list(text, path, "FLOPs", out);
  const auto second = text.find(':', first + 1);
  if (second == std::string::npos) {
    out.push_back({path, "bad_option", "\"" + text + "\" must be LO:HI:COUNT"});
    return std::nullopt;
  }
  const std::string parts[3] = {text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)};
  double v[3];
  for (int i = 0; i < 3; ++i) {
    const auto x = positive_number(parts[i]);
    if (!x) {
      out.push_back({path, "wrong_type", "\"" + parts[i] + "\" is not a positive number of FLOPs"});
      return std::nullopt;
    }
    v[i] = *x;
  }
  const double lo = v[0], hi = v[1], count = v[2];
  if (hi < lo || count < 1 || count > 10000 || count != std::floor(count)) {
    out.push_back({path, "out_of_range", "\"" + text + "\" needs LO <= HI and COUNT in 1..10000"});
    return std::nullopt;
  }
  std::vector<double> budgets;
  // Log-spaced; in logs where HI / LO overflows a double (1e-300:1e30 gave infinite budgets).
  const bool ratio_finite = std::isfinite(hi / lo);
  for (int i = 0; i < static_cast<int>(count); ++i) {
    const double t = count == 1 ? 0 : i / (count - 1);
    budgets.push_back(ratio_finite ? lo * std::pow(hi / lo, t) : std::exp(std::log(lo) + t * (std::log(hi) - std::log(lo))));
  }
  return budgets;
}

}  // namespace moesim::io
