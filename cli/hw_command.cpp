// moesim hw: the shipped hardware profiles, one shown, or a profile file linted.
#include <cstdio>
#include <iostream>

#include "common.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/report.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim hw — hardware profiles

usage: moesim hw [list] [--format table|json|csv]
       moesim hw show PROFILE|FILE [--format table|json]
       moesim hw lint FILE...

`lint` reports every problem of each file with its JSON path and exits 2 if any has one.
Profiles spell units in their values ("3.35 TB/s", "80 GiB"); see hwprofiles/README.md.

examples:
  moesim hw
  moesim hw show h100-sxm
  moesim hw lint my-device.json

options)";

}  // namespace

int run_hw(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  std::string format;
  po::options_description options;
  options.add_options()("help,h", "show this help")("format", po::value(&format)->default_value("table"),
                                                    "output: table | json | csv")(
      "words", po::value(&words)->composing(), "list | show NAME | lint FILE...");
  po::positional_options_description positional;
  positional.add("words", -1);
  po::variables_map vm;
  if (!parse_command_line(args, options, kUsage, vm, &positional)) return kOk;
  const OutputFormat out = parse_output_format(format);
  const std::string verb = words.empty() ? "list" : words[0];

  if (verb == "list" && words.size() <= 1) {
    io::Json list = io::Json::array();
    if (out == OutputFormat::table)
      std::printf("%-24s %-5s %14s %12s %14s  %s\n", "profile", "kind", "bf16 peak", "memory", "bandwidth", "name");
    if (out == OutputFormat::csv) std::printf("profile,kind,bf16_flop_per_s,memory_bytes,memory_bandwidth_bytes_per_s,name\n");
    for (const io::PresetInfo& p : io::shipped_hardware_profiles()) {
      Diagnostics d;
      const auto hw = io::load_hardware(std::string(p.name), d);
      if (!hw) throw BadInput{d};
      const double bf16 = peak_flop_per_s(*hw, ComputeFormat::bf16);
      if (out == OutputFormat::table)
        std::printf("%-24s %-5s %10.1f TFLOP/s %8.1f GiB %9.3f TB/s  %s\n", std::string(p.name).c_str(), hw->kind.c_str(),
                    bf16 / 1e12, hw->memory_bytes / 1073741824.0, hw->memory_bandwidth_bytes_per_s / 1e12, hw->name.c_str());
      if (out == OutputFormat::csv)
        std::printf("%s,%s,%.17g,%.17g,%.17g,\"%s\"\n", std::string(p.name).c_str(), hw->kind.c_str(), bf16, hw->memory_bytes,
                    hw->memory_bandwidth_bytes_per_s, hw->name.c_str());
      list.push_back({{"profile", p.name}, {"kind", hw->kind}, {"name", hw->name}, {"bf16_flop_per_s", bf16},
                      {"memory_bytes", hw->memory_bytes}, {"memory_bandwidth_bytes_per_s", hw->memory_bandwidth_bytes_per_s}});
    }
    if (out == OutputFormat::json) std::cout << list.dump(2) << "\n";
    return kOk;
  }
  if (verb == "show" && words.size() == 2) {
    Diagnostics d;
    const auto hw = io::load_hardware(words[1], d);
    if (!hw) throw BadInput{d};
    if (out == OutputFormat::json) std::cout << io::write_hardware_profile(*hw).dump(2) << "\n";
    else std::cout << io::describe_hardware(*hw);
    return kOk;
  }
  if (verb == "lint" && words.size() >= 2) {
    Diagnostics all;
    for (std::size_t i = 1; i < words.size(); ++i) {
      Diagnostics d;
      if (io::load_hardware(words[i], d)) std::cout << words[i] << ": ok\n";
      all.insert(all.end(), d.begin(), d.end());
    }
    if (!all.empty()) throw BadInput{all};
    return kOk;
  }
  throw BadInput{{{"", "bad_option", "expected `moesim hw [list]`, `moesim hw show NAME|FILE` or `moesim hw lint FILE...`"}}};
}

}  // namespace moesim::cli
