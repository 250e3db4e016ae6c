#pragma once
// The ranks of `mpirun -np N moesim sweep|frontier`. Built with MPI (MOESIM_WITH_MPI) and
// started by an MPI launcher, a world of N processes; otherwise a world of one, in which every
// collective returns its own argument, so each command has one code path. A binary built with
// MPI runs as one process without a launcher (MPI is not even initialised then).
#include <cstdint>
#include <string>
#include <vector>

namespace moesim::cli {

class World {
 public:
  // This process' world: joined on first use (MPI_Init), left at exit (MPI_Finalize).
  static World& get();
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  // False on every rank but the root of a joined world: errors that every rank finds alike
  // are printed once. Does not join.
  static bool speaks_for_all();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  bool all(bool ok);                  // true on every rank when `ok` is true on every rank
  std::uint64_t sum(std::uint64_t v);  // over the ranks
  // At the root, every rank's bytes by rank; elsewhere empty.
  std::vector<std::string> gather(const std::string& bytes);

  // Progress of the ranks' loops, for the root's one progress bar: the others send their rows
  // done (`last` once, at their end); the root takes the messages that arrived, or waits for
  // one. rows[r] and finished[r] per rank; false when nothing came.
  void send_progress(std::uint64_t rows, bool last);
  bool take_progress(std::vector<std::uint64_t>& rows, std::vector<bool>& finished, bool wait);

 private:
  World();
  int rank_ = 0, size_ = 1;
  [[maybe_unused]] bool mpi_ = false;  // MPI initialised (a build with MPI, under a launcher)
};

}  // namespace moesim::cli
