// moesim models: the built-in presets, and how a model file is understood.
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "common.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/model/estimate.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim models — list the built-in presets, or show how a model is read

usage: moesim models [list] [--format table|json|csv]
       moesim models show PRESET|FILE [--format table|json]

`show` echoes the interpreted architecture; with --format json it prints the model in the
native format, which converts a Hugging Face config.json into an editable moesim model.

examples:
  moesim models
  moesim models show deepseek-v3
  moesim models show path/to/config.json --format json > my-model.json

options)";

}  // namespace

int run_models(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  std::string format;
  po::options_description options;
  options.add_options()("help,h", "show this help")(
      "format", po::value(&format)->default_value("table"), "output: table | json | csv")(
      "words", po::value(&words)->composing(), "list | show NAME");
  po::positional_options_description positional;
  positional.add("words", 2);
  po::variables_map vm;
  if (!parse_command_line(args, options, kUsage, vm, &positional)) return kOk;
  const OutputFormat out = parse_output_format(format);
  const std::string verb = words.empty() ? "list" : words[0];

  if (verb == "list" && words.size() <= 1) {
    io::Json list = io::Json::array();
    if (out == OutputFormat::csv) std::cout << "name,total_params,active_params,active_excl_input_embedding\n";
    if (out == OutputFormat::table) std::printf("%-24s %14s %14s  %s\n", "preset", "total", "active", "name");
    for (const io::PresetInfo& preset : io::presets()) {
      Diagnostics d;
      const auto m = io::load_model(std::string(preset.name), d);
      if (!m) throw std::runtime_error("built-in preset " + std::string(preset.name) + " does not load");
      const ParamCounts p = count_params(m->arch);
      if (out == OutputFormat::table)
        std::printf("%-24s %14s %14s  %s\n", std::string(preset.name).c_str(), io::human(p.total_params(), io::Unit::params).c_str(),
                    io::human(p.active_params(), io::Unit::params).c_str(), m->arch.name.c_str());
      if (out == OutputFormat::csv)
        std::printf("%s,%.0f,%.0f,%.0f\n", std::string(preset.name).c_str(), p.total_params(), p.active_params(),
                    p.active_excl_input_embedding());
      list.push_back({{"preset", preset.name}, {"name", m->arch.name}, {"total_params", p.total_params()},
                      {"active_params", p.active_params()}, {"active_excl_input_embedding", p.active_excl_input_embedding()}});
    }
    if (out == OutputFormat::json) std::cout << list.dump(2) << "\n";
    return kOk;
  }
  if (verb == "show" && words.size() == 2) {
    Diagnostics d;
    const auto m = io::load_model(words[1], d);
    if (!m) throw BadInput{d};
    if (out == OutputFormat::csv) throw BadInput{{{"--format", "not_applicable", "models show prints table or json"}}};
    if (out == OutputFormat::json) std::cout << io::write_native_model(m->arch, m->source).dump(2) << "\n";
    else std::cout << io::describe_architecture(*m);
    return kOk;
  }
  throw BadInput{{{"", "bad_option", "expected `moesim models [list]` or `moesim models show NAME|FILE` (see --help)"}}};
}

}  // namespace moesim::cli
