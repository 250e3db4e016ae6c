// moesim calibrate: measure this machine and write a hardware profile.
// moesim validate: run real MoE layers and compare with the model's prediction.
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common.h"
#include "moesim/calib/calibrate.h"
#include "moesim/calib/cpu_kernels.h"
#include "moesim/calib/cuda.h"
#include "moesim/io/files.h"
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

usage: moesim calibrate [--device cpu|cuda[:N]] [--quick] [--out FILE] [--storage-dir DIR] [--threads N] [--force]

--device cpu (the default) runs CPU microkernels (fp32 FMA peak, Eigen GEMMs over the shapes MoE
layers produce, decode attention by query heads per KV head, STREAM copy/triad bandwidth and
cold reads by size, unpacking of int8/int4/bf16 weights, fork/join cost), compiled for the
build machine's vector units (MOESIM_NATIVE_KERNELS): build moesim on the machine it measures.
--device cuda[:N] runs them on GPU N (default 0): FFMA peak, cuBLAS GEMM peaks (bf16, tf32, int8;
fp8 from compute capability 8.9), the bf16 GEMM grid, a copy kernel by size, pinned host
transfers, kernel launch latency, and NCCL all-reduce/all-to-all with two or more GPUs; it
needs a moesim built with CUDA and a visible GPU, and says which is missing. With --storage-dir,
sequential and random reads bypassing the page cache. Writes a profile of exactly the
hwprofiles/ schema, with the raw measurements in FILE.raw.json. --quick takes under a minute.
An existing FILE is never replaced without --force; both files are written atomically at the
end, so an interrupted run (Ctrl-C) leaves nothing behind.

examples:
  moesim calibrate --quick --out my-cpu.json
  moesim calibrate --out my-cpu.json --storage-dir /mnt/nvme --force
  moesim calibrate --device cuda --out my-gpu.json
  moesim validate --hw my-cpu.json

options)";

const char* const kValidateUsage = R"(moesim validate — real MoE layers on this machine against the model's prediction

usage: moesim validate --hw PROFILE [--device cpu|cuda[:N]] [--quick] [--threads N] [--format table|json|csv] [--csv FILE [--force]]

Runs an MoE layer forward (router GEMM, top-k, permutation, SwiGLU expert GEMMs, weighted
combine) over a grid of tokens (1..4096), widths, experts, top-k and uniform or skewed routing,
and decode attention steps over a KV cache: 24 configurations (--quick: 19). --device cpu (the
default) runs them on this CPU with Eigen in fp32; --device cuda[:N] on GPU N in bf16 with
cuBLAS and CUDA kernels, each output checked against a CPU reference. Each configuration is
predicted from PROFILE with moesim's latency model (the same operators, in the same format).
Reports every row, the median and 90th-percentile absolute percentage error. Times in seconds.
On the CPU it also measures the profile's reference GEMM (M=256, 2048 x 2048) before and after
the rows and compares it with the profile's rate for it: a difference beyond 10 % means the
machine is not in the state the profile describes, and the rows carry that in their errors.

examples:
  moesim validate --hw calibrated.json
  moesim validate --hw generic-x86-server --format json
  moesim validate --hw calibrated.json --csv validation.csv
  moesim validate --hw my-gpu.json --device cuda

options)";

// --device: cpu, or a CUDA device by ordinal.
struct Device {
  std::string text;
  bool cuda = false;
  int ordinal = 0;
};

Device parse_device(const std::string& text) {
  if (text == "cpu") return {text, false, 0};
  if (text == "cuda") return {text, true, 0};
  const std::string number = text.rfind("cuda:", 0) == 0 ? text.substr(5) : "";
  if (!number.empty() && number.size() <= 4 && number.find_first_not_of("0123456789") == std::string::npos)
    return {text, true, std::stoi(number)};
  throw BadInput{{{"--device", "unknown_value", "\"" + text + "\" must be cpu, cuda or cuda:N (N = a GPU's number, from 0)"}}};
}

std::string list_devices(const calib::CudaDevices& devices) {
  std::string out;
  for (std::size_t i = 0; i < devices.names.size(); ++i) out += (i ? ", " : "") + std::to_string(i) + ": " + devices.names[i];
  return out;
}

// Throws BadInput naming --device when the asked GPU cannot be used, and why.
void require_cuda_device(const Device& device) {
  const calib::CudaDevices devices = calib::cuda_devices();
  if (!calib::cuda_built()) throw BadInput{{{"--device", "unavailable", device.text + ": " + devices.error}}};
  if (!devices.error.empty()) throw BadInput{{{"--device", "unavailable", device.text + ": no CUDA device visible: " + devices.error}}};
  if (device.ordinal >= static_cast<int>(devices.names.size()))
    throw BadInput{{{"--device", "unavailable",
                     device.text + ": no such CUDA device; " + std::to_string(devices.names.size()) + " visible (" + list_devices(devices) + ")"}}};
}

// The Eigen kernels were compiled for the build machine (MOESIM_NATIVE_KERNELS): on a CPU
// without its vector features they would stop on an illegal instruction.
void require_cpu_kernels() {
  if (const std::string missing = calib::kernel_isa_missing(); !missing.empty())
    throw BadInput{{{"--device", "unavailable",
                     "cpu: this build's kernels were compiled for " + calib::kernel_isa() + ", and this CPU lacks " + missing +
                         ": build moesim on this machine, or configure it with -DMOESIM_NATIVE_KERNELS=OFF"}}};
}

// After a CPU run on a machine that also has a GPU, the line that says so (empty otherwise).
std::string visible_gpu_note(const char* verb) {
  if (!calib::cuda_built()) return "";
  const calib::CudaDevices devices = calib::cuda_devices();
  if (!devices.error.empty() || devices.names.empty()) return "";
  if (devices.names.size() == 1) return "note: a CUDA device is visible (" + devices.names[0] + "); " + verb + " it with --device cuda";
  return "note: " + std::to_string(devices.names.size()) + " CUDA devices are visible (" + list_devices(devices) + "); " + verb +
         " one with --device cuda:N";
}

}  // namespace

int run_calibrate(const std::vector<std::string>& args) {
  calib::CalibrationOptions options;
  std::string out_path, device_text;
  bool force = false;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("device", po::value(&device_text)->default_value("cpu"), "what to measure: cpu | cuda | cuda:N (GPU N)")
      ("quick", po::bool_switch(&options.quick), "fewer shapes and sizes: under a minute")
      ("out", po::value(&out_path)->default_value("calibrated.json"), "the profile to write (and FILE.raw.json)")
      ("storage-dir", po::value(&options.storage_dir), "measure storage reads on a file in this directory")
      ("threads", po::value(&options.threads)->default_value(0), "threads to measure with (0 = all)")
      ("force", po::bool_switch(&force), "replace an existing FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kCalibrateUsage, vm)) return kOk;
  const Device device = parse_device(device_text);
  if (device.cuda) require_cuda_device(device);
  else require_cpu_kernels();
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
  calib::Calibration c = device.cuda ? calib::calibrate_cuda(options, device.ordinal) : calib::calibrate(options);
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
  // Both files or neither: a profile names its raw measurements.
  if (!io::write_file_atomically(raw_path, raw.dump(2) + "\n", true, d)) throw BadInput{d};
  if (!io::write_file_atomically(out_path, profile.dump(2) + "\n", true, d)) {
    std::error_code ec;
    std::filesystem::remove(raw_path, ec);
    throw BadInput{d};
  }
  for (const auto& w : c.warnings) std::cerr << "moesim calibrate: warning: " << w << "\n";
  const Hardware& hw = c.profile;
  std::printf("wrote %s (raw measurements in %s)\n", out_path.c_str(), raw_path.c_str());
  std::printf("  fp32 peak %.1f GFLOP/s, memory %.1f GB/s, large-GEMM efficiency %.2f, kernel overhead %.1f us\n",
              hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp32)] / 1e9, hw.memory_bandwidth_bytes_per_s / 1e9,
              hw.gemm_by_tokens.at(1e9), hw.kernel_overhead_s * 1e6);
  if (!device.cuda) std::printf("  Eigen kernels compiled for: %s\n", calib::kernel_isa().c_str());
  std::string matrix;
  for (ComputeFormat f : {ComputeFormat::tf32, ComputeFormat::bf16, ComputeFormat::fp8, ComputeFormat::int8})
    if (const double peak = hw.peak_flop_per_s[static_cast<std::size_t>(f)]; peak > 0)
      matrix += (matrix.empty() ? "" : ", ") + std::string(to_string(f)) + " " + std::to_string(static_cast<long long>(peak / 1e12 + 0.5)) +
                (f == ComputeFormat::int8 ? " TOP/s" : " TFLOP/s");
  if (!matrix.empty())
    std::printf("  matrix peaks: %s; host link %.1f GB/s\n", matrix.c_str(), hw.host_link.bandwidth_bytes_per_s / 1e9);
  if (hw.storage_sequential_read_bytes_per_s > 0)
    std::printf("  storage %.2f GB/s sequential, %.3f GB/s random 4 KiB\n", hw.storage_sequential_read_bytes_per_s / 1e9,
                hw.storage_random_read_bytes_per_s / 1e9);
  if (!device.cuda)
    if (const std::string note = visible_gpu_note("calibrate"); !note.empty()) std::printf("%s\n", note.c_str());
  return kOk;
}

namespace {

// Once, under the table: what "(noisy)" means, what to do, and the figures without those rows.
void print_noisy_note(const calib::Validation& v) {
  std::printf("(noisy): the spread of the row's repetitions (p90 - p10) exceeded %.0f%% of their median even after re-measuring\n"
              "  with twice the repetitions, so its measured time is uncertain (other load, frequency changes, thread migration).\n"
              "  Rerun on a quiet machine, or pin the threads (taskset, --threads).\n",
              100 * v.noisy_dispersion);
  if (v.quiet_rows == 0) std::printf("  every row was noisy: no figures without them\n");
  else
    std::printf("  without the %zu noisy rows (%zu configurations): median absolute error %.1f%%, 90th percentile %.1f%%\n",
                v.rows.size() - v.quiet_rows, v.quiet_rows, v.quiet_median_abs_pct_error, v.quiet_p90_abs_pct_error);
}

// Below the rows: the profile's reference kernels measured before and after them (CPU), and
// what a difference of more than 10 % means for the errors above.
void print_references(const calib::Validation& v) {
  if (v.references.empty()) return;
  std::printf("this machine against the profile, measured before and after the rows:\n");
  bool drifted = false;
  for (const calib::ReferenceCheck& r : v.references) {
    const double before = 100 * (r.before / r.profile - 1), after = 100 * (r.after / r.profile - 1);
    drifted |= std::abs(before) > 10 || std::abs(after) > 10;
    std::printf("  %-26s profile %7.1f %-7s before %7.1f (%+.1f%%)  after %7.1f (%+.1f%%)\n", r.kernel.c_str(), r.profile, r.unit.c_str(),
                r.before, before, r.after, after);
  }
  if (drifted)
    std::printf("  it ran more than 10%% away from the profile's rate: the rows it bounds carry that difference in their\n"
                "  errors. If the profile was calibrated on this machine, its speed has changed since (other load, clock\n"
                "  frequency): calibrate and validate again, back to back, on a quiet machine.\n");
}

// Prints the validation in `out`; returns the rows as CSV (for --csv).
std::string print_validation(const calib::Validation& v, const std::string& hardware, const std::string& measured_on, OutputFormat out) {
  std::string csv = "kind,config,measured_s,predicted_s,abs_pct_error,noisy\n";
  io::Json rows = io::Json::array(), references = io::Json::array();
  for (const auto& r : v.rows) {
    char line[256];
    std::snprintf(line, sizeof line, "%s,\"%s\",%.9g,%.9g,%.4g,%d\n", r.kind.c_str(), r.config.c_str(), r.measured_s, r.predicted_s,
                  r.abs_pct_error(), r.noisy ? 1 : 0);
    csv += line;
    rows.push_back({{"kind", r.kind}, {"config", r.config}, {"measured_s", r.measured_s}, {"predicted_s", r.predicted_s},
                    {"abs_pct_error", r.abs_pct_error()}, {"noisy", r.noisy}});
  }
  for (const auto& r : v.references)
    references.push_back({{"kernel", r.kernel}, {"unit", r.unit}, {"profile", r.profile}, {"before", r.before}, {"after", r.after}});
  switch (out) {
    case OutputFormat::json:
      std::cout << io::Json{{"hardware", hardware},
                            {"device", measured_on},
                            {"median_abs_pct_error", v.median_abs_pct_error},
                            {"p90_abs_pct_error", v.p90_abs_pct_error},
                            {"noisy_dispersion", v.noisy_dispersion},
                            {"quiet_rows", v.quiet_rows},
                            {"quiet_median_abs_pct_error", v.quiet_rows ? io::Json(v.quiet_median_abs_pct_error) : io::Json()},
                            {"quiet_p90_abs_pct_error", v.quiet_rows ? io::Json(v.quiet_p90_abs_pct_error) : io::Json()},
                            {"reference_kernels", references},
                            {"rows", rows}}
                       .dump(2)
                << "\n";
      break;
    case OutputFormat::csv: std::cout << csv; break;
    case OutputFormat::table:
      std::printf("predictions from %s, measured on %s\n%-17s %-44s %12s %12s %8s\n", hardware.c_str(), measured_on.c_str(), "kind",
                  "configuration", "measured", "predicted", "error");
      for (const auto& r : v.rows)
        std::printf("%-17s %-44s %10.3f ms %10.3f ms %7.1f%%%s\n", r.kind.c_str(), r.config.c_str(), r.measured_s * 1e3, r.predicted_s * 1e3,
                    r.abs_pct_error(), r.noisy ? " (noisy)" : "");
      std::printf("%zu configurations: median absolute error %.1f%%, 90th percentile %.1f%%\n", v.rows.size(), v.median_abs_pct_error,
                  v.p90_abs_pct_error);
      if (v.quiet_rows < v.rows.size()) print_noisy_note(v);
      print_references(v);
      break;
  }
  return csv;
}

}  // namespace

int run_validate(const std::vector<std::string>& args) {
  calib::ValidationOptions options;
  std::string hw_spec, format, csv_path, device_text;
  bool force = false;
  po::options_description desc;
  desc.add_options()
      ("help,h", "show this help")
      ("hw", po::value(&hw_spec)->required(), "the profile to predict with: a shipped name or a file")
      ("device", po::value(&device_text)->default_value("cpu"), "where to run the layers: cpu | cuda | cuda:N (GPU N)")
      ("quick", po::bool_switch(&options.quick), "a smaller grid, shorter measurements")
      ("threads", po::value(&options.threads)->default_value(0), "threads (0 = all)")
      ("format", po::value(&format)->default_value("table"), "table | json | csv")
      ("csv", po::value(&csv_path), "also write the rows as CSV to FILE, for plotting")
      ("force", po::bool_switch(&force), "replace an existing --csv FILE");
  po::variables_map vm;
  if (!parse_command_line(args, desc, kValidateUsage, vm)) return kOk;
  const OutputFormat out = parse_output_format(format);
  const Device device = parse_device(device_text);
  if (device.cuda) require_cuda_device(device);
  else require_cpu_kernels();
  Diagnostics d;
  const auto hw = io::load_hardware(hw_spec, d);
  if (!hw) throw BadInput{d};
  std::error_code ec;
  if (!csv_path.empty() && !force && std::filesystem::exists(csv_path, ec))
    throw BadInput{{{"--csv", "exists", "\"" + csv_path + "\" exists; use --force to replace it"}}};
  InterruptGuard guard;
  options.cancel = &g_cancel;
  options.progress = progress_printer();
  const calib::Validation v = device.cuda ? calib::validate_against_cuda(*hw, options, device.ordinal) : calib::validate_against(*hw, options);
  const std::string measured_on = device.cuda ? device.text + " (" + calib::cuda_devices().names[static_cast<std::size_t>(device.ordinal)] +
                                                    ", cuBLAS, bf16)"
                                              : "cpu (Eigen, fp32, " + calib::kernel_isa() + ")";
  if (g_cancel) {
    std::cerr << "moesim validate: interrupted; nothing written\n";
    return 130;
  }
  const std::string csv = print_validation(v, hw->name, measured_on, out);
  if (!csv_path.empty() && !io::write_file_atomically(csv_path, csv, true, d)) throw BadInput{d};
  if (!device.cuda)
    if (const std::string note = visible_gpu_note("validate on"); !note.empty()) std::cerr << "moesim validate: " << note << "\n";
  return kOk;
}

}  // namespace moesim::cli
