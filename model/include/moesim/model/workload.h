#pragma once
// The workload: *how* the architecture is run. No architecture, no hardware numbers.
#include <cstdint>

#include "moesim/model/number_format.h"

namespace moesim {

enum class Phase : std::uint8_t { prefill, decode, train };

// Activation recomputation (Korthikanti et al. 2022, arXiv 2205.05198 §4-5).
enum class Recompute : std::uint8_t {
  none,       // keep every activation
  selective,  // recompute the attention core (scores, softmax, weighted sum)
  full,       // keep each layer's input, recompute the whole forward in backward
};

enum class Optimizer : std::uint8_t {
  adam,          // two moments (Kingma & Ba 2015)
  sgd_momentum,  // one moment
  sgd,           // none
};

struct TrainingConfig {
  Recompute recompute = Recompute::selective;
  // Mixed-precision Adam as in ZeRO (Rajbhandari et al. 2020, arXiv 1910.02054 §3.1):
  // bf16 weights and gradients, fp32 master weights and moments: 2 + 2 + 12 = 16 bytes/param.
  NumberFormat gradient_format = {Element::bf16, 0, 0};
  Optimizer optimizer = Optimizer::adam;
  bool master_weights = true;
  NumberFormat optimizer_state_format = {Element::fp32, 0, 0};
  // FlashAttention (Dao et al. 2022) never stores the T x T score matrix.
  bool flash_attention = true;
  // ZeRO stage (Rajbhandari et al. 2020, arXiv 1910.02054 §5.1): 1 shards the optimizer states
  // (master weights and moments) over each parameter's data-parallel replicas, 2 the gradients
  // too, 3 the weights too. 0 as Megatron-LM by default (its distributed optimizer is stage 1).
  std::int64_t zero = 0;
  // Data-parallel communication hidden behind compute, as Megatron-LM's --overlap-grad-reduce
  // and --overlap-param-gather (both off by default there; PyTorch FSDP always overlaps, Zhao
  // et al. 2023, PVLDB 16(12)). The gradient reduction (an all-reduce, or under ZeRO a
  // reduce-scatter) runs under the last micro-batch's backward, as its buckets fill; ZeRO's
  // weight all-gather runs under the first micro-batch's forward. Only the excess is exposed.
  bool overlap_grad_reduce = false;
  bool overlap_param_gather = false;  // needs zero >= 1 (there is no gather without it)
};

struct Workload {
  Phase phase = Phase::decode;
  std::int64_t batch = 1;  // sequences
  // prefill: prompt length; decode: tokens in the KV cache when the step runs (the new token
  // included); train: sequence length.
  std::int64_t context = 4096;
  // train: tokens D of the whole run (0 = one step of batch * context). Unused otherwise.
  double train_tokens = 0;
  // The share of the top-K routing slots that land on null experts (AdaMoE, Zeng et al. 2024,
  // arXiv 2406.13233): a token uses K (1 - null_fraction) real experts on average. Needs
  // MoeConfig::null_experts > 0; lowers expert FLOPs, distinct experts and expert bytes, never
  // the parameter count.
  double null_fraction = 0;
  TrainingConfig training;
};

std::string_view to_string(Phase v);
std::string_view to_string(Recompute v);
std::string_view to_string(Optimizer v);

}  // namespace moesim
