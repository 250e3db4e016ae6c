#include "common.h"

#include <iostream>

namespace moesim::cli {

void print_diagnostics(std::ostream& err, const Diagnostics& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    err << "moesim: error: ";
    if (!d.path.empty()) err << d.path << ": ";
    err << d.message << " [" << d.code << "]\n";
  }
}

OutputFormat parse_output_format(const std::string& text) {
  if (text == "table") return OutputFormat::table;
  if (text == "json") return OutputFormat::json;
  if (text == "csv") return OutputFormat::csv;
  throw BadInput{{{"--format", "unknown_value", "\"" + text + "\" must be table, json or csv"}}};
}

bool parse_command_line(const std::vector<std::string>& args, const po::options_description& options,
                        const std::string& usage, po::variables_map& vm,
                        const po::positional_options_description* positional) {
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional) parser.positional(*positional);
    else parser.positional(po::positional_options_description{});  // any positional is an error
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n" << options << "\n";
      return false;
    }
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    throw BadInput{{{"", "bad_option", std::string(e.what()) + " (see --help)"}}};
  }
}

}  // namespace moesim::cli
