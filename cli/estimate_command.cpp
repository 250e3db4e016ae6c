// moesim estimate: parameters, FLOPs and memory of one model under one workload.
#include <iostream>
#include <optional>

#include "common.h"
#include "moesim/io/hardware_io.h"
#include "moesim/io/model_io.h"
#include "moesim/io/report.h"
#include "moesim/model/enum_names.h"
#include "moesim/model/estimate.h"
#include "moesim/model/validate.h"

namespace moesim::cli {
namespace {

const char* const kUsage = R"(moesim estimate — parameters, FLOPs and memory of a model under a workload

usage: moesim estimate [--model PRESET|FILE] [--phase prefill|decode|train] [--batch N]
                       [--context TOKENS] [--tokens D] [--format table|json|csv]

Units: parameters as counts; FLOPs as floating-point operations (a multiply-add is 2);
memory in bytes (the table prints GiB = 2^30 bytes); context and tokens in tokens.

examples:
  moesim estimate                                      # Mixtral-8x7B decode step, batch 1, context 4096
  moesim estimate --model deepseek-v3 --phase prefill --context 8192
  moesim estimate --model config.json --phase decode --batch 64 --context 32768 --format json
  moesim estimate --model qwen3-30b-a3b --phase train --batch 256 --context 4096 --tokens 36e12 --recompute full
  moesim estimate --model mixtral-8x7b --weight-format int4-g128 --kv-format fp8
  moesim estimate --model mixtral-8x7b --hw h100-sxm --tp 2 --phase decode --batch 1
  moesim estimate --model deepseek-v3 --hw h200 --ep 8 --dp 8 --phase decode --batch 256 --format json
  moesim estimate --model qwen3-30b-a3b --hw jetson-agx-orin-64gb --offload storage --expert-cache 16 --routing-skew 1.0

With --hw the latency model runs too: times in seconds, per-device memory, the operator
breakdown and the bound of each operator; a deployment that does not fit is reported as
infeasible (exit code 0) with the reason.

options)";

// The estimate (and, with a profile, its latency) as a table, JSON or CSV on standard output.
void write_result(OutputFormat out_format, const io::LoadedModel& model, const Workload& w, const Estimate& e, const Hardware* hw,
                  const Deployment& deployment, const LatencyEstimate& latency) {
  switch (out_format) {
    case OutputFormat::table:
      std::cout << io::estimate_table(model, w, e);
      if (hw) std::cout << "\n" << io::describe_hardware(*hw) << io::describe_deployment(deployment) << "\n"
                        << io::latency_table(latency, w.phase);
      break;
    case OutputFormat::json: {
      io::Json j = io::estimate_json(model, w, e);
      if (hw) {
        j["hardware"] = hw->name;
        io::add_latency_json(j, latency);
      }
      std::cout << j.dump(2) << "\n";
      break;
    }
    case OutputFormat::csv:
      std::cout << io::estimate_csv_header();
      if (hw) for (const auto& f : io::latency_fields()) std::cout << "," << f.key;
      std::cout << "\n" << io::estimate_csv_row(e);
      if (hw) for (const auto& f : io::latency_fields()) std::cout << "," << io::shortest_number(f.value(latency));
      std::cout << "\n";
      break;
  }
}

}  // namespace

int run_estimate(const std::vector<std::string>& args) {
  std::string model_spec, phase, format, recompute, optimizer, gradient_format, state_format;
  bool no_master_weights = false, no_flash_attention = false;
  std::string hw_spec;
  DeploymentOptions deployment;
  FormatOptions formats;
  Workload w;
  po::options_description options;
  options.add_options()
      ("help,h", "show this help")
      ("model", po::value(&model_spec)->default_value("mixtral-8x7b"), "preset name (moesim models) or path to a native or Hugging Face config.json")
      ("phase", po::value(&phase)->default_value("decode"), "prefill | decode | train")
      ("batch", po::value(&w.batch)->default_value(1), "sequences in the batch")
      ("context", po::value(&w.context)->default_value(4096), "tokens: prompt length (prefill), tokens in the KV cache (decode), sequence length (train)")
      ("tokens", po::value(&w.train_tokens)->default_value(0), "training tokens D for --phase train (0 = one step: batch * context)")
      ("null-fraction", po::value(&w.null_fraction)->default_value(0), "share of routing slots on null experts (AdaMoE; needs /moe/null_experts)")
      ("recompute", po::value(&recompute)->default_value("selective"), "activation recomputation in training: none | selective | full")
      ("optimizer", po::value(&optimizer)->default_value("adam"), "adam | sgd_momentum | sgd")
      ("gradient-format", po::value(&gradient_format)->default_value("bf16"), "gradient format in training")
      ("optimizer-state-format", po::value(&state_format)->default_value("fp32"), "format of the optimizer moments")
      ("no-master-weights", po::bool_switch(&no_master_weights), "train without an fp32 master copy of the weights")
      ("no-flash-attention", po::bool_switch(&no_flash_attention), "store the T x T attention scores (with --recompute none)")
      ("zero", po::value(&w.training.zero)->default_value(0), "ZeRO stage in training: 1 shards the optimizer states over the replicas, 2 also the gradients, 3 also the weights")
      ("overlap-grad-reduce", po::bool_switch(&w.training.overlap_grad_reduce),
       "train with the gradient reduction under the last micro-batch's backward (Megatron-LM's flag of that name)")
      ("overlap-param-gather", po::bool_switch(&w.training.overlap_param_gather),
       "train with ZeRO's weight all-gather under the first micro-batch's forward (needs --zero 1 or more)")
      ("format", po::value(&format)->default_value("table"), "output: table | json | csv")
      ("hw", po::value(&hw_spec), "hardware profile: a shipped name (moesim hw) or a profile file");
  formats.add_to(options);
  deployment.add_to(options);
  po::variables_map vm;
  if (!parse_command_line(args, options, kUsage, vm)) return kOk;

  w.phase = parse_option<Phase>("phase", phase);
  w.training.recompute = parse_option<Recompute>("recompute", recompute);
  w.training.optimizer = parse_option<Optimizer>("optimizer", optimizer);
  deployment.finish();
  w.training.gradient_format = parse_format_option("gradient-format", gradient_format);
  w.training.optimizer_state_format = parse_format_option("optimizer-state-format", state_format);
  w.training.master_weights = !no_master_weights;
  w.training.flash_attention = !no_flash_attention;
  const OutputFormat out_format = parse_output_format(format);
  if (vm["tokens"].defaulted() == false && w.phase != Phase::train)
    throw BadInput{{{"--tokens", "not_applicable", "training tokens apply only to --phase train"}}};

  Diagnostics model_problems, diagnostics;
  auto model = io::load_model(model_spec, model_problems);
  model ? validate(w, model->arch, diagnostics) : validate(w, diagnostics);  // against the model too (null experts)
  name_options(diagnostics);
  diagnostics.insert(diagnostics.end(), model_problems.begin(), model_problems.end());
  if (!diagnostics.empty() || !model) throw BadInput{diagnostics};

  formats.apply(model->arch.precision);

  const Estimate e = estimate(model->arch, w);
  std::optional<Hardware> hw;
  LatencyEstimate latency;
  if (vm.count("hw")) {
    Diagnostics d;
    hw = io::load_hardware(hw_spec, d);
    if (!hw) throw BadInput{d};
    deployment.check_against(model->arch);
    latency = estimate_latency(model->arch, w, *hw, deployment.deployment);
    io::missing_device_property(latency, *hw, deployment.deployment, d);
    name_options(d);
    if (!d.empty()) throw BadInput{d};
  } else {
    for (const char* option : DeploymentOptions::kNames)
      if (vm.count(option) && !vm[option].defaulted())
        throw BadInput{{{std::string("--") + option, "not_applicable", "deployment options need a hardware profile (--hw)"}}};
  }
  write_result(out_format, *model, w, e, hw ? &*hw : nullptr, deployment.deployment, latency);
  if (const std::string warning = context_warning(model->arch, w); !warning.empty()) std::cerr << "moesim estimate: warning: " << warning << "\n";
  return kOk;
}

}  // namespace moesim::cli
