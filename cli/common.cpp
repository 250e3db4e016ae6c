#include "common.h"

#include "moesim/io/files.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/validate.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <iostream>

namespace moesim::cli {

void print_diagnostics(std::ostream& err, const Diagnostics& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    err << "moesim: error: ";
    if (!d.path.empty()) err << d.path << ": ";
    err << d.message << " [" << d.code << "]\n";
  }
}

NumberFormat parse_format_option(const std::string& option, const std::string& text) {
  if (const auto f = parse_number_format(text)) return *f;
  throw BadInput{{{"--" + option, "unknown_value", "\"" + text + "\" is not a number format: " + std::string(number_format_grammar())}}};
}

void FormatOptions::add_to(po::options_description& options) {
  auto into = [](std::optional<std::string>& slot) { return po::value<std::string>()->notifier([&slot](const std::string& v) { slot = v; }); };
  options.add_options()
      ("weight-format", into(weight), "store every weight matrix and embedding in this format (norms keep theirs), e.g. bf16, fp8, int4-g128, mxfp4")
      ("expert-format", into(expert), "routed experts' weights in this format (after --weight-format), e.g. int4-g128, mxfp4 (MoQE, gpt-oss)")
      ("kv-format", into(kv), "KV-cache format (overrides the model's own)")
      ("activation-format", into(activation), "activation format (overrides the model's own)");
}

void FormatOptions::apply(Precision& p) const {
  if (weight) set_weight_format(p, parse_format_option("weight-format", *weight));
  if (expert) set_expert_format(p, parse_format_option("expert-format", *expert));
  if (kv) p.kv_cache = parse_format_option("kv-format", *kv);
  if (activation) p.activations = parse_format_option("activation-format", *activation);
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
      po::options_description shown;  // without the positional words' option
      for (const auto& o : options.options())
        if (!positional || positional->name_for_position(0) != o->long_name()) shown.add(o);
      std::cout << usage << "\n" << shown << "\n";
      return false;
    }
    po::notify(vm);
    return true;
  } catch (const po::error& e) {
    throw BadInput{{{"", "bad_option", std::string(e.what()) + " (see --help)"}}};
  }
}

}  // namespace moesim::cli

namespace moesim::cli {

ProgressLine::ProgressLine(bool enabled, bool always)
    : enabled_(always || (enabled && ::isatty(STDERR_FILENO))), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressLine::update(double done, const std::string& what) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r[%-30s] %5.1f%%  %s  ETA %s", std::string(static_cast<std::size_t>(std::clamp(done, 0.0, 1.0) * 30), '#').c_str(),
               100 * done, what.c_str(), format_eta(done > 0 ? elapsed / done - elapsed : -1).c_str());
}

void ProgressLine::finish() {
  if (enabled_) std::fprintf(stderr, "\r%100s\r", "");
}

std::string format_eta(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const auto s = static_cast<long long>(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  return buffer;
}

void name_options(Diagnostics& diagnostics) {
  for (Diagnostic& x : diagnostics) {
    // A file's path ("fit.json:/params/a") names itself; only field names become options.
    if (x.path.empty() || x.path.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789") != std::string::npos) continue;
    std::replace(x.path.begin(), x.path.end(), '_', '-');
    x.path = "--" + x.path;
  }
}

void DeploymentOptions::add_to(po::options_description& options) {
  Parallelism& p = deployment.parallel;
  Offload& o = deployment.offload;
  options.add_options()
      ("tp", po::value(&p.tp)->default_value(1), "tensor-parallel degree")
      ("ep", po::value(&p.ep)->default_value(1), "expert-parallel degree (divides experts and tp * dp)")
      ("pp", po::value(&p.pp)->default_value(1), "pipeline stages")
      ("dp", po::value(&p.dp)->default_value(1), "data-parallel replicas (the batch is split over them)")
      ("microbatches", po::value(&p.microbatches)->default_value(1), "micro-batches per training step (pipeline bubble (pp-1)/m)")
      ("pp-schedule", po::value(&pp_schedule)->default_value("1f1b"),
       "pipeline schedule in training: 1f1b (interleaved with --virtual-stages above 1) | gpipe (every micro-batch's activations held)")
      ("virtual-stages", po::value(&p.virtual_stages)->default_value(1),
       "model chunks per pipeline device: 1 = 1F1B, v > 1 = interleaved 1F1B (bubble (pp-1)/(v m), v x the stage messages)")
      ("capacity-factor", po::value(&deployment.capacity_factor)->default_value(0), "expert capacity factor; 0 = dropless")
      ("routing-skew", po::value(&routing_skew)->default_value(0), "Zipf exponent of expert popularity; 0 = uniform routing")
      ("routing-histogram", po::value(&routing_histogram), "measured share of each expert, comma-separated (one per expert; normalised)")
      ("max-violation", po::value<double>()->notifier([this](double x) { max_violation = x; }),
       "load imbalance as MaxVio = max load / mean load - 1 (Wang et al. 2024), instead of a skew; 0..E/K-1")
      ("routing-locality", po::value<double>()->notifier([this](double f) { routing_locality = f; }),
       "share of routed tokens whose expert is on their own node (LocMoE); default: as uniform routing")
      ("offload", po::value(&offload)->default_value("none"), "where routed experts live: none | host | storage")
      ("expert-cache", po::value(&o.cache_experts_per_layer)->default_value(0), "experts cached per MoE layer when offloading")
      ("cache-policy", po::value(&cache_policy)->default_value("lru"), "expert cache policy: lru | lfu")
      ("expert-reads", po::value(&expert_reads)->default_value("busiest"),
       "expert weights read per step with ep > 1 and skewed routing: busiest (the busiest device's own touched experts) | mean (distinct experts / ep)")
      ("expert-placement", po::value(&expert_placement)->default_value("contiguous"),
       "which experts share a device with ep > 1 and skewed routing: contiguous (the most popular together) | balanced (spread by load, as DeepSeek's EPLB)")
      ("prefetch-accuracy", po::value(&o.prefetch_accuracy)->default_value(0), "fraction of misses predicted a layer ahead, 0..1")
      ("two-batch-overlap", po::bool_switch(&deployment.two_batch_overlap),
       "serve each replica's sequences as two micro-batches, one's all-to-all under the other's compute (DeepSeek-V3 §3.4.1)");
}

void DeploymentOptions::finish() {
  Offload& o = deployment.offload;
  o.target = parse_option<OffloadTarget>("offload", offload);
  o.policy = parse_option<CachePolicy>("cache-policy", cache_policy);
  deployment.expert_reads = parse_option<ExpertReads>("expert-reads", expert_reads);
  deployment.expert_placement = parse_option<ExpertPlacement>("expert-placement", expert_placement);
  deployment.parallel.schedule = parse_option<PipelineSchedule>("pp-schedule", pp_schedule);
  Diagnostics d;
  deployment.routing.zipf_exponent = routing_skew;
  deployment.node_locality = routing_locality;
  deployment.routing.max_violation = max_violation;
  if (!routing_histogram.empty()) {
    if (auto shares = io::parse_share_list(routing_histogram, "--routing-histogram", d)) deployment.routing.histogram = std::move(*shares);
    else throw BadInput{d};
  }
  validate(deployment, d);
  name_options(d);
  if (!d.empty()) throw BadInput{d};
}

void DeploymentOptions::check_against(const Architecture& arch) const {
  Diagnostics d;
  validate(deployment, arch, d);
  name_options(d);
  if (!d.empty()) throw BadInput{d};
}

}  // namespace moesim::cli
