#include "moesim/model/latency.h"

#include <algorithm>
#include <cmath>

#include "layer_math.h"

namespace moesim {
namespace {

using namespace detail;
using C = Component;

enum class Mode { prefill, decode, train };

struct Context {
  const Architecture& a;
  const Hardware& hw;
  const Deployment& d;
  std::span<const double> shares;  // empty = uniform
  double peak = 0;                 // FLOP/s in the activations' format
  double act = 0;                  // bytes per activation value
  double expert_bytes = 0;         // one routed expert, mean over per-expert formats

  // The same token counts and widths recur across layers and phases: look each up once.
  struct Memo {
    double x = -1, y = 0;
  };
  mutable std::array<Memo, 4> tokens_memo{};
  mutable std::array<Memo, 8> width_memo{};
  mutable std::array<Memo, 16> bytes_memo{};
  static double lookup(const EfficiencyCurve& curve, double x, std::span<Memo> memo) {
    for (const Memo& m : memo)
      if (m.x == x) return m.y;
    std::rotate(memo.rbegin(), memo.rbegin() + 1, memo.rend());  // drop the oldest
    memo[0] = {x, curve.at(x)};
    return memo[0].y;
  }
  double gemm_efficiency(double tokens, double width) const {
    return lookup(hw.gemm_by_tokens, tokens, tokens_memo) * lookup(hw.gemm_by_width, width, width_memo);
  }
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

double memory_seconds(const Context& c, double bytes) {
  if (bytes <= 0) return 0;
  return bytes / (c.hw.memory_bandwidth_bytes_per_s * Context::lookup(c.hw.memory_by_bytes, bytes, c.bytes_memo));
}

// A GEMM of M tokens against `params` weights whose smaller dimension is `width`.
OpTime gemm(const Context& c, double M, double params, double bytes_per_weight, double width, double io_values) {
  OpTime t;
  t.flops = 2 * M * params;
  const double efficiency = c.gemm_efficiency(M, width);
  t.compute_s = t.flops / (c.peak * efficiency);
  t.bytes = params * bytes_per_weight + M * io_values * c.act;
  t.memory_s = memory_seconds(c, t.bytes);
  finish(t, c.hw.kernel_overhead_s);
  return t;
}

OpTime memory_op(const Context& c, double bytes) {
  OpTime t;
  t.bytes = bytes;
  t.memory_s = memory_seconds(c, bytes);
  finish(t, bytes > 0 ? c.hw.kernel_overhead_s : 0);
  return t;
}

// The link a collective over `group` devices crosses: scale-up inside a node, else scale-out.
const Link& link_for(const Hardware& hw, std::int64_t group) {
  return group <= hw.scale_up_devices ? hw.scale_up : hw.scale_out;
}

// Ring all-reduce, alpha-beta model: 2(n-1) steps of bytes/n (Patarasuk & Yuan 2009; Thakur
// et al. 2005, IJHPCA 19(1) §4).
OpTime all_reduce(const Context& c, double bytes, std::int64_t n) {
  OpTime t;
  if (n <= 1 || bytes <= 0) return t;
  const Link& l = link_for(c.hw, n);
  const double steps = 2.0 * static_cast<double>(n - 1);
  t.bytes = bytes * steps / static_cast<double>(n);
  t.communication_s = steps * l.latency_s + t.bytes / (l.bandwidth_bytes_per_s * c.hw.link_efficiency);
  finish(t, 0);
  return t;
}

// All-to-all of `bytes` held by each device over n devices: (n-1)/n of it leaves. When the
// group spans nodes, the node-local and remote shares travel at once over their own links
// (hierarchical all-to-all), the slower deciding.
OpTime all_to_all(const Context& c, double bytes, std::int64_t n) {
  OpTime t;
  if (n <= 1 || bytes <= 0) return t;
  const double N = static_cast<double>(n);
  const double local = static_cast<double>(std::min(n, c.hw.scale_up_devices));
  const double eff = c.hw.link_efficiency;
  const double up_bytes = bytes * (local - 1) / N, out_bytes = bytes * (N - local) / N;
  const double up_s = (local - 1) * c.hw.scale_up.latency_s + up_bytes / (c.hw.scale_up.bandwidth_bytes_per_s * eff);
  const double out_s = out_bytes > 0 ? (N - local) * c.hw.scale_out.latency_s / local +
                                           out_bytes / (c.hw.scale_out.bandwidth_bytes_per_s * eff)
                                     : 0;
  t.bytes = up_bytes + out_bytes;
  t.communication_s = std::max(up_s, out_s);
  finish(t, 0);
  return t;
}

void add(PhaseTime& p, Op op, const OpTime& t, double times) {
  OpTime& o = p[op];
  o.time_s += times * t.time_s;
  o.compute_s += times * t.compute_s;
  o.memory_s += times * t.memory_s;
  o.communication_s += times * t.communication_s;
  o.io_s += times * t.io_s;
  o.flops += times * t.flops;
  o.bytes += times * t.bytes;
  if (t.time_s > 0 && (o.bound == Bound::none || t.time_s * times >= 0.5 * o.time_s)) o.bound = t.bound;
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

// One layer of group (ffn, span) for M tokens on this device, Bl sequences at context T.
// Adds `times` copies of each operator to `out`.
MoeStep layer(const Context& c, PhaseTime& out, LayerFfn ffn, AttentionSpan span, Mode mode, double M, double Bl,
              double T, double times) {
  const Architecture& a = c.a;
  const AttentionConfig& at = a.attention;
  const Precision& pr = a.precision;
  const double h = static_cast<double>(a.hidden_size);
  const double tp = static_cast<double>(c.d.parallel.tp);
  const bool mla = at.kind == AttentionKind::mla;
  const double head_out = static_cast<double>(at.heads) * static_cast<double>(mla ? at.v_head_dim : at.head_dim);
  const double o_params = head_out * h;
  const double qkv_params = attention_params(a).matmul - o_params;
  const double attn_bpp = pr.attention.bytes_per_value();
  double layer_time = 0;  // one layer of this group, for the prefetch overlap below
  auto put = [&](Op op, const OpTime& t, double n) {
    add(out, op, t, n);
    layer_time += t.time_s * n / times;
  };
  put(Op::norms, memory_op(c, 2 * 2 * M * h * c.act), times);  // two norms, read + write
  put(Op::qkv_projection, gemm(c, M, qkv_params / tp, attn_bpp, std::min(h, qkv_params / h / tp), h + qkv_params / h / tp), times);

  // Attention over the context: KV reads dominate decode, FLOPs dominate prefill.
  OpTime core;
  const double kv_bpv = pr.kv_cache.bytes_per_value();
  const double kv_split = mla ? 1 : std::min(tp, static_cast<double>(at.kv_heads));  // MLA's latent is not split
  if (mode == Mode::decode) {
    core.flops = M * attention_flops_per_key(at, true) * decode_context(span, at, T) / tp;
    core.bytes = Bl * cached_tokens(span, at, T) * kv_values_per_token(at) * kv_bpv / kv_split;
  } else {
    core.flops = M * attention_flops_per_key(at, false) * mean_prefill_context(span, at, T) / tp;
    core.bytes = M * kv_values_per_token(at) * kv_bpv / kv_split + 2 * M * head_out / tp * c.act;
  }
  // Decode attention multiplies each sequence's cached keys by the queries sharing them: the
  // H/g query heads of a KV group (GQA), or all H heads over MLA's shared latent.
  const double decode_rows = mla ? static_cast<double>(at.heads) : static_cast<double>(at.heads / std::max<std::int64_t>(at.kv_heads, 1));
  core.compute_s = core.flops / (c.peak * c.gemm_efficiency(mode == Mode::decode ? decode_rows : M, 1e30));
  core.memory_s = memory_seconds(c, core.bytes);
  finish(core, c.hw.kernel_overhead_s);
  put(Op::attention, core, times);
  put(Op::output_projection, gemm(c, M, o_params / tp, attn_bpp, std::min(h, head_out / tp), h + head_out / tp), times);
  if (c.d.parallel.tp > 1) put(Op::tp_allreduce, all_reduce(c, M * h * c.act, c.d.parallel.tp), 2 * times);

  MoeStep step;
  if (ffn == LayerFfn::dense) {
    const FfnConfig& f = a.dense_ffn;
    const double w = static_cast<double>(f.width) / tp;
    put(Op::dense_ffn, gemm(c, M, ffn_params(h, f).matmul / tp, pr.dense_ffn.bytes_per_value(), std::min(h, w), 2 * h + 2 * w), times);
    return step;
  }

  const MoeConfig& m = a.moe;
  const double E = static_cast<double>(m.experts);
  const Params router = router_params(h, m);
  put(Op::router, gemm(c, M, router.matmul, pr.router.bytes_per_value(), std::min(h, E), h + E), times);
  if (m.shared_experts > 0) {
    const Params shared = shared_expert_params(h, m);
    const double w = static_cast<double>(m.shared_experts * m.shared_expert_width) / tp;
    put(Op::shared_experts, gemm(c, M, shared.matmul / tp, pr.shared_experts.bytes_per_value(), std::min(h, w), 2 * h + 2 * w), times);
  }

  // Routed experts. The EP group sees the tokens of ep/tp replicas; with ep = 1 each expert
  // is split tp ways instead (expert tensor parallelism).
  const std::int64_t ep = c.d.parallel.ep;
  const double split = ep == 1 ? tp : 1;
  const double group_tokens = M * std::max(1.0, static_cast<double>(ep) / tp);
  const double k = experts_per_token(m, mode == Mode::decode ? Bl : T);
  const double copies = group_tokens * k;
  const DeviceLoad load = expected_device_load(m.experts, c.shares, copies, ep, c.d.capacity_factor);
  step.max_over_mean = load.mean > 0 ? load.expected_max / load.mean : 1;
  step.dropped = load.dropped_fraction;
  const Params expert = ffn_params(h, m.expert);
  const double expert_bytes = c.expert_bytes;  // per-expert formats averaged in
  const double local_experts = E / static_cast<double>(ep);
  const double expert_width = static_cast<double>(m.expert.width) / split;
  // Weights read: the distinct experts the group's tokens touch, shared over the EP devices
  // (REFERENCE.md §3: not all experts at batch 1, not only K at large batch).
  step.distinct = m.router == RouterKind::soft_moe ? E : distinct_experts(c, k, group_tokens);
  const double touched_here = std::min(local_experts, step.distinct / static_cast<double>(ep));
  OpTime experts;
  experts.flops = load.expected_max * 2 * expert.matmul / split;
  const double tokens_per_expert = load.expected_max / std::max(touched_here, 1.0);
  experts.compute_s = experts.flops / (c.peak * c.gemm_efficiency(tokens_per_expert, std::min(h, expert_width)));
  experts.bytes = touched_here * expert_bytes / split + load.expected_max * (2 * h + 2 * expert_width) * c.act;
  experts.memory_s = memory_seconds(c, experts.bytes);
  finish(experts, c.hw.kernel_overhead_s);
  put(Op::routed_experts, experts, times);

  // Permute to the experts and back; all-to-all when the experts live on other devices.
  const double sent = M / std::min(tp, static_cast<double>(ep)) * k * h * c.act;
  OpTime dispatch = memory_op(c, 2 * M * k * h * c.act), combine = memory_op(c, 2 * M * k * h * c.act);
  if (ep > 1) {
    const OpTime wire = all_to_all(c, sent, ep);
    dispatch.communication_s = combine.communication_s = wire.communication_s;
    dispatch.bytes += wire.bytes;
    combine.bytes += wire.bytes;
    finish(dispatch, c.hw.kernel_overhead_s);
    finish(combine, c.hw.kernel_overhead_s);
  }
  put(Op::dispatch, dispatch, times);
  put(Op::combine, combine, times);

  // Offloaded experts: misses of the per-layer cache are fetched before they run; a fraction
  // predicted one layer ahead overlaps the previous layer's compute (EdgeMoE §4.2).
  const Offload& off = c.d.offload;
  if (off.target != OffloadTarget::none && mode != Mode::train) {
    step.hit_rate = cache_hit_rate(m.experts, c.shares, off.cache_experts_per_layer, off.policy);
    const double misses = step.distinct * (1 - step.hit_rate);
    OpTime io;
    io.bytes = misses * expert_bytes;
    if (off.target == OffloadTarget::host) {
      io.io_s = misses * c.hw.host_link.latency_s + io.bytes / (c.hw.host_link.bandwidth_bytes_per_s * c.hw.link_efficiency);
    } else {  // experts of a MiB or more stream at the sequential rate
      const double bw = expert_bytes >= 1048576.0 ? c.hw.storage_sequential_read_bytes_per_s
                                                  : c.hw.storage_random_read_bytes_per_s;
      io.io_s = io.bytes / bw;
    }
    const double predicted = off.prefetch_accuracy * io.io_s;
    io.io_s = (io.io_s - predicted) + std::max(0.0, predicted - layer_time);
    finish(io, 0);
    put(Op::expert_io, io, times);
  }
  return step;
}


// All layers of the model for M tokens on one device (pipeline stages run one after the
// other for a single batch), plus embedding and head.
// Fills `time` (zeroed by the caller) and returns the MoE layers' routing figures.
MoeStep run_phase(const Context& c, const LayerGroups& groups, Mode mode, double M, double Bl, double T, PhaseTime& time) {
  struct {
    PhaseTime& time;
    MoeStep moe;
  } r{time, {}};
  const double h = static_cast<double>(c.a.hidden_size);
  const double V = static_cast<double>(c.a.vocab_size);
  const double tp = static_cast<double>(c.d.parallel.tp);
  add(r.time, Op::embedding, memory_op(c, M * h * c.a.precision.embedding.bytes_per_value()), 1);
  for (std::size_t i = 0; i < groups.size; ++i) {
    const LayerGroup& g = groups.group[i];
    const MoeStep s = layer(c, r.time, g.ffn, g.span, mode, M, Bl, T, static_cast<double>(g.layers));
    if (g.ffn == LayerFfn::moe) r.moe = s;
  }
  const double head_tokens = mode == Mode::train ? M : Bl;  // inference: logits of the last position
  add(r.time, Op::lm_head, gemm(c, head_tokens, h * V / tp, c.a.precision.lm_head.bytes_per_value(), std::min(h, V / tp), h + V / tp), 1);
  const std::int64_t pp = c.d.parallel.pp;
  if (pp > 1) {
    OpTime p2p;
    p2p.bytes = M * h * c.act;
    const Link& l = link_for(c.hw, c.d.parallel.devices());  // stages are tp * dp devices apart
    p2p.communication_s = l.latency_s + p2p.bytes / (l.bandwidth_bytes_per_s * c.hw.link_efficiency);
    finish(p2p, 0);
    add(r.time, Op::pipeline_p2p, p2p, static_cast<double>(pp - 1));
  }
  for (const OpTime& t : r.time.op) r.time.total_s += t.time_s;
  return r.moe;
}

Infeasible check(const Architecture& a, const Workload& w, const Hardware& hw, const Deployment& d, const Context& c) {
  const Parallelism& p = d.parallel;
  const bool any_moe = a.moe.experts > 0;
  if (p.tp < 1 || p.ep < 1 || p.pp < 1 || p.dp < 1) return Infeasible::ep_exceeds_devices;
  if (any_moe && a.moe.experts % p.ep != 0) return Infeasible::ep_not_dividing_experts;
  if (p.ep > 1 && (p.tp * p.dp) % p.ep != 0) return Infeasible::ep_exceeds_devices;
  if (a.attention.heads % p.tp != 0) return Infeasible::tp_not_dividing_heads;
  if (p.pp > static_cast<std::int64_t>(a.layers.size())) return Infeasible::pp_exceeds_layers;
  if (!(c.peak > 0) || hw.memory_bandwidth_bytes_per_s <= 0) return Infeasible::no_compute;
  if (d.offload.target != OffloadTarget::none && !any_moe) return Infeasible::offload_without_moe;
  if (w.batch % p.dp != 0) return Infeasible::dp_not_dividing_batch;
  return Infeasible::none;
}

}  // namespace

std::string_view to_string(Op op) {
  static constexpr std::string_view names[kOpCount] = {
      "embedding", "norms",          "qkv_projection", "attention", "output_projection", "router",
      "dispatch",  "routed_experts", "shared_experts", "combine",   "dense_ffn",         "lm_head",
      "tp_allreduce", "pipeline_p2p", "expert_io",     "optimizer", "dp_allreduce"};
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
    case Infeasible::pp_exceeds_layers: return "pp exceeds the number of layers";
    case Infeasible::no_compute: return "the device has no compute peak for the activation format, or no memory bandwidth";
    case Infeasible::offload_without_moe: return "expert offloading needs MoE layers";
    case Infeasible::dp_not_dividing_batch: return "dp does not divide the batch";
  }
  return "?";
}

LatencyEstimate estimate_latency(const Architecture& a, const Workload& w, const Hardware& hw, const Deployment& d,
                                 std::span<const double> shares, LatencyPhases phases) {
  LatencyEstimate r;
  Context c{a, hw, d, shares};
  c.act = a.precision.activations.bytes_per_value();
  c.peak = peak_flop_per_s(hw, compute_format_for(a.precision.activations));
  r.infeasible = check(a, w, hw, d, c);
  if (!r.feasible()) return r;

  const Parallelism& p = d.parallel;
  const double dp = static_cast<double>(p.dp), tp = static_cast<double>(p.tp), pp = static_cast<double>(p.pp);
  const double ep = static_cast<double>(p.ep);
  const double T = static_cast<double>(w.context);
  const double Bl = static_cast<double>(w.batch) / dp;  // sequences per replica
  const Estimate e = estimate(a, w);
  const LayerGroups& groups = e.layers;
  double moe_layers = 0;
  for (std::size_t i = 0; i < groups.size; ++i)
    if (groups.group[i].ffn == LayerFfn::moe) moe_layers += static_cast<double>(groups.group[i].layers);
  if (moe_layers > 0) c.expert_bytes = e.memory.weights[C::routed_experts] / (moe_layers * static_cast<double>(a.moe.experts));

  // ---- memory per device
  MemoryPerDevice& mem = r.memory;
  const double routed_bytes = e.memory.weights[C::routed_experts];
  const double other_bytes = e.memory.weights_bytes - routed_bytes;
  const double routed_split = p.ep > 1 ? ep : tp;
  double resident_routed = routed_bytes / (pp * routed_split);
  if (d.offload.target != OffloadTarget::none) {
    const double per_expert = routed_bytes / std::max(1.0, static_cast<double>(a.moe.experts));
    resident_routed = std::min(resident_routed, d.offload.cache_experts_per_layer * per_expert / pp);
  }
  mem.weights_bytes = other_bytes / (tp * pp) + resident_routed;
  const double kv_split = a.attention.kind == AttentionKind::mla ? 1 : std::min(tp, static_cast<double>(a.attention.kv_heads));
  mem.kv_cache_bytes = e.memory.kv_cache_bytes / (dp * pp * kv_split);
  if (w.phase == Phase::train) {
    const double share = (other_bytes / (tp * pp) + routed_bytes / (pp * routed_split)) / std::max(e.memory.weights_bytes, 1.0);
    mem.training_state_bytes = (e.memory.gradient_bytes + e.memory.optimizer_bytes + e.memory.mtp_weights_bytes) * share +
                               e.memory.activation_bytes / (dp * tp);
  }
  mem.total_bytes = mem.weights_bytes + mem.kv_cache_bytes + mem.training_state_bytes;
  mem.capacity_bytes = hw.memory_bytes;
  if (mem.total_bytes > hw.memory_bytes) r.infeasible = Infeasible::memory;

  // ---- inference phases
  if (phases.prefill) run_phase(c, groups, Mode::prefill, Bl * T, Bl, T, r.prefill);
  MoeStep decode;
  if (phases.decode) decode = run_phase(c, groups, Mode::decode, Bl, Bl, T, r.decode);
  r.prefill_s = r.prefill.total_s;
  r.decode_step_s = r.decode.total_s;
  r.decode_tokens_per_s = r.decode_step_s > 0 ? static_cast<double>(w.batch) / r.decode_step_s : 0;
  r.decode_distinct_experts = decode.distinct;
  r.max_load_over_mean = decode.max_over_mean;
  r.expert_cache_hit_rate = decode.hit_rate;
  r.decode_io_share = r.decode_step_s > 0 ? r.decode[Op::expert_io].time_s / r.decode_step_s : 0;

  // ---- training step: forward of batch x context tokens per replica; backward costs twice
  // the forward's compute and repeats its communication; recomputation adds the attention
  // core (selective) or the layers' forward (full) (Korthikanti et al. 2022 §5).
  if (!phases.train) return r;
  PhaseTime fwd;
  r.dropped_fraction = run_phase(c, groups, Mode::train, Bl * T, Bl, T, fwd).dropped;
  PhaseTime& tr = r.train;
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const Op op = static_cast<Op>(k);
    const OpTime& f = fwd.op[k];
    const bool wire = op == Op::tp_allreduce || op == Op::pipeline_p2p || op == Op::dispatch || op == Op::combine;
    double times = wire ? 2 : 3;
    if (w.training.recompute == Recompute::full && op != Op::lm_head && op != Op::embedding) times += 1;
    if (w.training.recompute == Recompute::selective && op == Op::attention) times += 1;
    add(tr, op, f, times / pp);  // each device runs its stage's share of the layers
  }
  // Pipeline bubble (pp-1)/m of the ideal time (Narayanan et al. 2021, SC'21, §2.2.1).
  const double bubble = 1 + (pp - 1) / static_cast<double>(std::max<std::int64_t>(p.microbatches, 1));
  double step = 0;
  for (const OpTime& t : tr.op) step += t.time_s;
  step *= bubble;
  const double params_here = (e.params.total_params() + e.params.mtp_total) * (mem.weights_bytes / std::max(e.memory.weights_bytes, 1.0));
  const double state_bytes_per_param = a.precision.attention.bytes_per_value() +
                                       w.training.gradient_format.bytes_per_value() +
                                       (e.memory.optimizer_bytes / std::max(e.params.total_params() + e.params.mtp_total, 1.0));
  const OpTime opt = memory_op(c, 2 * params_here * state_bytes_per_param);  // read and write every state
  add(tr, Op::optimizer, opt, 1);
  // Gradients: dense ones all-reduced over the dp replicas, expert ones over the tp * dp / ep
  // replicas of each expert shard; the ring spans nodes when the devices do.
  const double grad_bytes = w.training.gradient_format.bytes_per_value();
  const double expert_share = e.memory.weights[C::routed_experts] / std::max(e.memory.weights_bytes, 1.0);
  OpTime grads = all_reduce(c, params_here * (1 - expert_share) * grad_bytes, p.dp);
  const OpTime expert_grads = all_reduce(c, params_here * expert_share * grad_bytes, p.tp * p.dp / p.ep);
  grads.time_s += expert_grads.time_s;
  grads.communication_s += expert_grads.communication_s;
  grads.bytes += expert_grads.bytes;
  add(tr, Op::dp_allreduce, grads, 1);
  tr.total_s = step + opt.time_s + grads.time_s;
  r.train_step_s = tr.total_s;
  const double step_tokens = static_cast<double>(w.batch) * T;
  r.train_total_s = r.train_step_s * e.flops.training_tokens / step_tokens;
  const double devices = static_cast<double>(p.devices());
  r.device_hours = r.train_total_s * devices / 3600;
  r.energy_j = r.device_hours * 3600 * hw.tdp_w;
  r.cost_usd = r.device_hours * hw.price_usd_per_hour;
  return r;
}

}  // namespace moesim
