#include "moesim/model/validate.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <utility>

#include "moesim/model/estimate.h"

namespace moesim {
namespace {

std::string scientific(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

class Checker {
 public:
  explicit Checker(Diagnostics& out) : out_(out) {}

  void fail(std::string path, std::string code, std::string message) {
    out_.push_back({std::move(path), std::move(code), std::move(message)});
  }
  // lo <= value <= hi
  void range(const std::string& path, std::int64_t value, std::int64_t lo, std::int64_t hi) {
    if (value < lo || value > hi)
      fail(path, "out_of_range",
           std::to_string(value) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  void zero_for(const std::string& path, std::int64_t value, const std::string& why) {
    if (value != 0) fail(path, "not_applicable", std::to_string(value) + " is set, but " + why);
  }
  std::size_t count() const { return out_.size(); }

 private:
  Diagnostics& out_;
};

}  // namespace

void validate(const Architecture& a, Diagnostics& out) {
  Checker c(out);
  const std::size_t before = c.count();
  c.range("/hidden_size", a.hidden_size, 1, kMaxDimension);
  c.range("/vocab_size", a.vocab_size, 1, kMaxDimension);
  c.range("/layers/count", static_cast<std::int64_t>(a.layers.size()), 1, kMaxLayers);
  c.range("/layers/mtp_modules", a.mtp_modules, 0, 64);
  c.range("/max_position_embeddings", a.max_position_embeddings, 0, kMaxTokens);

  bool any_dense = false, any_moe = false, any_sliding = false, any_chunked = false, any_mamba = false;
  for (const LayerConfig& l : a.layers) {
    any_dense |= l.ffn == LayerFfn::dense;
    any_moe |= l.ffn == LayerFfn::moe;
    const bool attends = l.mixer == LayerMixer::attention;  // a Mamba layer's span is unused
    any_sliding |= attends && l.span == AttentionSpan::sliding;
    any_chunked |= attends && l.span == AttentionSpan::chunked;
    any_mamba |= !attends;
  }

  const AttentionConfig& at = a.attention;
  c.range("/attention/heads", at.heads, 1, kMaxDimension);
  if (at.kind == AttentionKind::standard) {
    c.range("/attention/head_dim", at.head_dim, 1, kMaxDimension);
    c.range("/attention/kv_heads", at.kv_heads, 1, std::max<std::int64_t>(at.heads, 1));
    if (at.kv_heads >= 1 && at.heads >= 1 && at.heads % at.kv_heads != 0)
      c.fail("/attention/kv_heads", "inconsistent",
             "heads (" + std::to_string(at.heads) + ") must be a multiple of kv_heads (" +
                 std::to_string(at.kv_heads) + ")");
    const std::string why = "attention kind is standard (it belongs to mla)";
    c.zero_for("/attention/q_lora_rank", at.q_lora_rank, why);
    c.zero_for("/attention/kv_lora_rank", at.kv_lora_rank, why);
    c.zero_for("/attention/qk_rope_head_dim", at.qk_rope_head_dim, why);
    c.zero_for("/attention/qk_nope_head_dim", at.qk_nope_head_dim, why);
    c.zero_for("/attention/v_head_dim", at.v_head_dim, why);
  } else {
    c.range("/attention/q_lora_rank", at.q_lora_rank, 0, kMaxDimension);
    c.range("/attention/kv_lora_rank", at.kv_lora_rank, 1, kMaxDimension);
    c.range("/attention/qk_rope_head_dim", at.qk_rope_head_dim, 0, kMaxDimension);
    c.range("/attention/qk_nope_head_dim", at.qk_nope_head_dim, 0, kMaxDimension);
    c.range("/attention/v_head_dim", at.v_head_dim, 1, kMaxDimension);
    if (at.qk_rope_head_dim + at.qk_nope_head_dim < 1)
      c.fail("/attention/qk_nope_head_dim", "out_of_range", "qk_nope_head_dim + qk_rope_head_dim must be at least 1");
    const std::string why = "attention kind is mla (it belongs to standard attention)";
    c.zero_for("/attention/kv_heads", at.kv_heads, why);
    c.zero_for("/attention/head_dim", at.head_dim, why);
    if (at.qkv_bias || at.o_bias || at.sinks || at.qk_norm != QkNorm::none)
      c.fail("/attention", "not_applicable", "qkv_bias, o_bias, sinks and qk_norm are not modelled for mla");
  }
  if (any_sliding && at.sliding_window == 0)
    c.fail("/attention/sliding_window", "missing", "required: some layers have a sliding attention span");
  else if (any_sliding) c.range("/attention/sliding_window", at.sliding_window, 1, kMaxTokens);
  else c.zero_for("/attention/sliding_window", at.sliding_window, "no layer has a sliding span");
  if (any_chunked && at.chunk_size == 0)
    c.fail("/attention/chunk_size", "missing", "required: some layers have a chunked attention span");
  else if (any_chunked) c.range("/attention/chunk_size", at.chunk_size, 1, kMaxTokens);
  else c.zero_for("/attention/chunk_size", at.chunk_size, "no layer has a chunked span");

  const MambaConfig& mb = a.mamba;
  if (any_mamba) {
    c.range("/mamba/expand", mb.expand, 1, kMaxDimension);
    if (mb.expand >= 1 && mb.expand <= kMaxDimension && a.hidden_size >= 1 && mb.expand > kMaxDimension / a.hidden_size)
      c.fail("/mamba/expand", "out_of_range",
             std::to_string(mb.expand) + " x hidden_size " + std::to_string(a.hidden_size) + " = d_inner must be at most 2^22");
    c.range("/mamba/d_state", mb.d_state, 1, kMaxDimension);
    c.range("/mamba/d_conv", mb.d_conv, 1, kMaxDimension);
    c.range("/mamba/dt_rank", mb.dt_rank, 1, kMaxDimension);
  } else {
    c.zero_for("/mamba/expand", mb.expand, "no layer is Mamba (see /layers/attention)");
  }

  if (any_dense) c.range("/dense_ffn/width", a.dense_ffn.width, 1, kMaxDimension);
  else c.zero_for("/dense_ffn/width", a.dense_ffn.width, "no layer is dense");

  const MoeConfig& m = a.moe;
  if (!any_moe) {
    c.zero_for("/moe/experts", m.experts, "no layer is MoE (see /layers/moe)");
  } else {
    c.range("/moe/experts", m.experts, 1, kMaxExperts);
    c.range("/moe/expert/width", m.expert.width, 1, kMaxDimension);
    switch (m.router) {
      case RouterKind::token_choice:
        c.range("/moe/top_k", m.top_k, 1, kMaxExperts);
        if (m.top_k > m.experts && m.experts >= 1)
          c.fail("/moe/top_k", "inconsistent",
                 "top_k " + std::to_string(m.top_k) + " must not exceed experts (" + std::to_string(m.experts) + ")");
        break;
      case RouterKind::expert_choice:
        if (!(m.capacity_factor > 0) || !(m.capacity_factor <= static_cast<double>(m.experts)))
          c.fail("/moe/capacity_factor", "out_of_range",
                 scientific(m.capacity_factor) + " must be in (0, experts = " + std::to_string(m.experts) +
                     "]: it is the mean number of experts per token");
        break;
      case RouterKind::soft_moe: c.range("/moe/slots_per_expert", m.slots_per_expert, 1, kMaxDimension); break;
    }
    c.range("/moe/null_experts", m.null_experts, 0, kMaxExperts);
    if (m.null_experts > 0 && m.router != RouterKind::token_choice)
      c.fail("/moe/null_experts", "not_applicable", "null experts take token-choice routing slots; router is " + std::string(to_string(m.router)));
    c.range("/moe/shared_experts", m.shared_experts, 0, 1024);
    if (m.shared_expert_gate && m.shared_experts == 0)
      c.fail("/moe/shared_expert_gate", "not_applicable", "is true, but shared_experts is 0");
    if (m.router_bias && m.router == RouterKind::soft_moe)
      c.fail("/moe/router_bias", "not_applicable", "is true, but soft_moe has no router bias");
    if (m.shared_experts > 0) c.range("/moe/shared_expert_width", m.shared_expert_width, 1, kMaxDimension);
    else c.zero_for("/moe/shared_expert_width", m.shared_expert_width, "shared_experts is 0");
  }

  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  const auto& overrides = a.precision.expert_overrides;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const ExpertFormatOverride& o = overrides[i];
    const std::string path = "/precision/expert_overrides/" + std::to_string(i);
    if (o.expert < 0 || o.expert >= m.experts)
      c.fail(path + "/expert", "out_of_range",
             std::to_string(o.expert) + " must be in [0, experts - 1 = " + std::to_string(m.experts - 1) + "]");
    const bool layer_ok = o.layer == -1 || (o.layer >= 0 && o.layer < static_cast<std::int64_t>(a.layers.size()) &&
                                            a.layers[static_cast<std::size_t>(o.layer)].ffn == LayerFfn::moe);
    if (!layer_ok)
      c.fail(path + "/layer", "inconsistent", std::to_string(o.layer) + " must be -1 (every MoE layer) or a MoE layer's index");
    if (!seen.insert({o.layer, o.expert}).second)
      c.fail(path, "duplicate", "expert " + std::to_string(o.expert) + " of layer " + std::to_string(o.layer) + " is overridden twice");
  }
  for (std::size_t i = 0; i < overrides.size(); ++i)  // in either order
    if (overrides[i].layer >= 0 && seen.count({-1, overrides[i].expert}))
      c.fail("/precision/expert_overrides/" + std::to_string(i), "duplicate",
             "expert " + std::to_string(overrides[i].expert) + " is also overridden for every layer (layer -1)");

  if (c.count() == before) {  // sizes are sane: check the whole
    const double total = count_params(a).total_params();
    if (!(total <= kMaxParams))
      c.fail("/", "out_of_range", "the model has " + scientific(total) + " parameters; at most 1e15 are supported");
  }
}

void validate(const Deployment& d, Diagnostics& out) {
  Checker c(out);
  const Parallelism& p = d.parallel;
  c.range("tp", p.tp, 1, 1 << 20);
  c.range("ep", p.ep, 1, 1 << 20);
  c.range("pp", p.pp, 1, 1 << 20);
  c.range("dp", p.dp, 1, 1 << 20);
  c.range("microbatches", p.microbatches, 1, 1 << 20);
  c.range("virtual_stages", p.virtual_stages, 1, 1 << 10);
  if (p.schedule == PipelineSchedule::gpipe && p.virtual_stages > 1)
    c.fail("pp_schedule", "inconsistent", "gpipe has no virtual stages (virtual_stages " + std::to_string(p.virtual_stages) +
                                              "); the interleaved schedule is 1f1b with virtual_stages above 1");
  if (!(d.capacity_factor >= 0 && d.capacity_factor <= 1e6))
    c.fail("capacity_factor", "out_of_range", "must be 0 (dropless) or positive");
  if (!(d.offload.cache_experts_per_layer >= 0 && d.offload.cache_experts_per_layer <= 1e7))
    c.fail("expert_cache", "out_of_range", "must be in [0, 1e7]");
  if (!(d.offload.prefetch_accuracy >= 0 && d.offload.prefetch_accuracy <= 1))
    c.fail("prefetch_accuracy", "out_of_range", "must be in [0, 1]");
  if (d.node_locality && !(*d.node_locality >= 0 && *d.node_locality <= 1))
    c.fail("routing_locality", "out_of_range", scientific(*d.node_locality) + " must be in [0, 1]");
  // A Zipf exponent of 10 already sends > 99.9% of picks to the first expert.
  if (!(d.routing.zipf_exponent >= 0 && d.routing.zipf_exponent <= 10))
    c.fail("routing_skew", "out_of_range", scientific(d.routing.zipf_exponent) + " must be in [0, 10]");
  if (!d.routing.histogram.empty()) {
    if (d.routing.zipf_exponent > 0) c.fail("routing_histogram", "inconsistent", "give either a routing skew or a routing histogram");
    double sum = 0;
    for (double v : d.routing.histogram) {
      if (!(v >= 0 && v <= 1e15)) {
        c.fail("routing_histogram", "wrong_type", scientific(v) + " is not a share in [0, 1e15]");
        return;
      }
      sum += v;
    }
    if (!(sum > 0)) c.fail("routing_histogram", "out_of_range", "the shares must not all be 0");
  }
  if (const auto& x = d.routing.max_violation) {
    if (!(*x >= 0 && *x <= 1e6)) c.fail("max_violation", "out_of_range", scientific(*x) + " must be in [0, E/K - 1]");
    else if (d.routing.zipf_exponent > 0 || !d.routing.histogram.empty())
      c.fail("max_violation", "inconsistent", "give one of a routing skew, a routing histogram or a max violation");
  }
}

void validate(const Deployment& d, const Architecture& arch, Diagnostics& out) {
  validate(d, out);
  // The busiest expert of top-K routing takes at most every token: max / mean <= E / K.
  const double most = arch.moe.top_k > 0 ? static_cast<double>(arch.moe.experts) / static_cast<double>(arch.moe.top_k) - 1 : 0;
  if (const auto& x = d.routing.max_violation; x && *x >= 0 && *x <= 1e6 && *x > most)
    out.push_back({"max_violation", "out_of_range",
                   scientific(*x) + " is beyond what top-" + std::to_string(arch.moe.top_k) + " routing over " + std::to_string(arch.moe.experts) +
                       " experts can reach (E/K - 1 = " + scientific(most) + ": the busiest expert takes every token)"});
  const auto shares = static_cast<std::int64_t>(d.routing.histogram.size());
  if (shares > 0 && shares != arch.moe.experts)
    out.push_back({"routing_histogram", "inconsistent",
                   std::to_string(shares) + " shares given; the model has " + std::to_string(arch.moe.experts) + " experts"});
}

void validate(const Workload& w, Diagnostics& out) {
  Checker c(out);
  c.range("batch", w.batch, 1, kMaxTokens);
  c.range("context", w.context, 1, kMaxTokens);
  if (w.batch >= 1 && w.context >= 1 && w.batch > kMaxTokens / w.context)
    c.fail("batch", "out_of_range", "batch * context must not exceed 2^40 tokens");
  if (!(w.train_tokens >= 0 && w.train_tokens <= 1e18))
    c.fail("tokens", "out_of_range", scientific(w.train_tokens) + " must be in [0, 1e18]");
  c.range("zero", w.training.zero, 0, 3);
  if (w.training.overlap_param_gather && w.training.zero == 0)
    c.fail("overlap_param_gather", "not_applicable", "is set, but without ZeRO (zero 0) the weights are not sharded and there is no gather to overlap");
  if (!(w.null_fraction >= 0 && w.null_fraction < 1))
    c.fail("null_fraction", "out_of_range", scientific(w.null_fraction) + " must be in [0, 1): the share of routing slots on null experts");
}

void validate(const Workload& w, const Architecture& arch, Diagnostics& out) {
  validate(w, out);
  if (w.null_fraction > 0 && w.null_fraction < 1 && arch.moe.null_experts <= 0)
    out.push_back({"null_fraction", "not_applicable", scientific(w.null_fraction) + " of the routing slots on null experts, but " + arch.name +
                                                           " has none (/moe/null_experts)"});
}

std::string context_warning(const Architecture& arch, const Workload& workload) {
  if (arch.max_position_embeddings <= 0 || workload.context <= arch.max_position_embeddings) return "";
  return "context " + std::to_string(workload.context) + " is beyond " + arch.name + "'s max_position_embeddings " +
         std::to_string(arch.max_position_embeddings) + ": the cost is computed, but the model was not trained for positions that far";
}

}  // namespace moesim
