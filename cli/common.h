#pragma once
// What every subcommand shares: exit codes, the --format option, printing diagnostics, and
// running a Boost.Program_options parse so that a bad option is exit code 2, never a crash.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "moesim/model/diagnostic.h"

namespace moesim::cli {

namespace po = boost::program_options;

enum ExitCode : int { kOk = 0, kInternalError = 1, kBadInput = 2 };

enum class OutputFormat { table, json, csv };

// Thrown for bad input found while running a command; main() prints it and exits with 2.
struct BadInput {
  Diagnostics diagnostics;
  bool this_rank_only = false;  // under mpirun: found by this rank alone (the root speaks for errors all ranks find)
};

void print_diagnostics(std::ostream& err, const Diagnostics& diagnostics);
// The library names fields in snake case ("routing_skew"); the CLI prints the option that
// sets each one ("--routing-skew").
void name_options(Diagnostics& diagnostics);
OutputFormat parse_output_format(const std::string& text);  // throws BadInput

// Parses args against `options` (no positionals unless `positional` is given). Prints help
// with `usage` and returns false when --help was asked. Throws BadInput on unknown or
// malformed options.
// `positional` takes the command's words (its option is then left out of --help: the usage
// line names the words).
bool parse_command_line(const std::vector<std::string>& args, const po::options_description& options,
                        const std::string& usage, po::variables_map& vm,
                        const po::positional_options_description* positional = nullptr);

// A progress line on standard error when it is a terminal (nothing otherwise): a bar, the
// share done, what is being done and the time left, redrawn at most 5 times a second.
class ProgressLine {
 public:
  // Shown when enabled and standard error is a terminal, or `always` (an MPI launcher's pipe).
  explicit ProgressLine(bool enabled, bool always = false);
  void update(double done, const std::string& what);  // done in [0, 1]
  void finish();                                      // clears the line
 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};
std::string format_eta(double seconds);  // "01:02:03"; "--:--" when unknown

using Command = std::function<int(const std::vector<std::string>& args)>;
int run_estimate(const std::vector<std::string>& args);
int run_models(const std::vector<std::string>& args);
int run_hw(const std::vector<std::string>& args);
int run_sweep(const std::vector<std::string>& args);
int run_fit(const std::vector<std::string>& args);
int run_laws(const std::vector<std::string>& args);
int run_frontier(const std::vector<std::string>& args);
int run_calibrate(const std::vector<std::string>& args);
int run_validate(const std::vector<std::string>& args);
int run_merge(const std::vector<std::string>& args);

}  // namespace moesim::cli

#include "moesim/model/architecture.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/latency.h"
#include "moesim/model/routing.h"

namespace moesim::cli {

// The value of the enum option `--option`; throws BadInput naming the option and the choices.
template <class Enum>
Enum parse_option(const std::string& option, const std::string& text) {
  if (const auto v = parse_enum<Enum>(text)) return *v;
  throw BadInput{{{"--" + option, "unknown_value", "\"" + text + "\" must be " + enum_choices<Enum>()}}};
}

// Parallelism, offloading and routing options shared by `estimate` and `sweep`.
NumberFormat parse_format_option(const std::string& option, const std::string& text);  // throws BadInput

// --weight-format, --expert-format, --kv-format and --activation-format: storage formats over
// the model's own, as `estimate` and `sweep` take them.
struct FormatOptions {
  std::optional<std::string> weight, expert, kv, activation;
  void add_to(po::options_description& options);
  // The given ones into `p`: every weight, then the routed experts, the KV cache, the
  // activations. Throws BadInput for a name that is no format.
  void apply(Precision& p) const;
};

struct DeploymentOptions {
  Deployment deployment;
  std::string offload = "none", cache_policy = "lru", expert_reads = "busiest", expert_placement = "contiguous", pp_schedule = "1f1b";
  double routing_skew = 0;
  std::string routing_histogram;  // measured per-expert shares, comma-separated
  std::optional<double> routing_locality, max_violation;
  static constexpr const char* kNames[] = {"tp", "ep", "pp", "dp", "microbatches", "virtual-stages", "capacity-factor", "routing-skew",
                                           "routing-histogram", "max-violation", "routing-locality", "offload", "expert-cache", "cache-policy",
                                           "prefetch-accuracy", "expert-reads", "expert-placement"};
  void add_to(po::options_description& options);
  // Reads the strings into `deployment` (routing included) and checks it; throws BadInput.
  void finish();
  // Checks the deployment against the model (the histogram's length); throws BadInput.
  void check_against(const Architecture& arch) const;
};

}  // namespace moesim::cli
