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
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put(std::string_view s) {
    put(static_cast<std::uint64_t>(s.size()));
    bytes += s;
  }
  template <class T>
  void put(const std::vector<T>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    for (const T& x : v) put(x);
  }
  std::string bytes;
};

class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
  template <class T>
  void get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes_.size() - at_ < sizeof v) throw std::runtime_error("MPI: a rank's optima are cut short");
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
  }
  // The optimizer's reasons and bound names are literals: the copies live as long as the process.
  void get(std::string_view& s) {
    static std::set<std::string, std::less<>> interned;
    std::uint64_t n = 0;
    get(n);
    if (bytes_.size() - at_ < n) throw std::runtime_error("MPI: a rank's optima are cut short");
    s = *interned.insert(bytes_.substr(at_, n)).first;
    at_ += n;
  }
  template <class T>
  void get(std::vector<T>& v) {
    std::uint64_t n = 0;
    get(n);
    v.resize(n);
    for (T& x : v) get(x);
  }

 private:
  const std::string& bytes_;
  std::size_t at_ = 0;
};

std::string encode(const std::vector<ConstrainedOptimum>& rows) {
  Writer w;
  for (const ConstrainedOptimum& r : rows) {
    w.put(r.budget);
    w.put(r.feasible);
    w.put(r.reason);
    w.put(r.best);
    w.put(r.binding);
    w.put(r.at_bound);
    w.put(r.unconstrained);
    w.put(r.unconstrained_feasible);
    w.put(r.alternatives);
  }
  return w.bytes;
}

std::vector<ConstrainedOptimum> decode(const std::string& bytes) {
  Reader in(bytes);
  std::vector<ConstrainedOptimum> rows;
  while (!in.done()) {
    ConstrainedOptimum& r = rows.emplace_back();
    in.get(r.budget);
    in.get(r.feasible);
    in.get(r.reason);
    in.get(r.best);
    in.get(r.binding);
    in.get(r.at_bound);
    in.get(r.unconstrained);
    in.get(r.unconstrained_feasible);
    in.get(r.alternatives);
  }
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
