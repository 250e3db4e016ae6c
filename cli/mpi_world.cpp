// World over MPI where it is built in and launched, a world of one elsewhere.
#include "mpi_world.h"

#include "common.h"

#include <cstdlib>
#include <stdexcept>

#ifdef MOESIM_WITH_MPI
#include <mpi.h>
#endif

namespace moesim::cli {
namespace {

// The variables an MPI launcher sets for its processes (Open MPI's mpirun, PMI and PMIx
// launchers such as Slurm's srun and MPICH's hydra).
int launched_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return std::getenv("PMIX_RANK") ? 2 : 0;  // PMIx without a size: a launcher all the same
}

#ifdef MOESIM_WITH_MPI
constexpr int kProgressTag = 1, kLastTag = 2;
void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}
#endif

int joined_rank = 0;  // this process' rank once a world is joined

}  // namespace

bool World::speaks_for_all() { return joined_rank == 0; }

World& World::get() {
  static World world;
  return world;
}

#ifdef MOESIM_WITH_MPI
World::World() {
  if (launched_size() == 0) return;
  check(MPI_Init(nullptr, nullptr), "MPI_Init");
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  joined_rank = rank_;
}

World::~World() {
  if (mpi_) MPI_Finalize();
}

bool World::all(bool ok) {
  if (!mpi_) return ok;
  int mine = ok ? 1 : 0, every = 0;
  check(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD), "MPI_Allreduce");
  return every != 0;
}

std::uint64_t World::sum(std::uint64_t v) {
  if (!mpi_) return v;
  std::uint64_t total = 0;
  check(MPI_Allreduce(&v, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  return total;
}

std::vector<std::string> World::gather(const std::string& bytes) {
  if (!mpi_) return {bytes};
  const int mine = static_cast<int>(bytes.size());
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw std::runtime_error("MPI: a gathered message over 2 GB");
  std::vector<int> sizes(root() ? size_ : 0), offsets(root() ? size_ : 0);
  check(MPI_Gather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::string all;
  if (root()) {
    std::size_t total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
      total += static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]);
    }
    if (total > static_cast<std::size_t>(INT32_MAX)) throw std::runtime_error("MPI: gathered messages over 2 GB");
    all.resize(total);
  }
  check(MPI_Gatherv(bytes.data(), mine, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Gatherv");
  std::vector<std::string> out;
  for (int r = 0; root() && r < size_; ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]), static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)])));
  return out;
}

void World::send_progress(std::uint64_t rows, bool last) {
  if (!mpi_ || root()) return;
  // Small messages go eagerly: the sender does not wait for the root to be listening.
  check(MPI_Send(&rows, 1, MPI_UINT64_T, 0, last ? kLastTag : kProgressTag, MPI_COMM_WORLD), "MPI_Send");
}

bool World::take_progress(std::vector<std::uint64_t>& rows, std::vector<bool>& finished, bool wait) {
  if (!mpi_ || !root()) return false;
  bool any = false;
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    if (wait && !any) {
      check(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status), "MPI_Probe");
      arrived = 1;
    } else {
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status), "MPI_Iprobe");
    }
    if (!arrived) return any;
    std::uint64_t v = 0;
    check(MPI_Recv(&v, 1, MPI_UINT64_T, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    rows[static_cast<std::size_t>(status.MPI_SOURCE)] = v;
    if (status.MPI_TAG == kLastTag) finished[static_cast<std::size_t>(status.MPI_SOURCE)] = true;
    any = true;
  }
}

#else  // a world of one

World::World() {
  // Started by mpirun all the same: N copies would each write the whole sweep into one file.
  if (launched_size() > 1)
    throw BadInput{{{"mpirun", "no_mpi", "this moesim was built without MPI (MOESIM_WITH_MPI=OFF, or no MPI found): run it without mpirun, or use --shard I/N"}}};
}
World::~World() = default;
bool World::all(bool ok) { return ok; }
std::uint64_t World::sum(std::uint64_t v) { return v; }
std::vector<std::string> World::gather(const std::string& bytes) { return {bytes}; }
void World::send_progress(std::uint64_t, bool) {}
bool World::take_progress(std::vector<std::uint64_t>&, std::vector<bool>&, bool) { return false; }

#endif

}  // namespace moesim::cli
