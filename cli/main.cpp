// moesim: a thin dispatcher over one source file per subcommand.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>

#include "common.h"
#include "mpi_world.h"

namespace {

const char* const kUsage = R"(moesim — analytical cost simulator for Mixture-of-Experts models

usage: moesim <command> [options]      (moesim <command> --help for its options)
       moesim --version

commands:
  estimate   parameters, FLOPs and memory of a model under a workload
  models     list the built-in presets, or show how a model file is read
  hw         list, show or lint hardware profiles
  sweep      a Cartesian product of configurations, streamed as CSV or JSON lines
  merge      join the parts of a sharded sweep (sweep --shard I/N) into one file
  fit        fit a loss law (Chinchilla, Abnar et al. 2025, ...) to training runs
  laws       the built-in loss laws with their published coefficients
  frontier   the optimal sparsity, size and data per compute budget (Abnar et al. 2025)
  calibrate  measure this machine and write a hardware profile
  validate   real MoE layers on this machine against the model's prediction

examples:
  moesim frontier --hw h100-sxm                    # the optimal-sparsity study on built-in defaults
  moesim estimate                                  # Mixtral-8x7B, decode, batch 1, 4096 context
  moesim estimate --model deepseek-v3 --phase train --batch 8 --context 4096 --tokens 14.8e12
  moesim estimate --model path/to/config.json --format json
  moesim models show qwen3-30b-a3b
)";

// Measuring commands run with OpenMP threads that spin between parallel regions (as HPC
// runtimes do): a sleeping pool adds scheduler wake-ups of milliseconds to every operator and
// makes timings of small layers meaningless. libgomp reads the policy at start-up, so the
// process re-executes itself once with it set (unless the user chose a policy).
void use_active_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  ::setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
  ::execv("/proc/self/exe", argv);  // returns only on failure: go on with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  using namespace moesim::cli;
  if (argc > 1 && (std::string(argv[1]) == "calibrate" || std::string(argv[1]) == "validate")) use_active_openmp_wait(argv);
  const std::map<std::string, Command> commands{
      {"estimate", run_estimate}, {"models", run_models}, {"hw", run_hw}, {"sweep", run_sweep},
      {"fit", run_fit},           {"laws", run_laws},         {"frontier", run_frontier},
      {"calibrate", run_calibrate}, {"validate", run_validate}, {"merge", run_merge}};
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
      return args.empty() ? kBadInput : kOk;
    }
    if (args[0] == "--version") {
      std::cout << "moesim " << MOESIM_VERSION << "\n";
      return kOk;
    }
    const auto command = commands.find(args[0]);
    if (command == commands.end()) {
      std::cerr << "moesim: error: unknown command \"" << args[0] << "\" (see moesim --help for the commands)\n";
      return kBadInput;
    }
    const int code = command->second(std::vector<std::string>(args.begin() + 1, args.end()));
    // Output that never arrived is no success (`> /dev/full` once exited 0).
    std::cout.flush();
    if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
      std::cerr << "moesim: error: cannot write to standard output (disk full, or the reader went away)\n";
      return code == kOk ? kBadInput : code;
    }
    return code;
  } catch (const BadInput& bad) {
    if (bad.this_rank_only || World::speaks_for_all()) print_diagnostics(std::cerr, bad.diagnostics);
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "moesim: internal error: " << e.what() << "\n";
    return kInternalError;
  }
}
