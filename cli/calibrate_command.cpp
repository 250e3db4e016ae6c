// moesim calibrate: measure this machine and write a hardware profile.
// moesim validate: run real MoE layers and compare with the model's prediction.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common.h"
#include "moesim/calib/calibrate.h"
#include "moesim/io/fit_io.h"
#include "moesim/io/hardware_io.h"

namespace moesim::cli {
namespace {

volatile bool g_cancel = false;
void on_interrupt(int) { g_cancel = true; }

// Ctrl-C stops the measurements at the next step; nothing is written.
struct InterruptGuard {
  InterruptGuard() {
    g_cancel = false;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
};

std::function<void(const std::string&, double)> progress_printer() {
  const bool tty = isatty(STDERR_FILENO);
  return [tty](const std::string& step, double done) {
    if (tty) {
      const int filled = static_cast<int>(done * 30);
      std::fprintf(stderr, "\r[%-30s] %3.0f%%  %-60.60s", std::string(static_cast<std::size_t>(filled), '#').c_str(), 100 * done, step.c_str());
      if (done >= 1) std::fprintf(stderr, "\n");
    } else {
      std::fprintf(stderr, "moesim: %3.0f%% %s\n", 100 * done, step.c_str());
    }
  };
}

const char* const kCalibrateUsage = R"(moesim calibrate — measure this machine and write a hardware profile

usage: moesim calibrate [--quick] [--out FILE] [--storage-dir DIR] [--threads N] [--force]

Runs CPU microkernels (fp32 FMA peak, Eigen GEMMs over the shapes MoE layers produce, STREAM
copy/triad bandwidth and cold reads by size, fork/join cost, and with --storage-dir sequential
and random reads bypassing the page cache) and writes a profile of exactly the hwprofiles/
schema, with the raw measurements in FILE.raw.json. --quick takes under a minute. An existing
FILE is never replaced without --force; both files are written atomically at the end, so an
interrupted run (Ctrl-C) leaves nothing behind. CUDA microkernels are not part of this build.

examples:
  moesim calibrate --quick --out my-cpu.json
  moesim calibrate --out my-cpu.json --storage-dir /mnt/nvme --force
  moesim validate --hw my-cpu.json

options)";

const char* const kValidateUsage = R"(moesim validate — real MoE layers on this machine against the model's prediction

usage: moesim validate --hw PROFILE [--quick] [--threads N] [--format table|json|csv] [--csv FILE [--force]]

Runs, on this CPU with Eigen (fp32), an MoE layer forward (router GEMM, top-k, permutation,
SwiGLU expert GEMMs, weighted combine) over a grid of tokens (1..4096), widths, experts, top-k
and uniform or skewed routing, and decode attention steps over a KV cache: 24 configurations
(--quick: 19). Each is predicted from PROFILE with moesim's latency model (the same operators).
Reports every row, the median and 90th-percentile absolute percentage error. Times in seconds.

examples:
  moesim validate --hw calibrated.json
  moesim validate --hw generic-x86-server --format json
  moesim validate --hw calibrated.json --csv validation.csv

options)";

}  // namespace

int run_calibrate(const std::vector<std::string>& args) {
  calib::CalibrationOptions options;
  std::string out_path;
  bool force = false;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("quick", po::bool_switch(&options.quick), "fewer shapes and sizes: under a minute")
      ("out", po::value(&out_path)->default_value("calibrated.json"), "the profile to write (and FILE.raw.json)")
      ("storage-dir", po::value(&options.storage_dir), "measure storage reads on a file in this directory")
      ("threads", po::value(&options.threads)->default_value(0), "threads to measure with (0 = all)")
      ("force", po::bool_switch(&force), "replace an existing FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kCalibrateUsage, vm)) return kOk;
  Diagnostics d;
  std::error_code ec;
  const std::string raw_path = out_path + ".raw.json";
  if (!force && (std::filesystem::exists(out_path, ec) || std::filesystem::exists(raw_path, ec)))
    throw BadInput{{{"--out", "exists", "\"" + out_path + "\" (or its .raw.json) exists; use --force to replace it"}}};
  if (!options.storage_dir.empty() && !std::filesystem::is_directory(options.storage_dir, ec))
    throw BadInput{{{"--storage-dir", "unreadable", "\"" + options.storage_dir + "\" is not a directory"}}};
  if (options.threads < 0 || options.threads > 4096) throw BadInput{{{"--threads", "out_of_range", "must be in [0, 4096]"}}};

  InterruptGuard guard;
  options.cancel = &g_cancel;
  options.progress = progress_printer();
  calib::Calibration c = calib::calibrate(options);
  if (c.cancelled || g_cancel) {
    std::cerr << "moesim calibrate: interrupted; nothing written\n";
    return 130;
  }
  c.profile.provenance.tool_version = MOESIM_VERSION;
  c.profile.provenance.raw_measurements = std::filesystem::path(raw_path).filename().string();
  const io::Json profile = io::write_hardware_profile(c.profile, "Measured by moesim calibrate; efficiencies are fractions of the measured peaks.");
  // What calibrate writes must be what the model reads.
  if (!io::read_hardware_profile(profile, d)) throw std::runtime_error("calibrate produced a profile the reader rejects: " + d[0].path + ": " + d[0].message);
  io::Json raw = c.raw;
  raw["warnings"] = c.warnings;
  if (!io::write_file_atomically(raw_path, raw.dump(2) + "\n", true, d) ||
      !io::write_file_atomically(out_path, profile.dump(2) + "\n", true, d))
    throw BadInput{d};
  for (const auto& w : c.warnings) std::cerr << "moesim calibrate: warning: " << w << "\n";
  const Hardware& hw = c.profile;
  std::printf("wrote %s (raw measurements in %s)\n", out_path.c_str(), raw_path.c_str());
  std::printf("  fp32 peak %.1f GFLOP/s, memory %.1f GB/s, large-GEMM efficiency %.2f, operator overhead %.1f us\n",
              hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp32)] / 1e9, hw.memory_bandwidth_bytes_per_s / 1e9,
              hw.gemm_by_tokens.at(1e9), hw.kernel_overhead_s * 1e6);
  if (hw.storage_sequential_read_bytes_per_s > 0)
    std::printf("  storage %.2f GB/s sequential, %.3f GB/s random 4 KiB\n", hw.storage_sequential_read_bytes_per_s / 1e9,
                hw.storage_random_read_bytes_per_s / 1e9);
  return kOk;
}

int run_validate(const std::vector<std::string>& args) {
  calib::ValidationOptions options;
  std::string hw_spec, format, csv_path;
  bool force = false;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("hw", po::value(&hw_spec)->required(), "the profile to predict with: a shipped name or a file")
      ("quick", po::bool_switch(&options.quick), "a smaller grid, shorter measurements")
      ("threads", po::value(&options.threads)->default_value(0), "threads (0 = all)")
      ("format", po::value(&format)->default_value("table"), "table | json | csv")
      ("csv", po::value(&csv_path), "also write the rows as CSV to FILE, for plotting")
      ("force", po::bool_switch(&force), "replace an existing --csv FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kValidateUsage, vm)) return kOk;
  const OutputFormat out = parse_output_format(format);
  Diagnostics d;
  const auto hw = io::load_hardware(hw_spec, d);
  if (!hw) throw BadInput{d};
  std::error_code ec;
  if (!csv_path.empty() && !force && std::filesystem::exists(csv_path, ec))
    throw BadInput{{{"--csv", "exists", "\"" + csv_path + "\" exists; use --force to replace it"}}};
  InterruptGuard guard;
  options.cancel = &g_cancel;
  options.progress = progress_printer();
  const calib::Validation v = calib::validate_against(*hw, options);
  if (g_cancel) {
    std::cerr << "moesim validate: interrupted; nothing written\n";
    return 130;
  }
  std::string csv = "kind,config,measured_s,predicted_s,abs_pct_error,noisy\n";
  io::Json rows = io::Json::array();
  for (const auto& r : v.rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%s,\"%s\",%.9g,%.9g,%.4g,%d\n", r.kind.c_str(), r.config.c_str(), r.measured_s, r.predicted_s,
                  r.abs_pct_error(), r.noisy ? 1 : 0);
    csv += line;
    rows.push_back({{"kind", r.kind}, {"config", r.config}, {"measured_s", r.measured_s}, {"predicted_s", r.predicted_s},
                    {"abs_pct_error", r.abs_pct_error()}, {"noisy", r.noisy}});
  }
  switch (out) {
    case OutputFormat::json:
      std::cout << io::Json{{"hardware", hw->name}, {"median_abs_pct_error", v.median_abs_pct_error},
                            {"p90_abs_pct_error", v.p90_abs_pct_error}, {"rows", rows}}.dump(2) << "\n";
      break;
    case OutputFormat::csv: std::cout << csv; break;
    case OutputFormat::table:
      std::printf("predictions from %s\n%-17s %-44s %12s %12s %8s\n", hw->name.c_str(), "kind", "configuration", "measured", "predicted", "error");
      for (const auto& r : v.rows)
        std::printf("%-17s %-44s %10.3f ms %10.3f ms %7.1f%%%s\n", r.kind.c_str(), r.config.c_str(), r.measured_s * 1e3, r.predicted_s * 1e3,
                    r.abs_pct_error(), r.noisy ? " (noisy)" : "");
      std::printf("%zu configurations: median absolute error %.1f%%, 90th percentile %.1f%%\n", v.rows.size(), v.median_abs_pct_error,
                  v.p90_abs_pct_error);
      break;
  }
  if (!csv_path.empty() && !io::write_file_atomically(csv_path, csv, true, d)) throw BadInput{d};
  return kOk;
}

}  // namespace moesim::cli
