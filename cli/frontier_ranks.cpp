#include "frontier_ranks.h"

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace moesim::cli {
namespace {

using fit::ConstrainedOptimum;
using fit::Design;
static_assert(std::is_trivially_copyable_v<Design>, "a Design crosses ranks as its bytes (one binary on every rank)");

class Writer {
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
  template <class T>
  void operator()(const std::vector<T>& v) {
    (*this)(static_cast<std::uint64_t>(v.size()));
    for (const T& x : v) (*this)(x);
  }
  std::string bytes;
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
  template <class T>
  void operator()(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes_.size() - at_ < sizeof v) throw std::runtime_error("MPI: a rank's optima are cut short");
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
  }
  // The optimizer's reasons and bound names are literals: the copies live as long as the process.
  void operator()(std::string_view& s) {
    static std::set<std::string, std::less<>> interned;
    std::uint64_t n = 0;
    (*this)(n);
    if (bytes_.size() - at_ < n) throw std::runtime_error("MPI: a rank's optima are cut short");
    s = *interned.insert(bytes_.substr(at_, n)).first;
    at_ += n;
  }
  template <class T>
  void operator()(std::vector<T>& v) {
    std::uint64_t n = 0;
    (*this)(n);
    v.resize(n);
    for (T& x : v) (*this)(x);
  }

 private:
  const std::string& bytes_;
  std::size_t at_ = 0;
};

// The fields of an optimum, one list for both directions.
template <class Io, class Row>
void transfer(Io& io, Row& r) {
  io(r.budget);
  io(r.feasible);
  io(r.reason);
  io(r.best);
  io(r.binding);
  io(r.at_bound);
  io(r.unconstrained);
  io(r.unconstrained_feasible);
  io(r.alternatives);
}

std::string encode(const std::vector<ConstrainedOptimum>& rows) {
  Writer w;
  for (const ConstrainedOptimum& r : rows) transfer(w, r);
  return w.bytes;
}

std::vector<ConstrainedOptimum> decode(const std::string& bytes) {
  Reader in(bytes);
  std::vector<ConstrainedOptimum> rows;
  while (!in.done()) transfer(in, rows.emplace_back());
  return rows;
}

}  // namespace

std::vector<ConstrainedOptimum> solve_on_ranks(const fit::FrontierStudy& study, World& world) {
  const std::size_t n = static_cast<std::size_t>(world.size()), rank = static_cast<std::size_t>(world.rank());
  fit::OptimizeOptions mine = study.options;
  mine.budgets.clear();
  for (std::size_t i = rank; i < study.options.budgets.size(); i += n) mine.budgets.push_back(study.options.budgets[i]);
  const std::vector<std::string> all = world.gather(encode(fit::optimize(*study.law.law, study.law.params, mine)));
  std::vector<std::vector<ConstrainedOptimum>> by_rank;
  for (const std::string& bytes : all) by_rank.push_back(decode(bytes));
  std::vector<ConstrainedOptimum> rows;
  for (std::size_t i = 0; world.root() && i < study.options.budgets.size(); ++i) rows.push_back(std::move(by_rank[i % n][i / n]));
  return rows;
}

}  // namespace moesim::cli
