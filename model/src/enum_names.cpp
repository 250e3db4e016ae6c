#include "moesim/model/enum_names.h"

#include <array>

namespace moesim {

#define MOESIM_ENUM_TABLE(Enum, ...)                                       \
  template <>                                                              \
  std::span<const EnumName<Enum>> enum_names<Enum>() {                     \
    static constexpr EnumName<Enum> table[] = {__VA_ARGS__};               \
    return table;                                                          \
  }                                                                        \
  std::string_view to_string(Enum v) {                                     \
    for (const auto& n : enum_names<Enum>())                               \
      if (n.value == v) return n.name;                                     \
    return "?";                                                            \
  }

MOESIM_ENUM_TABLE(FfnActivation, {FfnActivation::glu, "glu"}, {FfnActivation::plain, "plain"})
MOESIM_ENUM_TABLE(RouterKind, {RouterKind::token_choice, "token_choice"},
                  {RouterKind::expert_choice, "expert_choice"}, {RouterKind::soft_moe, "soft_moe"})
MOESIM_ENUM_TABLE(RouterScoring, {RouterScoring::softmax, "softmax"}, {RouterScoring::sigmoid, "sigmoid"})
MOESIM_ENUM_TABLE(AttentionKind, {AttentionKind::standard, "standard"}, {AttentionKind::mla, "mla"})
MOESIM_ENUM_TABLE(QkNorm, {QkNorm::none, "none"}, {QkNorm::per_head, "per_head"}, {QkNorm::full, "full"})
MOESIM_ENUM_TABLE(NormKind, {NormKind::rms_norm, "rms_norm"}, {NormKind::layer_norm, "layer_norm"})
MOESIM_ENUM_TABLE(LayerFfn, {LayerFfn::dense, "dense"}, {LayerFfn::moe, "moe"})
MOESIM_ENUM_TABLE(LayerMixer, {LayerMixer::attention, "attention"}, {LayerMixer::mamba, "mamba"})
MOESIM_ENUM_TABLE(AttentionSpan, {AttentionSpan::full, "full"}, {AttentionSpan::sliding, "sliding"},
                  {AttentionSpan::chunked, "chunked"})
MOESIM_ENUM_TABLE(Phase, {Phase::prefill, "prefill"}, {Phase::decode, "decode"}, {Phase::train, "train"})
MOESIM_ENUM_TABLE(Recompute, {Recompute::none, "none"}, {Recompute::selective, "selective"},
                  {Recompute::full, "full"})
MOESIM_ENUM_TABLE(Optimizer, {Optimizer::adam, "adam"}, {Optimizer::sgd_momentum, "sgd_momentum"},
                  {Optimizer::sgd, "sgd"})
MOESIM_ENUM_TABLE(OffloadTarget, {OffloadTarget::none, "none"}, {OffloadTarget::host, "host"},
                  {OffloadTarget::storage, "storage"})
MOESIM_ENUM_TABLE(CachePolicy, {CachePolicy::lru, "lru"}, {CachePolicy::lfu, "lfu"})
MOESIM_ENUM_TABLE(ExpertReads, {ExpertReads::busiest, "busiest"}, {ExpertReads::mean, "mean"})
MOESIM_ENUM_TABLE(ExpertPlacement, {ExpertPlacement::contiguous, "contiguous"}, {ExpertPlacement::balanced, "balanced"})
MOESIM_ENUM_TABLE(PipelineSchedule, {PipelineSchedule::one_f_one_b, "1f1b"}, {PipelineSchedule::gpipe, "gpipe"})

#undef MOESIM_ENUM_TABLE

std::string_view attention_variant(const AttentionConfig& a) {
  if (a.kind == AttentionKind::mla) return "MLA";
  if (a.kv_heads == a.heads) return "MHA";
  if (a.kv_heads == 1) return "MQA";
  return "GQA";
}

}  // namespace moesim
