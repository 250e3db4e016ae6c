#pragma once
// What ranks send each other (a Pareto front, the frontier's optima) as bytes: one binary on
// every rank, so a trivially copyable value travels as it lies in memory; texts and vectors
// carry their length first. A type lists its fields once, in a function template that takes
// either a ByteWriter or a ByteReader (`io(field)` for each).
#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace moesim::cli {

class ByteWriter {
 public:
  template <class T>
  void operator()(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void operator()(std::string_view s) {
    (*this)(static_cast<std::uint64_t>(s.size()));
    bytes += s;
  }
  void operator()(const std::string& s) { (*this)(std::string_view(s)); }
  template <class T>
  void operator()(const std::vector<T>& v) {
    (*this)(static_cast<std::uint64_t>(v.size()));
    for (const T& x : v) (*this)(x);
  }
  std::string bytes;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
  template <class T>
  void operator()(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(&v, take(sizeof v), sizeof v);
  }
  void operator()(std::string& s) {
    std::uint64_t n = 0;
    (*this)(n);
    s.assign(take(n), n);
  }
  // A view the sender took of a literal (a reason, a bound's name): the copy it now views lives
  // as long as the process.
  void operator()(std::string_view& s) {
    static std::set<std::string, std::less<>> interned;
    std::string text;
    (*this)(text);
    s = *interned.insert(std::move(text)).first;
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    std::uint64_t n = 0;
    (*this)(n);
    v.resize(n);
    for (T& x : v) (*this)(x);
  }

 private:
  const char* take(std::uint64_t n) {
    if (bytes_.size() - at_ < n) throw std::runtime_error("MPI: a rank's message is cut short");
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  const std::string& bytes_;
  std::size_t at_ = 0;
};

}  // namespace moesim::cli
