#include "moesim/model/latency.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "layer_math.h"

namespace moesim {
namespace {

using namespace detail;
using C = Component;

enum class Mode { prefill, decode, train };

// What one evaluation reads: the inputs and the prepared plan.
struct Context {
  const Architecture& a;
  const Hardware& hw;
  const Deployment& d;
  std::span<const double> shares;  // empty = uniform
  std::span<const std::size_t> busiest_experts;  // LatencyModel::busiest_experts_
  const LatencyPlan& plan;
  double real_slots = 1;  // the share of routing slots on real experts, 1 - null_fraction (AdaMoE)
  // FLOP/s of the attention core and the GemmShape::kept_wide operators: the plan's wide_peak
  // in training, its peak in serving (FP8 attention kernels: FlashAttention-3, Shah et al.
  // 2024, arXiv 2407.08608 §3.3)
  double kept_wide_peak = 0;
  // what one kernel launch costs in this pass: Hardware::kernel_overhead_s, or in decode steps
  // Hardware::graph_kernel_overhead_s where the profile has it (LatencyModel::operator())
  double kernel_s = 0;
};

// max(compute, memory, communication, io) + the fixed overhead, and which one decided.
void finish(OpTime& t, double overhead_s) {
  const double work = std::max({t.compute_s, t.memory_s, t.communication_s, t.io_s});
  t.time_s = work + overhead_s;
  if (overhead_s > work) t.bound = Bound::overhead;
  else if (work == t.compute_s) t.bound = Bound::compute;
  else if (work == t.memory_s) t.bound = Bound::memory;
  else if (work == t.communication_s) t.bound = Bound::communication;
  else t.bound = Bound::io;
}

// Work run as `kernels` launches: each pays the pass's fixed cost per kernel.
void launched(OpTime& t, const Context& c, double kernels) {
  t.kernels = kernels;
  finish(t, kernels * c.kernel_s);
}

double memory_seconds(const Hardware& hw, double bytes) {
  if (bytes <= 0) return 0;
  return bytes / (hw.memory_bandwidth_bytes_per_s * hw.memory_by_bytes.at(bytes));
}

// The weight GEMM `g` for M tokens; `tokens_efficiency` is gemm_by_tokens at M;
// `extra_kernels` launches beyond g's own (MLA's absorbed value projection in decode).
OpTime gemm(const Context& c, double M, double tokens_efficiency, const GemmShape& g, double extra_kernels = 0) {
  OpTime t;
  t.flops = 2 * M * g.params;
  t.compute_s = std::max(t.flops / ((g.kept_wide ? c.kept_wide_peak : c.plan.peak) * (tokens_efficiency * g.width_efficiency)), g.unpack_s);
  t.bytes = g.weight_bytes + M * g.io_values * c.plan.act;
  t.memory_s = memory_seconds(c.hw, t.bytes);
  launched(t, c, g.kernels + extra_kernels);
  return t;
}

OpTime memory_op(const Context& c, double bytes, double kernels = 1) {
  OpTime t;
  t.bytes = bytes;
  t.memory_s = memory_seconds(c.hw, bytes);
  launched(t, c, bytes > 0 ? kernels : 0);
  return t;
}

// The link a collective over `group` devices crosses: scale-up inside a node, else scale-out.
const Link& link_for(const Hardware& hw, std::int64_t group) {
  return group <= hw.scale_up_devices ? hw.scale_up : hw.scale_out;
}

// All-reduce of `bytes` over n devices, alpha-beta model, by the fastest of the algorithms of
// Thakur, Rabenseifner & Gropp 2005 (IJHPCA 19(1) §4.4), as collective libraries choose by size
// (MPICH by message length; NCCL's tuner by each algorithm's predicted time): the ring, 2(n-1)
// steps of bytes/n (Patarasuk & Yuan 2009); recursive doubling, lg n steps of all the bytes
// (short messages); Rabenseifner's reduce-scatter by recursive halving and all-gather by
// recursive doubling, 2 lg n steps moving the ring's bytes. When n is not a power of two, the
// devices beyond the largest power of two p first hand their data to a partner and get the
// result back at the end: two more steps of all the bytes (§4.4).
// When `serving` inside a node whose devices read each other's memory (the profile's
// scale_up.peer_access), engines all-reduce messages up to 8 MiB with kernels of their own:
// one-shot, every device reads its n - 1 peers' buffers in one step; two-shot, a reduce-scatter
// and an all-gather by direct reads, two steps moving the ring's bytes (vLLM's custom
// all-reduce, cross_device_reduce_1stage and _2stage, default max_size 8 MiB; TensorRT-LLM's
// ONESHOT and TWOSHOT). Trainers all-reduce through NCCL.
constexpr double kPeerAllReduceMaxBytes = 8.0 * 1024 * 1024;
OpTime all_reduce(const Hardware& hw, double bytes, std::int64_t n, bool serving = false) {
  OpTime t;
  if (n <= 1 || bytes <= 0) return t;
  const Link& l = link_for(hw, n);
  const auto p = std::bit_floor(static_cast<std::uint64_t>(n));
  const double N = static_cast<double>(n), P = static_cast<double>(p);
  const double lg = std::countr_zero(p), fold = p == static_cast<std::uint64_t>(n) ? 0 : 2;
  const std::array<std::pair<double, double>, 5> steps_and_wire{{
      {2 * (N - 1), bytes * 2 * (N - 1) / N},             // ring
      {lg + fold, bytes * (lg + fold)},                    // recursive doubling
      {2 * lg + fold, bytes * (2 * (P - 1) / P + fold)},  // Rabenseifner
      {1, bytes * (N - 1)},                                // one-shot
      {2, bytes * 2 * (N - 1) / N},                        // two-shot
  }};
  const bool peer = serving && hw.scale_up_peer_access && n <= hw.scale_up_devices && bytes <= kPeerAllReduceMaxBytes;
  t.communication_s = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < (peer ? 5 : 3); ++i) {
    const auto& [steps, wire] = steps_and_wire[i];
    const double s = steps * l.latency_s + wire / (l.bandwidth_bytes_per_s * hw.link_efficiency);
    if (s < t.communication_s) t.communication_s = s, t.bytes = wire;
  }
  finish(t, 0);
  return t;
}

// All-to-all of `bytes` held by each device over n devices: (n-1)/n of it leaves. When the
// group spans nodes, the node-local and remote shares travel at once over their own links
// (hierarchical all-to-all), the slower deciding. Uniform routing sends the node its share
// local/n; with a routing locality F (LocMoE) the node keeps F, of which the device itself
// keeps 1/local, and 1 - F crosses the scale-out link.
OpTime all_to_all(const Hardware& hw, double bytes, std::int64_t n, std::optional<double> node_locality) {
  OpTime t;
  if (n <= 1 || bytes <= 0) return t;
  const double N = static_cast<double>(n);
  const double local = static_cast<double>(std::min(n, hw.scale_up_devices));
  const double eff = hw.link_efficiency;
  const double node_share = node_locality && N > local ? *node_locality : local / N;  // one node: everything stays on it
  const double up_bytes = bytes * node_share * (local - 1) / local, out_bytes = bytes * (1 - node_share);
  const double up_s = up_bytes > 0 ? (local - 1) * hw.scale_up.latency_s + up_bytes / (hw.scale_up.bandwidth_bytes_per_s * eff) : 0;
  const double out_s = out_bytes > 0 ? (N - local) * hw.scale_out.latency_s / local +
                                           out_bytes / (hw.scale_out.bandwidth_bytes_per_s * eff)
                                     : 0;
  t.bytes = up_bytes + out_bytes;
  t.communication_s = std::max(up_s, out_s);
  finish(t, 0);
  return t;
}

[[gnu::always_inline]] inline void add(PhaseTime& p, Op op, const OpTime& t, double times) {
  if (t.time_s == 0 && t.bytes == 0 && t.flops == 0) return;  // an operator this layer does not run (casts in serving)
  OpTime& o = p[op];
  o.time_s += times * t.time_s;
  o.compute_s += times * t.compute_s;
  o.memory_s += times * t.memory_s;
  o.communication_s += times * t.communication_s;
  o.io_s += times * t.io_s;
  o.flops += times * t.flops;
  o.bytes += times * t.bytes;
  o.kernels += times * t.kernels;
  if (t.time_s > 0 && (o.bound == Bound::none || t.time_s * times >= 0.5 * o.time_s)) o.bound = t.bound;
}

// FP8 training casts each narrow GEMM's input from BF16 in a kernel of its own: "the BF16
// activations are read from HBM for quantization, and the quantized FP8 values are written
// back to HBM, only to be read again for MMA" (DeepSeek-V3, arXiv 2412.19437 §3.5.2). Serving
// engines fuse the cast into the kernel that produces the input (vLLM's fused RMSNorm and
// SiLU-and-mul quantisation kernels): nothing is charged there.
OpTime casts(const Context& c, Mode mode, double values) {
  return memory_op(c, mode == Mode::train ? values * c.plan.cast_bytes : 0);
}

// E[1 / eff(1 + Bin(others, q))]: the mean inverse GEMM efficiency a routed copy sees when its
// expert also holds a Bin(others, q) number of the other tokens' copies (each of the others
// picks this expert with probability q, and a token picks an expert at most once).
double mean_inverse_efficiency(const EfficiencyCurve& eff, double others, double q) {
  if (others <= 0 || q <= 0) return 1 / eff.at(1);
  if (q >= 1) return 1 / eff.at(1 + others);
  const double mean = others * q;
  if (mean > 8) {
    // the binomial's normal limit, by 5-point Gauss-Hermite quadrature (probabilists' nodes,
    // weights summing to 1; Abramowitz & Stegun Table 25.10, rescaled)
    static constexpr double z[] = {0, 1.3556261799742659, 2.8569700138728056};
    static constexpr double w[] = {0.5333333333333333, 0.2220759220056126, 0.011257411327720691};
    const double sd = std::sqrt(mean * (1 - q));
    double inverse = w[0] / eff.at(1 + mean);
    for (int i = 1; i < 3; ++i) inverse += w[i] * (1 / eff.at(std::max(1.0, 1 + mean - z[i] * sd)) + 1 / eff.at(1 + mean + z[i] * sd));
    return inverse;
  }
  // The exact sum, outward from the mode by the ratio of neighbouring terms, then normalised
  // (no power of 1 - q underflows), until a term is below 1e-7 of the sum.
  const double odds = q / (1 - q), mode = std::min(std::floor((others + 1) * q), std::floor(others));
  double total = 1, weighted = 1 / eff.at(1 + mode);
  for (double m = mode, p = 1; m < others;) {
    p *= (others - m) / (m + 1) * odds;
    if (p < 1e-7 * total) break;
    ++m;
    total += p;
    weighted += p / eff.at(1 + m);
  }
  for (double m = mode, p = 1; m > 0;) {
    p *= m / (others - m + 1) / odds;
    if (p < 1e-7 * total) break;
    --m;
    total += p;
    weighted += p / eff.at(1 + m);
  }
  return weighted / total;
}

// The routed experts' GEMM efficiency as their copies see it: each expert's GEMM runs at its
// own token count, and routing spreads the copies unevenly. With pi_e the chance that a token
// picks expert e (q = copies / (tokens x experts) under uniform routing; the capped inclusion
// probabilities of the shares under skew), the expert one copy lands in holds
// 1 + Bin(tokens - 1, pi_e) copies, and a copy lands in e with weight pi_e. The experts' time is
// the copies' sum of 1 / efficiency at their expert's count, so the efficiency is the
// copy-weighted harmonic mean sum pi_e / sum pi_e E[1 / eff(1 + Bin(tokens - 1, pi_e))].
// Where eff rises faster than the count (a GEMM leaving its weight-read bound) it is above eff
// at the mean count (Jensen's inequality): layers of 4 tokens per expert on average ran
// 17-22 % faster than eff(4) said (docs/calibration.md).
double expert_tokens_efficiency(const Context& c, double tokens, double k, double copies_here, bool busiest_device) {
  const EfficiencyCurve& eff = c.hw.gemm_by_tokens;
  const double local = c.plan.local_experts;
  if (c.shares.empty()) return 1 / mean_inverse_efficiency(eff, tokens - 1, std::min(1.0, copies_here / (tokens * local)));
  // Skewed: the experts of the device whose copies set the step (the busiest device's under
  // the deployment's placement, or all of them for the mean device).
  const InclusionProbabilities pi = inclusion_probabilities(c.shares, k);
  double picks = 0, weighted = 0;
  auto weigh = [&](std::size_t e) {
    const double p = pi.at(c.shares, e);
    picks += p;
    weighted += p * mean_inverse_efficiency(eff, tokens - 1, p);
  };
  if (busiest_device) for (const std::size_t e : c.busiest_experts) weigh(e);
  else for (std::size_t e = 0; e < c.shares.size(); ++e) weigh(e);
  return weighted > 0 ? picks / weighted : eff.at(1);
}

double distinct_experts(const Context& c, double top_k, double tokens) {
  if (c.shares.empty()) return expected_distinct_experts(c.a.moe.experts, top_k, tokens);
  return expected_distinct_experts(c.shares, top_k, tokens);
}

struct MoeStep {
  double hit_rate = 0;
  double max_over_mean = 1;
  double dropped = 0;
  double distinct = 0;
};

// The attention half of a layer (norms, projections, attention over the context, TP
// all-reduce) for M tokens on this device, Bl sequences at context T, attention `span`;
// `tokens_eff` is gemm_by_tokens at M. Alike in every layer of a span, so computed once.
struct AttentionBlock {
  OpTime norms, qkv, core, output, allreduce, casts;
  double time_s = 0;  // one layer
};

AttentionBlock attention_block(const Context& c, AttentionSpan span, Mode mode, double M, double Bl, double T,
                               double tokens_eff) {
  const LatencyPlan& plan = c.plan;
  const Hardware& hw = c.hw;
  const AttentionConfig& at = c.a.attention;
  const double h = static_cast<double>(c.a.hidden_size);
  const double tp = static_cast<double>(c.d.parallel.tp);
  AttentionBlock b;
  b.norms = memory_op(c, M * plan.attention_norm_values * plan.act, plan.attention_norm_kernels);
  b.qkv = gemm(c, M, tokens_eff, plan.qkv);
  // Attention over the context: KV reads dominate decode, FLOPs dominate prefill.
  OpTime& core = b.core;
  if (mode == Mode::decode) {
    core.flops = M * plan.attention_flops_decode * decode_context(span, at, T) / tp;
    core.bytes = Bl * cached_tokens(span, at, T) * plan.kv_bytes_per_token;
    core.compute_s = core.flops / (c.kept_wide_peak * plan.decode_attention_efficiency);
  } else {
    core.flops = M * plan.attention_flops_prefill * mean_prefill_context(span, at, T) / tp;
    core.bytes = M * plan.kv_bytes_per_token + M * plan.attention_out_bytes;
    core.compute_s = core.flops / (c.kept_wide_peak * (tokens_eff * plan.attention_width_efficiency));
  }
  core.memory_s = memory_seconds(hw, core.bytes);
  launched(core, c, 1);
  // MLA's absorbed decode applies the value up-projection to the latent output in a batched
  // GEMM of its own before o_proj (DeepSeek-V2, arXiv 2405.04434 §2.1.2; vLLM's MLA backend)
  const bool absorbed = mode == Mode::decode && at.kind == AttentionKind::mla;
  b.output = gemm(c, M, tokens_eff, plan.output, absorbed ? 1 : 0);
  b.allreduce = all_reduce(hw, M * h * plan.act, c.d.parallel.tp, mode != Mode::train);  // after attention and after the FFN
  b.casts = casts(c, mode, M * plan.attention_cast_values);
  b.time_s = b.norms.time_s + b.qkv.time_s + core.time_s + b.output.time_s + 2 * b.allreduce.time_s + b.casts.time_s;
  return b;
}

// The Mamba half of a layer (norms, the four projections, conv1d and selective scan, TP
// all-reduces) for M tokens on this device, Bl sequences at context T. d_inner is split tp
// ways as vLLM's MambaMixer splits it (in_proj and dt_proj by columns, x_proj and out_proj by
// rows, so x_proj's dt, B and C are all-reduced too).
struct MambaBlock {
  OpTime norms, scan, allreduce, x_allreduce, casts;
  std::array<OpTime, 4> projections;
  double time_s = 0;  // one layer
};

MambaBlock mamba_block(const Context& c, Mode mode, double M, double Bl, double T, double tokens_eff) {
  const LatencyPlan& plan = c.plan;
  const Hardware& hw = c.hw;
  const double h = static_cast<double>(c.a.hidden_size);
  MambaBlock b;
  b.norms = memory_op(c, M * plan.mamba_norm_values * plan.act, plan.mamba_norm_kernels);
  b.projections = {gemm(c, M, tokens_eff, plan.mamba_in), gemm(c, M, tokens_eff, plan.mamba_x),
                   gemm(c, M, tokens_eff, plan.mamba_dt), gemm(c, M, tokens_eff, plan.mamba_out)};
  // The scan runs element-wise in fp32 (Gu & Dao 2023 §3.3.2), not on matrix units. Decode
  // reads each sequence's conv and SSM state and writes it back: memory-bound. Prefill and
  // training run the chunked scan, which keeps the state on chip and writes it once per chunk
  // (mamba_ssm's selective_scan kernel), plus the final conv state.
  OpTime& scan = b.scan;
  scan.flops = M * plan.mamba_mixing_flops;
  const double state_bytes = mode == Mode::decode ? 2 * (plan.conv_state_bytes + plan.ssm_state_bytes)
                                                  : std::ceil(T / kScanChunkTokens) * plan.ssm_state_bytes + plan.conv_state_bytes;
  scan.bytes = M * plan.mamba_scan_io_bytes + Bl * state_bytes;
  scan.compute_s = scan.flops / plan.scan_peak;
  scan.memory_s = memory_seconds(hw, scan.bytes);
  launched(scan, c, 2);  // causal_conv1d, then selective_scan (mamba_ssm; vLLM's MambaMixer)
  b.allreduce = all_reduce(hw, M * h * plan.act, c.d.parallel.tp, mode != Mode::train);  // after the mixer and after the FFN
  b.x_allreduce = all_reduce(hw, M * plan.mamba_x_values * plan.act, c.d.parallel.tp, mode != Mode::train);
  b.casts = casts(c, mode, M * plan.mamba_cast_values);
  b.time_s = b.norms.time_s + scan.time_s + 2 * b.allreduce.time_s + b.x_allreduce.time_s + b.casts.time_s;
  for (const OpTime& t : b.projections) b.time_s += t.time_s;
  return b;
}

// The FFN half of the layers of shape `s`, whose mixer half takes `mixer_time_s` per layer:
// adds `s.layers` copies of each operator to `out`.
MoeStep ffn_block(const Context& c, PhaseTime& out, const LayerShape& s, double mixer_time_s, Mode mode, double M,
                  double Bl, double T, double tokens_eff) {
  const Architecture& a = c.a;
  const LatencyPlan& plan = c.plan;
  const Hardware& hw = c.hw;
  const double h = static_cast<double>(a.hidden_size);
  const double tp = static_cast<double>(c.d.parallel.tp);
  const double times = s.layers;
  double layer_time = mixer_time_s;  // one layer of this group, for the prefetch overlap below
  auto put = [&](Op op, const OpTime& t) {
    add(out, op, t, times);
    layer_time += t.time_s;
  };
  // The activation function between an FFN's GEMMs is a kernel of its own (Megatron-LM's
  // fused bias-SwiGLU, vLLM's silu_and_mul): it reads the up (and gate) outputs and writes
  // their product.
  auto activation = [&](double values) { put(Op::elementwise, memory_op(c, values * plan.act)); };
  MoeStep step;
  if (s.ffn == LayerFfn::dense) {
    put(Op::dense_ffn, gemm(c, M, tokens_eff, plan.dense_ffn));
    activation(M * plan.dense_activation_values);
    put(Op::elementwise, casts(c, mode, M * plan.dense_cast_values));
    return step;
  }

  const MoeConfig& m = a.moe;
  const double E = static_cast<double>(m.experts);
  // Routing slots per token: K for token choice (null-expert slots excluded).
  const double k = experts_per_token(m, mode == Mode::decode ? Bl : T) * c.real_slots;
  put(Op::router, gemm(c, M, tokens_eff, plan.router));
  // The softmax (or sigmoid) and top-k over the router's logits, in fp32 (DeepSeek-V3 §3.3.1
  // keeps the gating in its original precision; Megatron-LM's router computes in fp32): the
  // logits read, each slot's weight and expert index written.
  put(Op::router, memory_op(c, M * (plan.router_logits + 2 * k) * 4));
  if (m.shared_experts > 0) {
    put(Op::shared_experts, gemm(c, M, tokens_eff, plan.shared_experts));
    activation(M * plan.shared_activation_values);
  }

  // Routed experts. The EP group sees the tokens of ep/tp replicas; with ep = 1 each expert
  // is split tp ways instead (expert tensor parallelism).
  const std::int64_t ep = c.d.parallel.ep;
  const double group_tokens = M * std::max(1.0, static_cast<double>(ep) / tp);
  const double copies = group_tokens * k;
  const DeviceLoad load = expected_device_load(m.experts, c.shares, copies, ep, c.d.capacity_factor, c.busiest_experts);
  step.max_over_mean = load.mean > 0 ? load.expected_max / load.mean : 1;
  step.dropped = load.dropped_fraction;
  // Weights read: the distinct experts the group's tokens touch, shared over the EP devices
  // (REFERENCE.md §3: not all experts at batch 1, not only K at large batch).
  step.distinct = m.router == RouterKind::soft_moe ? E : distinct_experts(c, k, group_tokens);
  // The step waits for the busiest device (c.busiest_experts under the deployment's
  // placement): its reads as well as its FLOPs. Uniform routing: every device alike.
  const bool busiest_reads = ep > 1 && !c.shares.empty() && m.router != RouterKind::soft_moe && c.d.expert_reads == ExpertReads::busiest;
  const double touched_here =
      std::min(plan.local_experts, busiest_reads ? expected_distinct_experts(c.shares, k, group_tokens, c.busiest_experts)
                                                 : step.distinct / static_cast<double>(ep));
  OpTime experts;
  experts.flops = load.expected_max * plan.expert_flops_per_copy;
  // Soft MoE (every expert sees every slot) at the mean count of the touched experts.
  const double expert_tokens_eff = m.router == RouterKind::soft_moe ? hw.gemm_by_tokens.at(load.expected_max / std::max(touched_here, 1.0))
                                                                    : expert_tokens_efficiency(c, group_tokens, k, load.expected_max, busiest_reads);
  experts.compute_s = std::max(experts.flops / (plan.peak * (expert_tokens_eff * plan.expert_width_efficiency)),
                               touched_here * plan.expert_unpack_s / plan.expert_split);
  experts.bytes = touched_here * plan.expert_bytes / plan.expert_split + load.expected_max * plan.expert_io_values * plan.act;
  experts.memory_s = memory_seconds(hw, experts.bytes);
  // two grouped GEMMs, gate-and-up then down, the activation between them (vLLM's fused_moe;
  // Megatron-LM's GroupedMLP)
  launched(experts, c, 2);
  put(Op::routed_experts, experts);
  activation(load.expected_max * plan.expert_activation_values);
  put(Op::elementwise, casts(c, mode, M * plan.shared_cast_values + load.expected_max * plan.expert_cast_values));

  // Permute to the experts and back; all-to-all when the experts live on other devices.
  const double sent = M / std::min(tp, static_cast<double>(ep)) * k * h * plan.act;
  OpTime dispatch = memory_op(c, 2 * M * k * h * plan.act), combine = dispatch;
  if (ep > 1) {
    const OpTime wire = all_to_all(hw, sent, ep, c.d.node_locality);
    dispatch.communication_s = combine.communication_s = wire.communication_s;
    dispatch.bytes += wire.bytes;
    combine.bytes += wire.bytes;
    launched(dispatch, c, dispatch.kernels);
    launched(combine, c, combine.kernels);
  }
  put(Op::dispatch, dispatch);
  put(Op::combine, combine);

  // Offloaded experts: misses of the per-layer cache are fetched before they run; a fraction
  // predicted one layer ahead overlaps the previous layer's compute (EdgeMoE §4.2).
  const Offload& off = c.d.offload;
  if (off.target != OffloadTarget::none && mode != Mode::train) {
    // Decode: each token's experts hit the cache at its steady-state rate. Prefill: the prompt
    // touches `distinct` experts per layer and every one not resident is fetched once.
    step.hit_rate = mode == Mode::decode ? plan.cache_hit_rate
                                         : std::min(1.0, off.cache_experts_per_layer / std::max(step.distinct, 1.0));
    const double misses = mode == Mode::decode ? step.distinct * (1 - step.hit_rate)
                                               : std::max(0.0, step.distinct - off.cache_experts_per_layer);
    OpTime io;
    io.bytes = misses * plan.expert_bytes;
    if (off.target == OffloadTarget::host) {
      io.io_s = misses * hw.host_link.latency_s + io.bytes / (hw.host_link.bandwidth_bytes_per_s * hw.link_efficiency);
    } else {  // experts of a MiB or more stream at the sequential rate
      const double bw = plan.expert_bytes >= 1048576.0 ? hw.storage_sequential_read_bytes_per_s
                                                       : hw.storage_random_read_bytes_per_s;
      io.io_s = io.bytes / bw;
    }
    const double predicted = off.prefetch_accuracy * io.io_s;
    io.io_s = (io.io_s - predicted) + std::max(0.0, predicted - layer_time);
    finish(io, 0);
    put(Op::expert_io, io);
  }
  return step;
}

// All layers of the model for M tokens on one device (pipeline stages run one after the
// other for a single batch), plus embedding and head.
// Fills `time` (zeroed by the caller) and returns the MoE layers' routing figures.
MoeStep run_phase(const Context& c, Mode mode, double M, double Bl, double T, PhaseTime& time) {
  const LatencyPlan& plan = c.plan;
  const double h = static_cast<double>(c.a.hidden_size);
  add(time, Op::embedding, memory_op(c, M * h * c.a.precision.embedding.bytes_per_value()), 1);
  const double tokens_eff = c.hw.gemm_by_tokens.at(M);  // every weight GEMM of the layers sees M tokens
  // The attention half of every layer of a span is alike: computed and added once per span.
  std::array<AttentionBlock, 3> blocks;
  std::array<double, 3> span_layers{};
  for (std::size_t i = 0; i < plan.layer_count; ++i)
    if (plan.layer[i].mixer == LayerMixer::attention) span_layers[static_cast<std::size_t>(plan.layer[i].span)] += plan.layer[i].layers;
  for (std::size_t span = 0; span < blocks.size(); ++span) {
    const double n = span_layers[span];
    if (n == 0) continue;
    const AttentionBlock& b = blocks[span] = attention_block(c, static_cast<AttentionSpan>(span), mode, M, Bl, T, tokens_eff);
    add(time, Op::norms, b.norms, n);
    add(time, Op::qkv_projection, b.qkv, n);
    add(time, Op::attention, b.core, n);
    add(time, Op::output_projection, b.output, n);
    add(time, Op::elementwise, b.casts, n);
    if (c.d.parallel.tp > 1) add(time, Op::tp_allreduce, b.allreduce, 2 * n);
  }
  MambaBlock mamba;  // alike in every Mamba layer
  if (plan.mamba_layers > 0) {
    const double n = plan.mamba_layers;
    mamba = mamba_block(c, mode, M, Bl, T, tokens_eff);
    add(time, Op::norms, mamba.norms, n);
    for (const OpTime& t : mamba.projections) add(time, Op::mamba_projections, t, n);
    add(time, Op::mamba_scan, mamba.scan, n);
    add(time, Op::elementwise, mamba.casts, n);
    if (c.d.parallel.tp > 1) {
      add(time, Op::tp_allreduce, mamba.allreduce, 2 * n);
      add(time, Op::tp_allreduce, mamba.x_allreduce, n);
    }
  }
  MoeStep moe;
  for (std::size_t i = 0; i < plan.layer_count; ++i) {
    const LayerShape& s = plan.layer[i];
    const double mixer_time_s = s.mixer == LayerMixer::mamba ? mamba.time_s : blocks[static_cast<std::size_t>(s.span)].time_s;
    const MoeStep step = ffn_block(c, time, s, mixer_time_s, mode, M, Bl, T, tokens_eff);
    if (s.ffn == LayerFfn::moe) moe = step;
  }
  const double head_tokens = mode == Mode::train ? M : Bl;  // inference: logits of the last position
  const double head_eff = head_tokens == M ? tokens_eff : c.hw.gemm_by_tokens.at(head_tokens);
  add(time, Op::lm_head, gemm(c, head_tokens, head_eff, plan.lm_head), 1);
  const std::int64_t pp = c.d.parallel.pp;
  if (pp > 1) {
    OpTime p2p;
    p2p.bytes = M * h * plan.act;
    const Link& l = link_for(c.hw, c.d.parallel.devices());  // stages are tp * dp devices apart
    p2p.communication_s = l.latency_s + p2p.bytes / (l.bandwidth_bytes_per_s * c.hw.link_efficiency);
    finish(p2p, 0);
    add(time, Op::pipeline_p2p, p2p, static_cast<double>(pp - 1));
  }
  for (const OpTime& t : time.op) time.total_s += t.time_s;
  return moe;
}

// A serving pass of Bl sequences, M tokens, under two-batch overlap
// (Deployment::two_batch_overlap): two micro-batches of Bl/2 sequences whose
// compute stream and all-to-all interleave: the pass takes 2 x max(compute, wire) of one
// micro-batch, the wire being dispatch's and combine's communication and the compute stream
// everything else (their permutes included). The operators hold both micro-batches' work;
// dispatch's and combine's time is their compute-stream part and their share of the wire
// left exposed, so that the operators add up to the pass (their communication_s is all of it).
MoeStep overlapped_phase(const Context& c, Mode mode, double M, double Bl, double T, PhaseTime& time) {
  PhaseTime half;
  const MoeStep step = run_phase(c, mode, M / 2, Bl / 2, T, half);
  auto on_wire = [](Op op) { return op == Op::dispatch || op == Op::combine; };
  auto compute_part = [](const OpTime& t) { return t.time_s - std::max(0.0, t.communication_s - t.memory_s); };  // the permute and its overhead
  double wire = 0, compute = 0;
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const OpTime& t = half.op[k];
    wire += on_wire(static_cast<Op>(k)) ? t.communication_s : 0;
    compute += on_wire(static_cast<Op>(k)) ? compute_part(t) : t.time_s;
    add(time, static_cast<Op>(k), t, 2);
  }
  const double exposed = 2 * std::max(0.0, wire - compute);
  for (const Op op : {Op::dispatch, Op::combine}) {
    const OpTime& t = half[op];
    if (t.time_s == 0) continue;
    time[op].time_s = 2 * compute_part(t) + (wire > 0 ? exposed * t.communication_s / wire : 0);
    if (exposed == 0) time[op].bound = t.memory_s >= compute_part(t) - t.memory_s ? Bound::memory : Bound::overhead;
  }
  time.total_s = 2 * std::max(compute, wire);
  return step;
}

// One serving pass (prefill or decode step): the device's work (run_phase, or overlapped_phase
// under two-batch overlap), then the engine's host work for the pass, which no kernel overlaps
// (Hardware::pass_overhead_s; once per pass, however many micro-batches or stages it has).
MoeStep serve_phase(const Context& c, Mode mode, double M, double Bl, double T, PhaseTime& time) {
  const MoeStep step = c.d.two_batch_overlap && Bl >= 2 ? overlapped_phase(c, mode, M, Bl, T, time) : run_phase(c, mode, M, Bl, T, time);
  if (c.hw.pass_overhead_s > 0) {
    OpTime host;
    finish(host, c.hw.pass_overhead_s);
    add(time, Op::pass_overhead, host, 1);
    time.total_s += host.time_s;
  }
  return step;
}

// Reasons that depend on the architecture, device and deployment only.
Infeasible check(const Architecture& a, const Hardware& hw, const Deployment& d, double peak) {
  const Parallelism& p = d.parallel;
  const bool any_moe = a.moe.experts > 0;
  if (p.tp < 1 || p.ep < 1 || p.pp < 1 || p.dp < 1) return Infeasible::ep_exceeds_devices;
  if (any_moe && a.moe.experts % p.ep != 0) return Infeasible::ep_not_dividing_experts;
  if (p.ep > 1 && (p.tp * p.dp) % p.ep != 0) return Infeasible::ep_exceeds_devices;
  if (a.attention.heads % p.tp != 0) return Infeasible::tp_not_dividing_heads;
  const bool any_mamba = std::any_of(a.layers.begin(), a.layers.end(), [](const LayerConfig& l) { return l.mixer == LayerMixer::mamba; });
  if (any_mamba && (a.mamba.expand * a.hidden_size) % p.tp != 0) return Infeasible::tp_not_dividing_mamba;
  if (p.pp * p.virtual_stages > static_cast<std::int64_t>(a.layers.size())) return Infeasible::pp_exceeds_layers;
  if (!(peak > 0) || hw.memory_bandwidth_bytes_per_s <= 0) return Infeasible::no_compute;
  // Devices that work together need the link between them (link_for): inside a node the
  // scale-up link, across nodes the scale-out one. A missing link is not a free one.
  const std::int64_t devices = p.tp * p.pp * p.dp;
  if (devices > 1 && !(link_for(hw, devices).bandwidth_bytes_per_s > 0)) return Infeasible::no_link;
  if (d.offload.target != OffloadTarget::none && !any_moe) return Infeasible::offload_without_moe;
  // A missing device property is never free: no link or no storage, no offloading there.
  if (d.offload.target == OffloadTarget::host && !(hw.host_link.bandwidth_bytes_per_s > 0)) return Infeasible::no_offload_path;
  if (d.offload.target == OffloadTarget::storage &&
      !(hw.storage_sequential_read_bytes_per_s > 0 && hw.storage_random_read_bytes_per_s > 0))
    return Infeasible::no_offload_path;
  return Infeasible::none;
}

// Values an FFN's activation kernel reads and writes per token at `width` on this device:
// SwiGLU/GeGLU read gate and up and write their product (Shazeer 2020, arXiv 2002.05202);
// GELU/ReLU read and write one.
double activation_values(const FfnConfig& f, double width) { return (f.activation == FfnActivation::glu ? 3 : 2) * width; }

// Seconds to unpack one byte of weights stored in `weights` to the compute format: 0 where
// the weights are no narrower than the activations (nothing to unpack); `missing` is set where
// the profile has no rate for them (a missing device property is never free). A GEMM unpacks
// its weights once (in panels that stay in cache, reused by all its tokens), and the unpacking
// overlaps its multiplies and its weight reads: GPU kernels pipeline the three (Marlin,
// Frantar et al. 2024, arXiv 2408.11743), and a CPU core unpacks one panel while the loads of
// the next are in flight. So the GEMM's compute time is the longer of the multiplies and the
// unpacking, not their sum.
struct Unpacking {
  const Hardware& hw;
  Element activations;
  bool missing = false;
  double seconds_per_byte(const NumberFormat& weights) {
    if (element_bits(weights.element) >= element_bits(activations)) return 0;
    const double rate = hw.dequantize_bytes_per_s[static_cast<std::size_t>(weights.element)];
    missing |= !(rate > 0);
    return rate > 0 ? 1 / rate : 0;
  }
};

// A weight GEMM of `params` on this device stored in `format`, whose smaller weight dimension
// is `width`.
GemmShape gemm_shape(Unpacking& u, double params, const NumberFormat& format, double width, double io_values) {
  const double bytes = params * format.bytes_per_value();
  return {params, bytes, io_values, u.hw.gemm_by_width.at(width), false, bytes * u.seconds_per_byte(format)};
}

// The Mamba layers' shapes on one device, d_inner split tp ways (mamba_block).
void plan_mamba(LatencyPlan& plan, const Architecture& a, const Hardware& hw, Unpacking& u, double tp) {
  const MambaConfig& m = a.mamba;
  const double h = static_cast<double>(a.hidden_size);
  const double di = mamba_d_inner(a) / tp;
  const double r = static_cast<double>(m.dt_rank);
  const double x_out = r + 2 * static_cast<double>(m.d_state);  // dt, B and C
  const NumberFormat& f = a.precision.mamba;
  plan.mamba_in = gemm_shape(u, h * 2 * di, f, std::min(h, 2 * di), h + 2 * di);
  plan.mamba_x = gemm_shape(u, di * x_out, f, std::min(di, x_out), di + x_out);
  plan.mamba_dt = gemm_shape(u, r * di, f, std::min(r, di), r + di);
  plan.mamba_out = gemm_shape(u, di * h, f, std::min(di, h), di + h);
  plan.mamba_x_values = x_out;
  // the two residual norms over h, and Jamba's RMSNorms on dt, B and C (x_proj's all-reduced
  // output, whole on every device), each read and written
  plan.mamba_norm_kernels = m.inner_norms ? 5 : 2;
  plan.mamba_norm_values = 2 * (2 * h + (m.inner_norms ? x_out : 0));
  plan.mamba_cast_values = h + di + r + di;  // the inputs of in_proj, x_proj, dt_proj, out_proj
  plan.mamba_mixing_flops = mamba_mixing_flops_per_token(a) / tp;
  plan.mamba_scan_io_bytes = mamba_scan_io_values(a) / tp * plan.act;
  plan.conv_state_bytes = mamba_conv_state_bytes(a) / tp;
  plan.ssm_state_bytes = mamba_ssm_state_bytes(a) / tp;
  // the device's fp32 vector peak; a profile without one runs it at the activations' peak
  const double fp32 = peak_flop_per_s(hw, ComputeFormat::fp32);
  plan.scan_peak = fp32 > 0 ? fp32 : plan.peak;
}

LatencyPlan make_plan(const Architecture& a, const Hardware& hw, const Deployment& d, std::span<const double> shares) {
  LatencyPlan plan;
  plan.act = a.precision.activations.bytes_per_value();
  const ComputeFormat compute = compute_format_for(a.precision.activations);
  plan.peak = peak_flop_per_s(hw, compute);
  // FP8 (and narrower) training keeps attention, the router and the output head in BF16
  // (DeepSeek-V3, arXiv 2412.19437 §3.3.1): at the bf16 peak where the device has one.
  const bool narrow = compute == ComputeFormat::fp8 || compute == ComputeFormat::int8 || compute == ComputeFormat::fp4 ||
                      compute == ComputeFormat::int4;
  const double bf16 = peak_flop_per_s(hw, ComputeFormat::bf16);
  plan.wide_peak = narrow && bf16 > 0 ? std::min(bf16, plan.peak) : plan.peak;
  // the casts to the narrow format (casts()): BF16 read, the narrow value written
  plan.cast_bytes = plan.wide_peak < plan.peak ? 2 + plan.act : 0;
  plan.infeasible = check(a, hw, d, plan.peak);
  if (plan.infeasible != Infeasible::none) return plan;

  const AttentionConfig& at = a.attention;
  const Precision& pr = a.precision;
  const Parallelism& p = d.parallel;
  const double h = static_cast<double>(a.hidden_size);
  const double V = static_cast<double>(a.vocab_size);
  const double tp = static_cast<double>(p.tp), pp = static_cast<double>(p.pp), ep = static_cast<double>(p.ep);
  const bool mla = at.kind == AttentionKind::mla;

  // ---- attention
  const double head_out = static_cast<double>(at.heads) * static_cast<double>(mla ? at.v_head_dim : at.head_dim);
  const double o_params = head_out * h;
  const double qkv_params = attention_params(a).matmul - o_params;
  Unpacking unpacking{hw, pr.activations.element};
  plan.qkv = gemm_shape(unpacking, qkv_params / tp, pr.attention, std::min(h, qkv_params / h / tp), h + qkv_params / h / tp);
  plan.output = gemm_shape(unpacking, o_params / tp, pr.attention, std::min(h, head_out / tp), h + head_out / tp);
  plan.kv_split = mla ? 1 : std::min(tp, static_cast<double>(at.kv_heads));  // MLA's latent is not split
  // The launches of the q/k/v path as serving engines and Megatron-LM run it: one fused QKV
  // GEMM; MLA's three: q_a and kv_a fused (or q and kv_a), q_b, and kv_b (prefill, training)
  // or its absorbed key half (decode) (DeepSeek-V2, arXiv 2405.04434 §2.1.2; vLLM's
  // DeepseekV2MLAAttention).
  plan.qkv.kernels = mla ? 3 : 1;
  // Norms, each a kernel reading and writing its values: the residual norms before attention
  // and the FFN (over h, each fused with its residual addition: vLLM's fused_add_rms_norm),
  // q and k norms (Qwen3 per head, OLMoE over all heads: the device's q and k values), and
  // MLA's norms of the compressed q and kv latents (DeepSeek-V2 §2.1.2, Eq. 9 and 12; the
  // latents are whole on every device).
  const double q_values = static_cast<double>(at.heads * at.head_dim) / tp;
  const double k_values = static_cast<double>(at.kv_heads * at.head_dim) / plan.kv_split;
  const bool qk_norms = at.qk_norm != QkNorm::none;
  const double latent_norms = mla ? (at.q_lora_rank > 0 ? 2 : 1) : 0;
  plan.attention_norm_kernels = 2 + (qk_norms ? 2 : 0) + latent_norms;
  plan.attention_norm_values = 2 * (2 * h + (qk_norms ? q_values + k_values : 0) +
                                    (mla ? static_cast<double>(at.q_lora_rank + at.kv_lora_rank) : 0));
  plan.attention_flops_prefill = attention_flops_per_key(at, false);
  plan.attention_flops_decode = attention_flops_per_key(at, true);
  plan.kv_bytes_per_token = kv_values_per_token(at) * pr.kv_cache.bytes_per_value() / plan.kv_split;
  plan.attention_out_bytes = 2 * head_out / tp * plan.act;
  // inputs of the projections: h, MLA's latents (q_b and kv_b read them whole), the heads' output
  plan.attention_cast_values = h + (mla ? static_cast<double>(at.q_lora_rank + at.kv_lora_rank) : 0) + head_out / tp;
  // Prefill attention GEMMs have no weight dimension. Decode attention is a weight GEMM in
  // all but name: each sequence's cache, streamed once, is multiplied by the queries sharing
  // it: the H/g query heads of a KV group (GQA) or all H heads over MLA's shared latent
  // (tokens), and its narrow side is a head's width (d, or MLA's latent + rope width).
  plan.attention_width_efficiency = hw.gemm_by_width.at(1e30);
  const double decode_rows = mla ? static_cast<double>(at.heads) : static_cast<double>(at.heads / std::max<std::int64_t>(at.kv_heads, 1));
  const double cache_width = mla ? static_cast<double>(at.kv_lora_rank + at.qk_rope_head_dim) : static_cast<double>(at.head_dim);
  plan.decode_attention_efficiency = hw.decode_attention_by_group.size ? hw.decode_attention_by_group.at(decode_rows)
                                                                      : hw.gemm_by_tokens.at(decode_rows) * hw.gemm_by_width.at(cache_width);

  // ---- FFNs
  const FfnConfig& f = a.dense_ffn;
  const double dense_w = static_cast<double>(f.width) / tp;
  if (a.dense_ffn.width > 0) {
    plan.dense_ffn = gemm_shape(unpacking, ffn_params(h, f).matmul / tp, pr.dense_ffn, std::min(h, dense_w), 2 * h + 2 * dense_w);
    // up (gate and up fused for a GLU: Megatron-LM's linear_fc1, vLLM's
    // MergedColumnParallelLinear), then down
    plan.dense_ffn.kernels = 2;
    plan.dense_activation_values = activation_values(f, dense_w);
    plan.dense_cast_values = h + dense_w;
  }
  const MoeConfig& m = a.moe;
  const double E = static_cast<double>(m.experts);
  if (m.experts > 0) {
    const double router_weights = router_params(h, m).matmul;
    plan.router = gemm_shape(unpacking, router_weights, pr.router, std::min(h, E), h + E);
    plan.router_logits = router_weights / h;
    plan.router.kept_wide = true;
    const double w = static_cast<double>(m.shared_experts * m.shared_expert_width) / tp;
    if (m.shared_experts > 0) {
      plan.shared_experts = gemm_shape(unpacking, shared_expert_params(h, m).matmul / tp, pr.shared_experts, std::min(h, w), 2 * h + 2 * w);
      plan.shared_experts.kernels = m.shared_expert_gate ? 3 : 2;  // as the dense FFN's, and Qwen2-MoE's h x 1 gate
    }
    plan.shared_activation_values = activation_values(m.expert, w);
    plan.shared_cast_values = m.shared_experts > 0 ? h + w : 0;
    plan.expert_split = p.ep == 1 ? tp : 1;
    const double expert_width = static_cast<double>(m.expert.width) / plan.expert_split;
    plan.expert_flops_per_copy = 2 * ffn_params(h, m.expert).matmul / plan.expert_split;
    plan.expert_io_values = 2 * h + 2 * expert_width;
    plan.expert_width_efficiency = hw.gemm_by_width.at(std::min(h, expert_width));
    plan.expert_activation_values = activation_values(m.expert, expert_width);
    plan.expert_cast_values = h + expert_width;
    plan.local_experts = E / ep;
  }
  const LayerGroups groups = group_layers(a);
  for (std::size_t i = 0; i < groups.size; ++i) {
    const LayerGroup& g = groups.group[i];
    LayerShape& s = plan.layer[plan.layer_count++];
    s.mixer = g.mixer;
    s.ffn = g.ffn;
    s.span = g.span;
    s.layers = static_cast<double>(g.layers);
    if (g.ffn == LayerFfn::moe) plan.moe_layers += s.layers;
    if (g.mixer == LayerMixer::mamba) plan.mamba_layers += s.layers;
  }
  if (plan.mamba_layers > 0) plan_mamba(plan, a, hw, unpacking, tp);
  plan.lm_head = gemm_shape(unpacking, h * V / tp, pr.lm_head, std::min(h, V / tp), h + V / tp);
  plan.lm_head.kept_wide = true;

  // ---- weights: per device, and one routed expert (per-expert formats averaged in)
  plan.params = count_params(a, groups);
  plan.weights = weight_bytes(a, plan.params);
  plan.weights_bytes = plan.weights.sum();
  const double routed_bytes = plan.weights[C::routed_experts];
  if (plan.moe_layers > 0) {
    plan.expert_bytes = routed_bytes / (plan.moe_layers * E);
    plan.expert_unpack_s = sum_over_routed_experts(a, [&](const NumberFormat& f) { return f.bytes_per_value() * unpacking.seconds_per_byte(f); }) /
                           (plan.moe_layers * E);
  }
  if (unpacking.missing) {
    plan.infeasible = Infeasible::no_dequantization;
    return plan;
  }
  const double routed_split = p.ep > 1 ? ep : tp;
  double resident_routed = routed_bytes / (pp * routed_split);
  if (d.offload.target != OffloadTarget::none) {
    const double per_expert = routed_bytes / std::max(1.0, E);
    resident_routed = std::min(resident_routed, d.offload.cache_experts_per_layer * per_expert / pp);
    plan.cache_hit_rate = cache_hit_rate(m.experts, shares, d.offload.cache_experts_per_layer, d.offload.policy);
    // Offloaded to the host, every expert lives in its memory (one host per device assumed).
    if (d.offload.target == OffloadTarget::host && routed_bytes / (pp * routed_split) > hw.host_memory_bytes)
      plan.infeasible = Infeasible::host_memory;
  }
  plan.resident_weights_bytes = (plan.weights_bytes - routed_bytes) / (tp * pp) + resident_routed;
  return plan;
}

// The activations one device keeps for backward under the 1F1B schedules, before the dp and
// tp splits: the replica's batch runs as m micro-batches, and the first stage holds pp of
// them in flight over its L/pp layers (Narayanan et al. 2021, arXiv 2104.04473 §2.2.1;
// Korthikanti et al. 2022, arXiv 2205.05198 §4.2.3: pp micro-batches, whatever m), the
// interleaved schedule with v chunks per device pp (1 + (pp - 1)/(pp v)) (Korthikanti §4.2.3;
// Megatron-LM's warm-up of 2(pp - 1) + (v - 1) pp chunk forwards, each of L/(pp v) layers),
// never more than the m there are. The last stage adds the head's inputs and logits of its
// one micro-batch. Without a pipeline, gradient accumulation keeps one micro-batch. The
// busier of the first and last stage counts. GPipe (Huang et al. 2019 §2.3) runs all m
// forwards first: every stage holds all m micro-batches, the last one their logits too.
double activations_in_flight(const MemoryUse& train, const Parallelism& p) {
  const double pp = static_cast<double>(p.pp), v = static_cast<double>(p.virtual_stages);
  const double m = static_cast<double>(std::max<std::int64_t>(p.microbatches, 1));
  const double layers = train.activation_bytes - train.activation_head_bytes;  // all layers, whole batch
  const bool gpipe = p.schedule == PipelineSchedule::gpipe && p.pp > 1;
  const double held = gpipe ? m : v > 1 ? pp + (pp - 1) / v : pp;
  const double first = layers / pp * std::min(held, m) / m;
  const double last = (layers / pp + train.activation_head_bytes) / (gpipe ? 1 : m);
  return std::max(first, last);
}

}  // namespace

std::string_view to_string(Op op) {
  static constexpr std::string_view names[kOpCount] = {
      "embedding", "norms",          "qkv_projection", "attention", "output_projection", "mamba_projections",
      "mamba_scan", "router",
      "dispatch",  "routed_experts", "shared_experts", "combine",   "dense_ffn",         "elementwise", "lm_head",
      "tp_allreduce", "pipeline_p2p", "expert_io",     "pass_overhead", "optimizer", "dp_allreduce"};
  return names[static_cast<std::size_t>(op)];
}

std::string_view to_string(Bound b) {
  static constexpr std::string_view names[] = {"none", "compute", "memory", "communication", "io", "overhead"};
  return names[static_cast<std::size_t>(b)];
}

std::string_view to_string(Infeasible r) {
  switch (r) {
    case Infeasible::none: return "";
    case Infeasible::memory: return "does not fit in device memory";
    case Infeasible::ep_not_dividing_experts: return "ep does not divide the number of experts";
    case Infeasible::ep_exceeds_devices: return "ep must divide tp * dp (and every degree must be at least 1)";
    case Infeasible::tp_not_dividing_heads: return "tp does not divide the attention heads";
    case Infeasible::pp_exceeds_layers: return "pp (times the virtual stages) exceeds the number of layers";
    case Infeasible::no_compute: return "the device has no compute peak for the activation format, or no memory bandwidth";
    case Infeasible::offload_without_moe: return "expert offloading needs MoE layers";
    case Infeasible::no_offload_path: return "the profile has no path for the offloaded experts (host: no host link; storage: no storage read rates)";
    case Infeasible::host_memory: return "the experts offloaded to the host exceed its memory (host_memory)";
    case Infeasible::no_link: return "the profile has no link between the devices (scale_up inside a node, scale_out across nodes)";
    case Infeasible::dp_not_dividing_batch: return "dp times the micro-batches does not divide the training batch";
    case Infeasible::tp_not_dividing_mamba: return "tp does not divide the Mamba inner width (expand * hidden_size)";
    case Infeasible::no_dequantization:
      return "the weights are stored narrower than the activations, and the profile has no rate to unpack their format (efficiency.dequantization)";
  }
  return "?";
}

std::vector<double> routing_shares(const Architecture& arch, const Deployment& d) {
  if (arch.moe.experts <= 0 || !d.routing.skewed()) return {};
  return expert_shares(arch.moe.experts, d.routing);
}

namespace {

// The busiest expert-parallel device's experts under skewed routing; none when ep does not
// divide the experts (make_plan's check makes that design infeasible).
std::vector<std::size_t> busiest_experts(std::span<const double> shares, const Deployment& d) {
  const std::int64_t ep = d.parallel.ep;
  if (ep <= 1 || shares.empty() || shares.size() % static_cast<std::size_t>(ep) != 0) return {};
  return busiest_device_experts(shares, ep, d.expert_placement);
}

}  // namespace

LatencyModel::LatencyModel(const Architecture& arch, const Hardware& hw, const Deployment& deployment)
    : arch_(arch), hw_(hw), deployment_(deployment), shares_(routing_shares(arch, deployment)),
      busiest_experts_(busiest_experts(shares_, deployment_)), plan_(make_plan(arch, hw, deployment_, shares_)) {}

LatencyEstimate LatencyModel::operator()(const Workload& w, LatencyPhases phases) const {
  const Architecture& a = arch_;
  const Hardware& hw = hw_;
  const Deployment& d = deployment_;
  const LatencyPlan& plan = plan_;
  const Parallelism& p = d.parallel;
  LatencyEstimate r;
  r.infeasible = plan.infeasible;
  // A training micro-batch holds whole sequences (Megatron-LM: global batch = micro-batch size
  // x m x dp). Serving is ragged: the replicas need not get equal shares (below).
  const bool trains = w.phase == Phase::train;
  if (r.feasible() && trains && w.batch % (p.dp * p.microbatches) != 0) r.infeasible = Infeasible::dp_not_dividing_batch;
  if (!r.feasible()) return r;
  const Context c{a, hw, d, shares_, busiest_experts_, plan, 1 - w.null_fraction, plan.peak, hw.kernel_overhead_s};

  const double dp = static_cast<double>(p.dp), tp = static_cast<double>(p.tp), pp = static_cast<double>(p.pp);
  const double T = static_cast<double>(w.context);
  // Sequences per replica. Serving: the busiest replica's ceil(B/dp), which sets the step and
  // the memory while the others idle for part of it (dp = 8 at batch 12 runs as at batch 16).
  const double Bl = trains ? static_cast<double>(w.batch) / dp : std::ceil(static_cast<double>(w.batch) / dp);
  // Training memory and step: the workload's training settings at its batch and context.
  // The copies of each expert shard (ep divides tp * dp); with ep = 1 the experts are split tp
  // ways, not copied: their replicas are the dp ones. Gradients and ZeRO's shards span them.
  const std::int64_t expert_replicas = p.ep > 1 ? p.tp * p.dp / p.ep : p.dp;
  Estimate train;
  if (phases.train || trains) {
    Workload tw = w;
    tw.phase = Phase::train;
    train = estimate(a, tw);
  }

  // ---- memory per device
  MemoryPerDevice& mem = r.memory;
  double zero_state_ratio = 1;  // a device's optimizer states under ZeRO against without
  mem.weights_bytes = plan.resident_weights_bytes;
  if (w.phase != Phase::train) {
    double kv_bytes = 0;  // all layers, all sequences
    for (std::size_t i = 0; i < plan.layer_count; ++i)
      kv_bytes += plan.layer[i].layers * kv_cache_bytes_per_sequence(a, plan.layer[i].mixer, plan.layer[i].span, T);
    mem.kv_cache_bytes = Bl * kv_bytes / (pp * plan.kv_split);
    // the Mamba states are split tp ways with d_inner (plan's per-device bytes)
    mem.recurrent_state_bytes = Bl * plan.mamba_layers * (plan.conv_state_bytes + plan.ssm_state_bytes) / pp;
  } else {
    const double routed_split = p.ep > 1 ? static_cast<double>(p.ep) : tp;
    const double routed_bytes = plan.weights[C::routed_experts];
    // The share of a per-parameter state one device holds, its dense and expert parts each
    // split once more over `dense_split` and `expert_split` devices.
    auto device_share = [&](double dense_split, double expert_split) {
      return ((plan.weights_bytes - routed_bytes) / (tp * pp * dense_split) + routed_bytes / (pp * routed_split * expert_split)) /
             std::max(plan.weights_bytes, 1.0);
    };
    const double share = device_share(1, 1);
    // ZeRO (Rajbhandari et al. 2020 §5.1) shards a state over each parameter's replicas: dense
    // ones over dp, expert ones over expert_replicas.
    const double sharded = device_share(dp, static_cast<double>(expert_replicas));
    const std::int64_t zero = w.training.zero;
    zero_state_ratio = zero >= 1 && share > 0 ? sharded / share : 1;
    mem.training_state_bytes = train.memory.optimizer_bytes * (zero >= 1 ? sharded : share) +
                               train.memory.gradient_bytes * (zero >= 2 ? sharded : share) + train.memory.mtp_weights_bytes * share +
                               activations_in_flight(train.memory, p) / (dp * tp);
    if (zero >= 3) mem.weights_bytes *= zero_state_ratio;
  }
  mem.total_bytes = mem.weights_bytes + mem.kv_cache_bytes + mem.training_state_bytes + mem.recurrent_state_bytes;
  mem.capacity_bytes = hw.memory_bytes;
  if (mem.total_bytes > hw.memory_bytes) r.infeasible = Infeasible::memory;

  // ---- inference phases
  if (phases.prefill) serve_phase(c, Mode::prefill, Bl * T, Bl, T, r.prefill);
  MoeStep decode;
  // Serving engines capture decode steps as CUDA graphs and replay them (vLLM, SGLang,
  // TensorRT-LLM): a replayed kernel costs what the profile measured for one (moesim
  // calibrate --device cuda), and without a measurement an eager launch.
  Context decoding = c;
  if (hw.graph_kernel_overhead_s > 0) decoding.kernel_s = hw.graph_kernel_overhead_s;
  if (phases.decode) decode = serve_phase(decoding, Mode::decode, Bl, Bl, T, r.decode);
  r.prefill_s = r.prefill.total_s;
  r.decode_step_s = r.decode.total_s;
  r.decode_tokens_per_s = r.decode_step_s > 0 ? static_cast<double>(w.batch) / r.decode_step_s : 0;
  r.decode_distinct_experts = decode.distinct;
  r.max_load_over_mean = decode.max_over_mean;
  r.expert_cache_hit_rate = decode.hit_rate;
  r.decode_io_share = r.decode_step_s > 0 ? r.decode[Op::expert_io].time_s / r.decode_step_s : 0;

  // ---- training step: m micro-batches per replica, each a forward of batch x context / m
  // tokens, its GEMMs at that token count; backward costs twice the forward's compute and
  // repeats its communication; recomputation adds the attention core (selective) or the
  // layers' forward (full) (Korthikanti et al. 2022 §5).
  if (!phases.train) return r;
  const double m = static_cast<double>(std::max<std::int64_t>(p.microbatches, 1));
  const double v = static_cast<double>(p.virtual_stages);
  PhaseTime fwd;
  Context in_training = c;
  in_training.kept_wide_peak = plan.wide_peak;
  r.dropped_fraction = run_phase(in_training, Mode::train, Bl * T / m, Bl / m, T, fwd).dropped;
  PhaseTime& tr = r.train;
  // one micro-batch's forward and backward (recomputation included) on this device: the
  // windows the data-parallel communication can hide under
  double forward_s = 0, backward_s = 0;
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const Op op = static_cast<Op>(k);
    const OpTime& f = fwd.op[k];
    const bool wire = op == Op::tp_allreduce || op == Op::pipeline_p2p || op == Op::dispatch || op == Op::combine;
    double times = wire ? 2 : 3;
    if (w.training.recompute == Recompute::full && op != Op::lm_head && op != Op::embedding) times += 1;
    if (w.training.recompute == Recompute::selective && op == Op::attention) times += 1;
    // the interleaved schedule sends each micro-batch across v times as many stage boundaries
    // (Narayanan et al. 2021 §2.2.2)
    if (op == Op::pipeline_p2p) times *= v;
    add(tr, op, f, times * m / pp);  // each device runs its stage's share of the layers
    forward_s += f.time_s / pp;
    backward_s += f.time_s * (times - 1) / pp;
  }
  // Pipeline bubble (pp-1)/m of the ideal time, (pp-1)/(v m) interleaved (Narayanan et al.
  // 2021, SC'21, §2.2.1-2.2.2); GPipe's is 1F1B's (Narayanan §2.2.1).
  const double bubble = 1 + (pp - 1) / (v * m);
  double step = 0;
  for (const OpTime& t : tr.op) step += t.time_s;
  step *= bubble;
  const double trainable = plan.params.total_params() + plan.params.mtp_total;
  // the parameters this device trains (its stage and shards; ZeRO-3's sharding of the stored
  // weights leaves them as they are)
  const double params_here = trainable * (plan.resident_weights_bytes / std::max(plan.weights_bytes, 1.0));
  const double state_bytes_per_param = a.precision.attention.bytes_per_value() +
                                       w.training.gradient_format.bytes_per_value() +
                                       (train.memory.optimizer_bytes / std::max(trainable, 1.0));
  // read and write every state (under ZeRO, of the device's shard only)
  const OpTime opt = memory_op(c, 2 * params_here * state_bytes_per_param * zero_state_ratio);
  add(tr, Op::optimizer, opt, 1);
  // Gradients: dense ones all-reduced over the dp replicas, expert ones over the tp * dp / ep
  // replicas of each expert shard; the ring spans nodes when the devices do.
  const double grad_bytes = w.training.gradient_format.bytes_per_value();
  const double expert_share = plan.weights[C::routed_experts] / std::max(plan.weights_bytes, 1.0);
  OpTime grads = all_reduce(hw, params_here * (1 - expert_share) * grad_bytes, p.dp);
  const OpTime expert_grads = all_reduce(hw, params_here * expert_share * grad_bytes, expert_replicas);
  grads.communication_s += expert_grads.communication_s;
  grads.bytes += expert_grads.bytes;
  // Under ZeRO the all-reduce becomes its two halves (the ring and Rabenseifner's algorithm,
  // which a gradient's size picks, are a reduce-scatter and an all-gather): the gradients'
  // reduce-scatter, and the all-gather of the updated weights' shards; ZeRO-3 gathers the
  // weights in forward and in backward, 3 Psi of traffic against the all-reduce's 2 Psi
  // (Rajbhandari et al. 2020 §7.2). Each part runs under its window when overlapped
  // (TrainingConfig), only the excess exposed.
  const std::int64_t zero = w.training.zero;
  const double reduce_s = zero >= 1 ? grads.communication_s / 2 : grads.communication_s;
  const double gather_s = zero >= 1 ? grads.communication_s / 2 * (zero >= 3 ? 2 : 1) : 0;
  auto exposed = [](double comm_s, bool overlapped, double window_s) { return overlapped ? std::max(0.0, comm_s - window_s) : comm_s; };
  if (zero >= 3) grads.bytes *= 1.5;
  grads.communication_s = reduce_s + gather_s;
  grads.time_s = exposed(reduce_s, w.training.overlap_grad_reduce, backward_s) + exposed(gather_s, w.training.overlap_param_gather, forward_s);
  add(tr, Op::dp_allreduce, grads, 1);
  tr.total_s = step + opt.time_s + grads.time_s;
  r.train_step_s = tr.total_s;
  const double step_tokens = static_cast<double>(w.batch) * T;
  r.train_total_s = r.train_step_s * train.flops.training_tokens / step_tokens;
  const double devices = static_cast<double>(p.devices());
  r.device_hours = r.train_total_s * devices / 3600;
  if (r.train_total_s > 0 && plan.peak > 0) r.train_mfu = train.flops.training_total / r.train_total_s / devices / plan.peak;
  r.energy_j = r.device_hours * 3600 * hw.tdp_w;
  r.cost_usd = r.device_hours * hw.price_usd_per_hour;
  return r;
}

LatencyEstimate estimate_latency(const Architecture& a, const Workload& w, const Hardware& hw, const Deployment& d,
                                 LatencyPhases phases) {
  return LatencyModel(a, hw, d)(w, phases);
}

}  // namespace moesim
