// The latency model: hand-derived floors, and properties over grids.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>

#include "moesim/model/estimate.h"
#include "moesim/model/latency.h"
#include "moesim/model/validate.h"

using namespace moesim;

namespace {

// Mixtral-8x7B as in data/models/mixtral-8x7b.json (Jiang et al. 2024, Table 1).
Architecture mixtral() {
  Architecture a;
  a.name = "Mixtral-8x7B";
  a.hidden_size = 4096;
  a.vocab_size = 32000;
  a.attention.heads = 32;
  a.attention.kv_heads = 8;
  a.attention.head_dim = 128;
  a.moe.experts = 8;
  a.moe.top_k = 2;
  a.moe.expert.width = 14336;
  a.layers.assign(32, LayerConfig{LayerFfn::moe, AttentionSpan::full});
  return a;
}

// MLA with DeepSeek-V2's and V3's shapes (arXiv 2405.04434 §2.1): q_lora 1536, kv_lora 512,
// rope 64, nope 128, v 128.
AttentionConfig mla_attention(std::int64_t heads) {
  AttentionConfig at;
  at.kind = AttentionKind::mla;
  at.heads = heads;
  at.q_lora_rank = 1536;
  at.kv_lora_rank = 512;
  at.qk_rope_head_dim = 64;
  at.qk_nope_head_dim = 128;
  at.v_head_dim = 128;
  return at;
}

// An H100 SXM at 100% of its datasheet peaks (989.4 TFLOP/s bf16, 3.35 TB/s), no overheads,
// with links and compute so fast that only the named bound remains.
Hardware ideal(bool memory_bound) {
  Hardware hw;
  hw.name = "ideal";
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = memory_bound ? 1e30 : 989.4e12;
  hw.memory_bytes = 80.0 * (1 << 30);
  hw.memory_bandwidth_bytes_per_s = memory_bound ? 3.35e12 : 1e30;
  hw.scale_up = {1e30, 0};
  hw.scale_out = {1e30, 0};
  hw.scale_up_devices = 8;
  return hw;
}

Workload work(Phase phase, std::int64_t batch, std::int64_t context) {
  Workload w;
  w.phase = phase;
  w.batch = batch;
  w.context = context;
  return w;
}

}  // namespace

TEST_CASE("latency golden: Mixtral-8x7B decode bandwidth floor on two H100s with TP 2") {
  Deployment d;
  d.parallel.tp = 2;
  const Architecture a = mixtral();
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 1), ideal(true), d);
  REQUIRE(l.feasible());
  // A batch-1 step reads every active weight once: 12.749e9 parameters excluding the input
  // embedding (REFERENCE.md §2) x 2 bytes, split over 2 devices -> 12.75 GB at 3.35 TB/s = 3.806 ms
  // (the "about 3.8 ms"); the embedding row, activations and one cached token add < 0.1%.
  CHECK(l.decode_step_s == Approx(12.7489e9 * 2 / 2 / 3.35e12).epsilon(0.002));
}

TEST_CASE("latency golden: Mixtral-8x7B 1024-token prefill compute floor") {
  Deployment d;
  d.parallel.tp = 2;
  const Architecture a = mixtral();
  const Workload w = work(Phase::prefill, 1, 1024);
  const LatencyEstimate l = estimate_latency(a, w, ideal(false), d);
  // Prefill FLOPs: 2 x 12.618e9 non-embedding active parameters x 1024 tokens = 25.84 TFLOP,
  // attention 4 x 32 heads x 128 x (1025/2 keys) x 32 layers x 1024 = 0.27 TFLOP, last-token
  // logits 2 x 4096 x 32000 = 0.26 GFLOP: 26.11 TFLOP. Split over 2 devices at 989.4 TFLOP/s =
  // 13.2 ms; only the router (2 x 4096 x 8 per token and layer) is not split by TP (+0.004%).
  const double flops = estimate(a, w).flops.prefill;
  CHECK(flops == Approx(26.11e12).epsilon(0.001));
  CHECK(l.prefill_s == Approx(flops / 2 / 989.4e12).epsilon(0.001));
}

TEST_CASE("latency golden: decode attention is a GEMM of the query heads of a KV group over a cache of head width") {
  // Mixtral's attention (H = 32, g = 8, d = 128), one sequence at context 4096, on a device
  // with no memory bound (nor limit) and curves that tell the two axes apart: 4 query rows share a KV
  // head -> eta_tok(4) = 0.2; the cache's narrow side is d = 128 -> eta_w(128) = 0.5.
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;  // the whole model on one device
  hw.gemm_by_tokens.add(1, 0.1);
  hw.gemm_by_tokens.add(4, 0.2);
  hw.gemm_by_tokens.add(64, 0.8);
  hw.gemm_by_width.add(64, 0.25);
  hw.gemm_by_width.add(128, 0.5);
  hw.gemm_by_width.add(4096, 1.0);
  const Architecture a = mixtral();
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 4096), hw, Deployment{});
  REQUIRE(l.feasible());
  // FLOPs per layer: 4 H d = 16384 per key (QK^T and PV) x 4096 keys = 67.11 MFLOP; 32 layers
  // = 2.147 GFLOP at 989.4 TFLOP/s x 0.2 x 0.5 = 21.70 us.
  const OpTime& attention = l.decode[Op::attention];
  CHECK(attention.flops == Approx(32.0 * 16384 * 4096).epsilon(1e-12));
  CHECK(attention.compute_s == Approx(32.0 * 16384 * 4096 / (989.4e12 * 0.2 * 0.5)).epsilon(1e-9));
  // MLA (DeepSeek-V2's shape): all 128 heads read the shared latent, 512 + 64 wide -> the
  // width curve at 576 (log-interpolated between 128 and 4096: 0.5 + 0.5 ln(4.5)/ln(32) = 0.7170).
  Architecture m = a;
  m.attention = mla_attention(128);
  const LatencyEstimate lm = estimate_latency(m, work(Phase::decode, 1, 4096), hw, Deployment{});
  REQUIRE(lm.feasible());
  // Absorbed FLOPs per key: 2 H (512 + 64) + 2 H 512 = 278528; eta_tok(128) = 0.8 (last point).
  const double eta_w = 0.5 + 0.5 * std::log(576.0 / 128) / std::log(4096.0 / 128);
  CHECK(lm.decode[Op::attention].compute_s == Approx(32.0 * 278528 * 4096 / (989.4e12 * 0.8 * eta_w)).epsilon(1e-6));

  // A profile that measured the kernel (calibrate's decode_attention_by_group) is costed with
  // it, and with neither GEMM curve: g = 4 read at 0.3 between 1 -> 0.1 and 16 -> 0.5 (log-
  // linear: 0.1 + 0.4 ln 4 / ln 16 = 0.3); MLA's 128 heads clamp to the last point, 0.5.
  hw.decode_attention_by_group.add(1, 0.1);
  hw.decode_attention_by_group.add(16, 0.5);
  const LatencyEstimate measured = estimate_latency(a, work(Phase::decode, 1, 4096), hw, Deployment{});
  REQUIRE(measured.feasible());
  CHECK(measured.decode[Op::attention].compute_s == Approx(32.0 * 16384 * 4096 / (989.4e12 * 0.3)).epsilon(1e-9));
  const LatencyEstimate measured_mla = estimate_latency(m, work(Phase::decode, 1, 4096), hw, Deployment{});
  REQUIRE(measured_mla.feasible());
  CHECK(measured_mla.decode[Op::attention].compute_s == Approx(32.0 * 278528 * 4096 / (989.4e12 * 0.5)).epsilon(1e-9));
  // prefill's attention is not decode's kernel: unchanged by the curve
  CHECK(estimate_latency(a, work(Phase::prefill, 1, 4096), hw, Deployment{}).prefill[Op::attention].compute_s ==
        l.prefill[Op::attention].compute_s);
}

TEST_CASE("latency golden: each expert's GEMM runs at its own token count, under uniform and skewed routing") {
  // Mixtral (E = 8, K = 2) on a compute-bound device whose GEMM efficiency doubles from M = 1 to
  // M = 2 (a GEMM bound by its weight read: time flat in M). Two decode tokens pick a given
  // expert with q = 2/8: the expert a copy lands in holds 1 + Bin(1, 1/4) copies, 1 with 3/4
  // and 2 with 1/4, so 1 / efficiency = 3/4 * 1/0.1 + 1/4 * 1/0.2 = 8.75 (the mean count
  // among the touched experts, 4 / (8 (1 - (3/4)^2)) = 1.143, would read 0.119).
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.gemm_by_tokens.add(1, 0.1);
  hw.gemm_by_tokens.add(2, 0.2);
  hw.gemm_by_tokens.add(1024, 0.9);
  const Architecture a = mixtral();
  const double flops_per_copy = 32.0 * 2 * 3 * 4096 * 14336;  // 32 layers, SwiGLU's three matrices
  const LatencyEstimate two = estimate_latency(a, work(Phase::decode, 2, 512), hw, Deployment{});
  REQUIRE(two.feasible());
  CHECK(two.decode[Op::routed_experts].compute_s == Approx(4 * flops_per_copy * 8.75 / 989.4e12).epsilon(1e-9));
  // One token: each expert it picks holds it alone.
  const LatencyEstimate one = estimate_latency(a, work(Phase::decode, 1, 512), hw, Deployment{});
  REQUIRE(one.feasible());
  CHECK(one.decode[Op::routed_experts].compute_s == Approx(2 * flops_per_copy / (989.4e12 * 0.1)).epsilon(1e-9));
  // Skewed, top-1 over shares 1/2, 1/4, 1/8, 1/8: expert e holds 1 + Bin(1, p_e) copies, and a
  // copy lands in e with weight p_e: 1 / efficiency = sum p_e ((1 - p_e) 10 + p_e 5) = 10 - 5 sum p_e^2 = 8.28125.
  Architecture top1 = a;
  top1.moe.top_k = 1;
  Deployment skewed;
  skewed.routing.histogram = {4, 2, 1, 1, 0, 0, 0, 0};
  const LatencyEstimate s = estimate_latency(top1, work(Phase::decode, 2, 512), hw, skewed);
  REQUIRE(s.feasible());
  CHECK(s.decode[Op::routed_experts].compute_s == Approx(2 * flops_per_copy * 8.28125 / 989.4e12).epsilon(1e-9));
}

TEST_CASE("latency property: non-increasing in bandwidth and peak FLOP/s") {
  const Architecture a = mixtral();
  for (std::int64_t batch : {1, 16, 256}) {
    for (Phase phase : {Phase::prefill, Phase::decode, Phase::train}) {
      Hardware hw = ideal(false);
      hw.memory_bandwidth_bytes_per_s = 1e12;
      hw.memory_bytes = 1e15;
      double previous = 1e30;
      for (double bw : {1e11, 1e12, 3e12, 1e13}) {
        hw.memory_bandwidth_bytes_per_s = bw;
        const LatencyEstimate l = estimate_latency(a, work(phase, batch, 512), hw, Deployment{});
        const double t = phase == Phase::prefill ? l.prefill_s : phase == Phase::decode ? l.decode_step_s : l.train_step_s;
        CHECK(t <= previous);
        previous = t;
      }
      previous = 1e30;
      for (double peak : {1e13, 1e14, 1e15, 1e16}) {
        hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = peak;
        const LatencyEstimate l = estimate_latency(a, work(phase, batch, 512), hw, Deployment{});
        const double t = phase == Phase::prefill ? l.prefill_s : phase == Phase::decode ? l.decode_step_s : l.train_step_s;
        CHECK(t <= previous);
        previous = t;
      }
    }
  }
}

TEST_CASE("latency property: decode weight bytes grow with batch, bounded by all experts") {
  Architecture a = mixtral();
  a.moe.experts = 64;
  a.moe.top_k = 4;
  a.moe.expert.width = 1792;
  const Hardware hw = ideal(true);
  const double expert_bytes = 3.0 * 4096 * 1792 * 2;
  const double all_experts = 64 * expert_bytes * 32;
  double previous = 0;
  for (std::int64_t batch : {1, 2, 4, 8, 16, 64, 256, 1024, 8192}) {
    const LatencyEstimate l = estimate_latency(a, work(Phase::decode, batch, 1), hw, Deployment{});
    const double weights = l.decode[Op::routed_experts].bytes - batch * 4.0 * (2 * 4096 + 2 * 1792) * 2 * 32;
    CHECK(weights >= previous);
    CHECK(weights <= all_experts * 1.000001);
    previous = weights;
  }
  // batch 1 reads top_k experts per layer; a large batch reads all of them
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, Deployment{}).decode_distinct_experts == Approx(4));
  CHECK(estimate_latency(a, work(Phase::decode, 8192, 1), hw, Deployment{}).decode_distinct_experts == Approx(64));
}

TEST_CASE("latency property: data parallel replicas and EP = 1 change nothing per replica") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = 989.4e12;
  const LatencyEstimate single = estimate_latency(a, work(Phase::decode, 8, 2048), hw, Deployment{});
  Deployment replicas;
  replicas.parallel.dp = 4;
  replicas.parallel.ep = 1;
  const LatencyEstimate four = estimate_latency(a, work(Phase::decode, 32, 2048), hw, replicas);
  CHECK(four.decode_step_s == Approx(single.decode_step_s));
  CHECK(four.decode_tokens_per_s == Approx(4 * single.decode_tokens_per_s));
  CHECK(four.memory.total_bytes == Approx(single.memory.total_bytes));
}

TEST_CASE("latency: one prepared LatencyModel gives estimate_latency's figures at every workload") {
  Architecture a = mixtral();
  a.layers[0].ffn = LayerFfn::dense;  // two layer groups
  a.dense_ffn.width = 14336;
  Hardware hw = ideal(true);
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = 989.4e12;
  hw.gemm_by_tokens.add(1, 0.02);
  hw.gemm_by_tokens.add(4096, 0.7);
  hw.memory_by_bytes.add(4096, 0.01);
  hw.memory_by_bytes.add(1 << 30, 0.8);
  Deployment d;
  d.parallel.tp = 2;
  d.parallel.dp = 2;
  d.parallel.ep = 4;
  const LatencyModel prepared(a, hw, d);
  for (Phase phase : {Phase::prefill, Phase::decode, Phase::train})
    for (std::int64_t batch : {2, 16, 256})
      for (std::int64_t context : {1, 700, 8192}) {
        const Workload w = work(phase, batch, context);
        const LatencyEstimate once = estimate_latency(a, w, hw, d), reused = prepared(w);
        CHECK(reused.prefill_s == once.prefill_s);
        CHECK(reused.decode_step_s == once.decode_step_s);
        CHECK(reused.train_step_s == once.train_step_s);
        CHECK(reused.memory.total_bytes == once.memory.total_bytes);
        CHECK(reused.decode[Op::routed_experts].bytes == once.decode[Op::routed_experts].bytes);
        CHECK(reused.infeasible == once.infeasible);
      }
  // The training step is the same whichever phase the workload names: it always counts the
  // optimizer states of its training settings.
  CHECK(estimate_latency(a, work(Phase::decode, 16, 700), hw, d).train_step_s ==
        Approx(estimate_latency(a, work(Phase::train, 16, 700), hw, d).train_step_s));
}

TEST_CASE("latency: what does not fit is reported, not thrown") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.memory_bytes = 24.0 * (1 << 30);  // 93 GB of weights on a 24 GiB card
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 1), hw, Deployment{});
  CHECK(l.infeasible == Infeasible::memory);
  CHECK(l.memory.total_bytes > l.memory.capacity_bytes);
  Deployment d;
  d.parallel.ep = 3;  // does not divide 8 experts
  d.parallel.dp = 3;
  CHECK(estimate_latency(a, work(Phase::decode, 3, 1), ideal(true), d).infeasible == Infeasible::ep_not_dividing_experts);
  d.parallel = {};
  d.parallel.tp = 3;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), ideal(true), d).infeasible == Infeasible::tp_not_dividing_heads);
}

TEST_CASE("latency: expert offloading is governed by the cache hit rate and storage bandwidth") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.memory_bytes = 24.0 * (1 << 30);
  hw.storage_sequential_read_bytes_per_s = 7e9;
  hw.storage_random_read_bytes_per_s = 1e9;
  Deployment d;
  d.offload.target = OffloadTarget::storage;
  d.offload.cache_experts_per_layer = 2;  // 2 of 8 experts resident per layer
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 1), hw, d);
  REQUIRE(l.feasible());
  CHECK(l.expert_cache_hit_rate == Approx(0.25));
  // Batch 1: 2 experts per layer, 75% miss, each 352 MB read at 7 GB/s, over 32 layers.
  const double expert_bytes = 3.0 * 4096 * 14336 * 2;
  CHECK(l.decode[Op::expert_io].io_s == Approx(32 * 2 * 0.75 * expert_bytes / 7e9));
  CHECK(l.decode_io_share > 0.9);
  d.offload.prefetch_accuracy = 1;  // every miss predicted: at most one layer's compute hides
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).decode_step_s < l.decode_step_s);
}

TEST_CASE("latency: devices with no link between them are infeasible, never free") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  Deployment d;
  d.parallel.tp = 2;
  hw.scale_up = {};  // inside the node: no scale-up link
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).infeasible == Infeasible::no_link);
  hw = ideal(true);
  hw.scale_out = {};  // 16 devices span two nodes of 8, with no scale-out link
  d.parallel = {2, 1, 1, 8};  // tp 2 x dp 8
  CHECK(estimate_latency(a, work(Phase::decode, 8, 1), hw, d).infeasible == Infeasible::no_link);
  d.parallel = {2, 1, 1, 4};  // 8 devices: inside one node
  CHECK(estimate_latency(a, work(Phase::decode, 8, 1), hw, d).feasible());
  hw.scale_up = {};  // a profile with only a scale-out link: every pair talks over it
  hw.scale_up_devices = 1;
  hw.scale_out = {50e9, 5e-6};
  d.parallel = {1, 2, 1, 2};  // ep 2 over dp 2: the all-to-all crosses the scale-out link
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 2, 1), hw, d);
  REQUIRE(l.feasible());
  CHECK(std::isfinite(l.decode_step_s));
  CHECK(l.decode[Op::dispatch].communication_s > 0);
}

TEST_CASE("latency: a missing offload path is infeasible, never free") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);  // no storage rates, no host link
  Deployment d;
  d.offload.cache_experts_per_layer = 2;
  d.offload.target = OffloadTarget::storage;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).infeasible == Infeasible::no_offload_path);
  d.offload.target = OffloadTarget::host;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).infeasible == Infeasible::no_offload_path);
  // With a host link, the host must also hold the experts: 32 layers x 8 x 352 MB = 90 GB.
  hw.host_link = {64e9, 1e-6};
  hw.host_memory_bytes = 64e9;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).infeasible == Infeasible::host_memory);
  hw.host_memory_bytes = 128e9;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, d).feasible());
}

TEST_CASE("latency: a prompt fetches every touched expert that is not resident, whatever the decode hit rate") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.memory_bytes = 32.0 * (1 << 30);  // 2 resident experts per layer and a 4096-token cache
  hw.storage_sequential_read_bytes_per_s = 7e9;
  hw.storage_random_read_bytes_per_s = 1e9;
  Deployment d;
  d.offload.target = OffloadTarget::storage;
  d.offload.cache_experts_per_layer = 2;
  d.routing.zipf_exponent = 2;  // skewed: LRU keeps the popular experts, decode hits often
  const LatencyEstimate l = estimate_latency(a, work(Phase::prefill, 1, 4096), hw, d);
  INFO(to_string(l.infeasible));
  REQUIRE(l.feasible());
  CHECK(l.expert_cache_hit_rate > 0.5);  // the decode figure
  // 4096 tokens x 2 picks touch all 8 experts; 6 are not resident: 6 x 352 MB per layer.
  const double expert_bytes = 3.0 * 4096 * 14336 * 2;
  CHECK(l.prefill[Op::expert_io].bytes == Approx(32 * 6 * expert_bytes).epsilon(1e-6));
}

TEST_CASE("latency: under any routing skew one token reads its K distinct experts") {
  const Architecture a = mixtral();
  for (double skew : {0.0, 0.5, 1.0, 2.0, 5.0, 10.0}) {
    Deployment d;
    d.routing.zipf_exponent = skew;
    const LatencyEstimate one = estimate_latency(a, work(Phase::decode, 1, 1), ideal(true), d);
    CHECK(one.decode_distinct_experts == Approx(2));
    // more tokens never touch fewer experts, never more than E
    double last = 0;
    for (std::int64_t batch : {1, 2, 8, 64, 1024}) {
      const double touched = estimate_latency(a, work(Phase::decode, batch, 1), ideal(true), d).decode_distinct_experts;
      CHECK(touched >= last - 1e-12);
      CHECK(touched <= 8 + 1e-12);
      last = touched;
    }
  }
}

TEST_CASE("latency: tensor parallelism alone all-reduces no gradients across replicas") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  hw.scale_up = {450e9, 1e-6};  // a real link, so an all-reduce would cost time
  Deployment d;
  d.parallel.tp = 2;  // dp = 1, ep = 1: the experts are split, not copied
  const LatencyEstimate l = estimate_latency(a, work(Phase::train, 8, 512), hw, d);
  REQUIRE(l.feasible());
  CHECK(l.train[Op::dp_allreduce].time_s == 0);
  d.parallel.dp = 2;  // two replicas: now the gradients travel
  CHECK(estimate_latency(a, work(Phase::train, 8, 512), hw, d).train[Op::dp_allreduce].time_s > 0);
}

// LocMoE's routing locality (Li et al. 2024, arXiv 2401.13920): the node keeps a share F of the
// routed copies, of which the device itself keeps 1/local; 1 - F crosses the scale-out link.
// Two nodes of 4 with EP 8: uniform routing keeps 4/8 on the node.
TEST_CASE("latency golden: routing locality sets the scale-out share of the all-to-all") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.scale_up_devices = 4;
  hw.scale_up = {1e12, 0};
  hw.scale_out = {1e10, 0};
  hw.link_efficiency = 1;
  Deployment d;
  d.parallel = {1, 8, 1, 8};
  const Workload w = work(Phase::decode, 8, 1);
  auto wire = [&](std::optional<double> locality) {
    d.node_locality = locality;
    return estimate_latency(a, w, hw, d).decode[Op::dispatch].communication_s;
  };
  const double uniform = wire(std::nullopt);  // bytes * 4/8 over the scale-out link decide
  REQUIRE(uniform > 0);
  CHECK(wire(0.5) == Approx(uniform).epsilon(1e-12));
  CHECK(wire(0.75) == Approx(uniform * 0.25 / 0.5).epsilon(1e-12));
  // All local: only the node's links, bytes * 1 * 3/4 at 1e12 B/s against bytes * 1/2 at 1e10.
  CHECK(wire(1.0) == Approx(uniform * (0.75 / 1e12) / (0.5 / 1e10)).epsilon(1e-12));
  double last = INFINITY;
  for (double f = 0; f <= 1.0001; f += 0.1) {  // while the scale-out link decides, more locality never costs time
    d.node_locality = f;
    const double step = estimate_latency(a, w, hw, d).decode_step_s;
    CHECK(step <= last);
    last = step;
  }
  d.parallel = {1, 4, 1, 4};  // one node: nothing crosses the scale-out link, whatever F says
  CHECK(wire(0.0) == wire(std::nullopt));
  Diagnostics problems;
  d.node_locality = 1.5;
  validate(d, problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "routing_locality");
}

// AdaMoE's null experts: fewer real experts per token read fewer distinct experts' weights.
TEST_CASE("latency property: a null-expert share never adds time and lowers the experts read") {
  Architecture a = mixtral();
  a.moe.null_experts = 4;
  const Hardware hw = ideal(true);
  Deployment d;
  d.parallel.tp = 2;
  double last_step = INFINITY, last_distinct = INFINITY;
  for (const double f : {0.0, 0.1, 0.3, 0.6, 0.9}) {
    Workload w = work(Phase::decode, 4, 512);
    w.null_fraction = f;
    const LatencyEstimate l = estimate_latency(a, w, hw, d);
    REQUIRE(l.feasible());
    CHECK(l.decode_step_s <= last_step);
    CHECK(l.decode_distinct_experts < last_distinct);
    last_step = l.decode_step_s;
    last_distinct = l.decode_distinct_experts;
  }
  // Uniform: E (1 - (1 - K (1 - f)/E)^T) for 4 tokens, K = 2, E = 8, f = 0.5: 8 (1 - (7/8)^4).
  Workload w = work(Phase::decode, 4, 512);
  w.null_fraction = 0.5;
  CHECK(estimate_latency(a, w, hw, d).decode_distinct_experts == Approx(8 * (1 - std::pow(7.0 / 8, 4))));
}

namespace {

// Jamba-v0.1 as in data/models/jamba-v0.1.json (Lieber et al. 2024 §2; HF config): attention at
// i mod 8 = 4, Mamba elsewhere (expand 2: d_inner 8192; N 16, d_conv 4, dt_rank 256), MoE at i mod 2 = 1.
Architecture jamba() {
  Architecture a = mixtral();
  a.name = "Jamba-v0.1";
  a.vocab_size = 65536;
  a.moe.experts = 16;
  a.dense_ffn.width = 14336;
  a.mamba = {2, 16, 4, 256, true, false, true};
  a.max_position_embeddings = 262144;
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    a.layers[i].mixer = i % 8 == 4 ? LayerMixer::attention : LayerMixer::mamba;
    a.layers[i].ffn = i % 2 == 1 ? LayerFfn::moe : LayerFfn::dense;
  }
  a.precision.ssm_state = NumberFormat{Element::fp32, 0, 0};
  return a;
}

double phase_time(const LatencyEstimate& l, Phase phase) {
  return phase == Phase::prefill ? l.prefill_s : phase == Phase::decode ? l.decode_step_s : l.train_step_s;
}

}  // namespace

TEST_CASE("latency golden: a Mamba decode step reads each state and writes it back") {
  const Architecture a = jamba();
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 1), hw, Deployment{});
  REQUIRE(l.feasible());
  const OpTime& scan = l.decode[Op::mamba_scan];
  // per layer: conv state 8192 x 4 x 2 bytes = 65,536 and SSM state 8192 x 16 x 4 = 524,288,
  // read and written: 1,179,648; activations (6 x 8192 + 2 x 16) x 2 bytes = 98,368 -> 1,278,016;
  // 28 Mamba layers
  CHECK(scan.bytes == 28.0 * 1278016);
  CHECK(scan.memory_s == Approx(28.0 * 1278016 / 3.35e12).epsilon(1e-12));
  CHECK(scan.bound == Bound::memory);
  // conv 2 x 8192 x 4 = 65,536 + scan 8192 x (7 x 16 + 3) = 942,080 FLOPs per layer
  CHECK(scan.flops == 28.0 * (65536 + 942080));
  // the four projections: 105,119,744 weights per layer x 2 bytes, read once at batch 1
  CHECK(l.decode[Op::mamba_projections].bytes > 28.0 * 105119744 * 2);
  CHECK(l.decode[Op::mamba_projections].bytes < 28.0 * 105119744 * 2 * 1.001);
  // memory: 28 x 589,824 bytes of state for the one sequence
  CHECK(l.memory.recurrent_state_bytes == 28.0 * 589824);
}

TEST_CASE("latency property: Mamba time never falls with work, never beats its floor, is never 0") {
  const Architecture a = jamba();
  Architecture mamba_only = a;
  for (auto& l : mamba_only.layers) l.mixer = LayerMixer::mamba;
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)] = 989.4e12;
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp32)] = 67e12;
  hw.kernel_overhead_s = 2e-6;
  for (Phase phase : {Phase::prefill, Phase::decode, Phase::train}) {
    for (std::int64_t batch : {1, 8, 64}) {
      double previous = 0, previous_mamba = 0;
      for (std::int64_t context : {1, 100, 2048, 2049, 16384, 262144}) {
        const Workload w = work(phase, batch, context);
        const LatencyEstimate l = estimate_latency(a, w, hw, Deployment{});
        REQUIRE(l.feasible());
        const PhaseTime& t = phase == Phase::prefill ? l.prefill : phase == Phase::decode ? l.decode : l.train;
        const OpTime& scan = t[Op::mamba_scan];
        CHECK(scan.time_s > 0);
        CHECK(scan.time_s >= scan.bytes / hw.memory_bandwidth_bytes_per_s);  // the bandwidth floor
        CHECK(scan.time_s >= scan.flops / 67e12);                            // the fp32 floor
        CHECK(phase_time(l, phase) >= previous);
        previous = phase_time(l, phase);
        const double m = phase_time(estimate_latency(mamba_only, w, hw, Deployment{}), phase);
        CHECK(m >= previous_mamba);
        previous_mamba = m;
      }
      // a Mamba-only decode step costs the same at any context
      if (phase == Phase::decode)
        CHECK(estimate_latency(mamba_only, work(phase, batch, 1), hw, Deployment{}).decode_step_s == previous_mamba);
    }
  }
}

TEST_CASE("latency: tensor parallelism splits the Mamba state, and must divide d_inner") {
  Architecture a = jamba();
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  Deployment d;
  const double one = estimate_latency(a, work(Phase::decode, 4, 4096), hw, d).memory.recurrent_state_bytes;
  CHECK(one == 4 * 28.0 * 589824);
  d.parallel.tp = 2;
  const LatencyEstimate two = estimate_latency(a, work(Phase::decode, 4, 4096), hw, d);
  CHECK(two.memory.recurrent_state_bytes == one / 2);
  CHECK(two.decode[Op::tp_allreduce].time_s > 0);
  a.hidden_size = 4095;  // d_inner = 1 x 4095: odd
  a.mamba.expand = 1;
  d.parallel.tp = 1;
  CHECK(estimate_latency(a, work(Phase::decode, 4, 4096), hw, d).feasible());
  d.parallel.tp = 2;
  CHECK(estimate_latency(a, work(Phase::decode, 4, 4096), hw, d).infeasible == Infeasible::tp_not_dividing_mamba);
}

// ZeRO (Rajbhandari et al. 2020 §5.1) on a dense model (no experts: every state is sharded over
// dp): stage 1 takes (1 - 1/dp) of the optimizer states off each device, stage 2 the same of
// the gradients, stage 3 the same of the stored weights; each stage only adds to the savings.
TEST_CASE("latency golden: ZeRO stages shard the optimizer states, gradients and weights over dp") {
  Architecture a = mixtral();
  a.moe = {};
  a.dense_ffn.width = 14336;
  a.layers.assign(4, LayerConfig{LayerFfn::dense, AttentionSpan::full});
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  Deployment d;
  d.parallel.dp = 4;
  Workload w = work(Phase::train, 8, 512);
  const Estimate e = estimate(a, w);
  MemoryPerDevice m[4];
  for (int z = 0; z < 4; ++z) {
    w.training.zero = z;
    m[z] = estimate_latency(a, w, hw, d).memory;
  }
  CHECK(m[0].training_state_bytes - m[1].training_state_bytes == Approx(e.memory.optimizer_bytes * 3 / 4));
  CHECK(m[1].training_state_bytes - m[2].training_state_bytes == Approx(e.memory.gradient_bytes * 3 / 4));
  CHECK(m[2].training_state_bytes == Approx(m[3].training_state_bytes));
  CHECK(m[3].weights_bytes == Approx(m[0].weights_bytes / 4));
  CHECK(m[0].weights_bytes == Approx(e.memory.weights_bytes));
  // One replica: nothing to shard over.
  d.parallel.dp = 1;
  w.batch = 2;
  w.training.zero = 0;
  const double alone = estimate_latency(a, w, hw, d).memory.total_bytes;
  w.training.zero = 3;
  CHECK(estimate_latency(a, w, hw, d).memory.total_bytes == Approx(alone));
}

// 1F1B (Korthikanti et al. 2022 §4.2.3): without a pipeline, m micro-batches keep 1/m of the
// batch's activations (gradient accumulation); with pp stages and m >= pp the first stage keeps
// pp micro-batches over L/pp layers, i.e. the layers' activations of one micro-batch, and the
// last stage one micro-batch over L/pp layers plus the head's logits: the larger counts.
TEST_CASE("latency golden: activations in flight under gradient accumulation and 1F1B") {
  Architecture a = mixtral();
  a.layers.resize(8);
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  const Workload w = work(Phase::train, 16, 512);
  const Estimate e = estimate(a, w);
  const double all = e.memory.activation_bytes, head = e.memory.activation_head_bytes;
  REQUIRE(head > 0);
  REQUIRE(head < all);
  Deployment d;
  const double fixed = estimate_latency(a, w, hw, d).memory.training_state_bytes - all;  // gradients, optimizer
  d.parallel.microbatches = 4;
  CHECK(estimate_latency(a, w, hw, d).memory.training_state_bytes - fixed == Approx(all / 4));
  d.parallel.pp = 4;
  d.parallel.microbatches = 8;
  const double layers = all - head;
  const double first = layers / 4 * 4 / 8, last = layers / 4 / 8 + head / 8;
  const double states = estimate_latency(a, w, hw, d).memory.training_state_bytes;
  Deployment one_batch = d;
  one_batch.parallel.microbatches = 1;  // the first stage then holds its one micro-batch: the whole batch over L/pp layers
  const double states_one = estimate_latency(a, w, hw, one_batch).memory.training_state_bytes;
  CHECK(states_one - states == Approx(std::max(layers / 4, layers / 4 + head) - std::max(first, last)));
}

// Hand-derived: the interleaved schedule's first stage holds pp + (pp - 1)/v micro-batches
// (Korthikanti et al. 2022 §4.2.3), here 4 + 3/2 = 5.5 of m = 8, each over L/pp layers; with
// m = 4 all four. On a device with free links the bubble shrinks from 3/8 to 3/16 of the work.
TEST_CASE("latency golden: the interleaved schedule's activations in flight and bubble") {
  Architecture a = mixtral();
  a.layers.resize(8);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  const Workload w = work(Phase::train, 16, 512);
  const Estimate e = estimate(a, w);
  const double layers = e.memory.activation_bytes - e.memory.activation_head_bytes;
  Deployment d;
  d.parallel.pp = 4;
  d.parallel.microbatches = 8;
  const LatencyEstimate plain = estimate_latency(a, w, hw, d);
  d.parallel.virtual_stages = 2;
  const LatencyEstimate interleaved = estimate_latency(a, w, hw, d);
  REQUIRE(interleaved.feasible());
  CHECK(interleaved.memory.training_state_bytes - plain.memory.training_state_bytes == Approx(layers / 4 * (5.5 - 4) / 8));
  CHECK(interleaved.train_step_s / plain.train_step_s == Approx((1 + 3.0 / 16) / (1 + 3.0 / 8)));
  d.parallel.microbatches = 4;
  Deployment plain_four = d;
  plain_four.parallel.virtual_stages = 1;
  CHECK(estimate_latency(a, w, hw, d).memory.training_state_bytes == Approx(estimate_latency(a, w, hw, plain_four).memory.training_state_bytes));
  d.parallel.virtual_stages = 3;  // 4 stages x 3 chunks > 8 layers
  CHECK(estimate_latency(a, w, hw, d).infeasible == Infeasible::pp_exceeds_layers);
  d.parallel.virtual_stages = 1;
  d.parallel.microbatches = 3;  // a micro-batch holds whole sequences: 3 does not divide 16
  CHECK(estimate_latency(a, w, hw, d).infeasible == Infeasible::dp_not_dividing_batch);
  CHECK(estimate_latency(a, work(Phase::decode, 16, 512), hw, d, {false, true, false}).feasible());  // serving ignores m
}

// Hand-derived: serving is ragged. With dp = 8 at batch 12 the busiest replicas hold 2
// sequences, so the step and the memory per device are those of batch 16, and the tokens per
// second are 12 per step; batch 1 leaves seven replicas idle and runs as dp = 1.
TEST_CASE("latency golden: a batch that dp does not divide is served, the busiest replica setting the step") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  Deployment d;
  d.parallel.dp = 8;
  const LatencyEstimate twelve = estimate_latency(a, work(Phase::decode, 12, 4096), hw, d);
  const LatencyEstimate sixteen = estimate_latency(a, work(Phase::decode, 16, 4096), hw, d);
  REQUIRE(twelve.feasible());
  CHECK(twelve.decode_step_s == Approx(sixteen.decode_step_s));
  CHECK(twelve.memory.kv_cache_bytes == Approx(sixteen.memory.kv_cache_bytes));
  CHECK(twelve.decode_tokens_per_s == Approx(12 / sixteen.decode_step_s));
  const LatencyEstimate one = estimate_latency(a, work(Phase::decode, 1, 4096), hw, d);
  d.parallel.dp = 1;
  REQUIRE(one.feasible());
  CHECK(one.decode_step_s == Approx(estimate_latency(a, work(Phase::decode, 1, 4096), hw, d).decode_step_s));
}

// Hand-derived: at Zipf 10 over 8 experts one expert takes 99.9 % of the picks (p_1 =
// 1/sum i^-10), and with top-1 at batch 1 the step reads one expert. Over ep = 2 the busiest
// device holds it and reads all of it; the mean device reads half an expert. So the busiest
// device's reads exceed the mean's by half an expert, 3 h f x 2 B / 2 = 176,160,768 B for
// Mixtral's layer (the rest of the top device's experts add the tail, 1e-6 of an expert).
TEST_CASE("latency golden: the busiest expert-parallel device's expert reads set the step") {
  Architecture a = mixtral();
  a.layers.resize(1);
  a.moe.top_k = 1;
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  Deployment d;
  d.parallel.ep = 2;
  d.parallel.tp = 2;  // one token reaches the expert-parallel group
  d.routing.zipf_exponent = 10;
  const LatencyEstimate busiest = estimate_latency(a, work(Phase::decode, 1, 512), hw, d);
  d.expert_reads = ExpertReads::mean;
  const LatencyEstimate mean = estimate_latency(a, work(Phase::decode, 1, 512), hw, d);
  REQUIRE(busiest.feasible());
  const double half_expert = 3.0 * 4096 * 14336 * 2 / 2;
  CHECK(busiest.decode[Op::routed_experts].bytes - mean.decode[Op::routed_experts].bytes == Approx(half_expert).epsilon(1e-5));
  CHECK(busiest.decode_step_s > mean.decode_step_s);
  d.routing.zipf_exponent = 0;  // uniform: every device alike, either way
  const double uniform_mean = estimate_latency(a, work(Phase::decode, 1, 512), hw, d).decode_step_s;
  d.expert_reads = ExpertReads::busiest;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 512), hw, d).decode_step_s == uniform_mean);
}

// Physics: a training step split into more micro-batches runs its GEMMs at fewer tokens, so
// on one stage it never gets faster, and below the efficiency plateau it gets slower.
TEST_CASE("latency property: training step time never falls as the micro-batches shrink") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.gemm_by_tokens.add(64, 0.2);
  hw.gemm_by_tokens.add(65536, 1.0);
  hw.kernel_overhead_s = 2e-6;
  double last = 0;
  for (std::int64_t m : {1, 2, 4, 8, 16, 32}) {
    Deployment d;
    d.parallel.microbatches = m;
    const LatencyEstimate l = estimate_latency(a, work(Phase::train, 32, 1024), hw, d);
    REQUIRE(l.feasible());
    CHECK(l.train_step_s >= last);
    if (m > 1 && 32 * 1024 / m < 65536) CHECK(l.train_step_s > last * 1.01);
    last = l.train_step_s;
  }
}

// Physics: no deployment uses more than its devices' peak, and a device that does nothing but
// compute at its peak reaches close to 1 (the bubble and the optimizer pass are the rest).
TEST_CASE("latency property: model FLOPs utilisation is in (0, 1]") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  for (std::int64_t tp : {1, 2})
    for (std::int64_t pp : {1, 2, 4})
      for (std::int64_t m : {1, 4, 16}) {
        Deployment d;
        d.parallel.tp = tp;
        d.parallel.pp = pp;
        d.parallel.microbatches = m;
        const LatencyEstimate l = estimate_latency(a, work(Phase::train, 16, 1024), hw, d);
        REQUIRE(l.feasible());
        CHECK(l.train_mfu > 0);
        CHECK(l.train_mfu <= 1 + 1e-12);
        if (tp == 1 && pp == 1) CHECK(l.train_mfu > 0.9);  // one device at its peak, memory free
      }
}

// The activation function between an FFN's GEMMs and the router's top-k are kernels of their
// own. Mixtral prefill of M = 512 tokens on one device, uniform routing: each MoE layer's
// SwiGLU reads gate and up and writes their product for every one of the M·K routed copies,
// 3 · 14336 values of 2 bytes; the top-k reads the 8 fp32 logits and writes K weights and K
// indices (4 bytes each) per token, after the router GEMM (its weights and its h + E values).
TEST_CASE("latency golden: the FFN activation and the router's top-k are operators of their own") {
  const Architecture a = mixtral();
  const double M = 512;
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  const LatencyEstimate l = estimate_latency(a, work(Phase::prefill, 1, 512), hw, Deployment{});
  REQUIRE(l.feasible());
  CHECK(l.prefill[Op::elementwise].bytes == Approx(32 * M * 2 * 3 * 14336.0 * 2));
  CHECK(l.prefill[Op::router].bytes == Approx(32 * (4096 * 8 * 2 + M * (4096 + 8) * 2 + M * (8 + 2 * 2) * 4)));
  CHECK(l.prefill[Op::elementwise].memory_s > 0);
  // a plain (GELU) FFN reads and writes one value per width
  Architecture dense = a;
  dense.moe = {};
  dense.dense_ffn = {14336, FfnActivation::plain, false};
  dense.layers.assign(32, LayerConfig{LayerFfn::dense, AttentionSpan::full});
  const LatencyEstimate g = estimate_latency(dense, work(Phase::prefill, 1, 512), hw, Deployment{});
  CHECK(g.prefill[Op::elementwise].bytes == Approx(32 * M * 2 * 14336.0 * 2));
}

// FP8 training casts each FP8 GEMM's input from BF16 (2 bytes read, 1 written; DeepSeek-V3
// §3.5.2). Mixtral, one sequence of 512 tokens, fp8 activations on a device with an fp8 peak,
// no recomputation (the forward's operators x 3). Per layer and token the casts cover the
// qkv input h = 4096 and the output projection's 32 x 128 = 4096, and for each of the K = 2
// routed copies the experts' inputs h + 14336; the SwiGLU moves 3 x 14336 1-byte values per
// copy. Serving fuses the cast into the producing kernel: nothing is charged in decode.
TEST_CASE("latency golden: FP8 training casts every FP8 GEMM's input, serving does not") {
  Architecture a = mixtral();
  a.precision.activations = {Element::fp8, 0, 0};
  Hardware hw = ideal(false);
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp8)] = 2 * 989.4e12;
  hw.memory_bytes = 1e15;
  Workload w = work(Phase::train, 1, 512);
  w.training.recompute = Recompute::none;
  const double M = 512;
  const double per_token = (4096 + 4096) * 3.0 + 2 * (4096 + 14336) * 3.0 + 2 * 3 * 14336.0 * 1;
  const LatencyEstimate l = estimate_latency(a, w, hw, Deployment{});
  REQUIRE(l.feasible());
  CHECK(l.train[Op::elementwise].bytes == Approx(3 * 32 * M * per_token));
  CHECK(l.decode[Op::elementwise].bytes == Approx(32 * 1 * 2 * 3 * 14336.0 * 1));
  // GEMMs at 16 bits: no casts
  a.precision.activations = {Element::bf16, 0, 0};
  CHECK(estimate_latency(a, w, hw, Deployment{}).train[Op::elementwise].bytes == Approx(3 * 32 * M * 2 * 3 * 14336.0 * 2));
  // fp8 activations on a device without an fp8 peak run the GEMMs at 16 bits: no casts either
  a.precision.activations = {Element::fp8, 0, 0};
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp8)] = 0;
  CHECK(estimate_latency(a, w, hw, Deployment{}).train[Op::elementwise].bytes == Approx(3 * 32 * M * 2 * 3 * 14336.0 * 1));
}

// Megatron-LM's --overlap-grad-reduce: the gradient all-reduce runs under the last
// micro-batch's backward, only its excess exposed. One device's stage (pp 1, m 1, no
// recomputation) on a compute-only device, dp 2 over a link with no latency: the backward is
// 2/3 of every computing operator's train time (forward + 2 x forward) and half of the
// communication operators' (forward + the backward's repeat).
TEST_CASE("latency golden: an overlapped gradient reduction exposes only what the backward does not cover") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Deployment d;
  d.parallel.dp = 2;
  Workload w = work(Phase::train, 2, 1024);
  w.training.recompute = Recompute::none;
  auto run = [&](double link_bandwidth, bool overlap) {
    Hardware hw = ideal(false);
    hw.memory_bytes = 1e15;
    hw.scale_up = {link_bandwidth, 0};
    w.training.overlap_grad_reduce = overlap;
    const LatencyEstimate l = estimate_latency(a, w, hw, d);
    REQUIRE(l.feasible());
    return l;
  };
  const LatencyEstimate base = run(1e9, false);
  double backward = 0;
  for (std::size_t k = 0; k < kOpCount; ++k) {
    const Op op = static_cast<Op>(k);
    if (op == Op::optimizer || op == Op::dp_allreduce) continue;
    const bool wire = op == Op::tp_allreduce || op == Op::pipeline_p2p || op == Op::dispatch || op == Op::combine;
    backward += base.train.op[k].time_s * (wire ? 0.5 : 2.0 / 3);
  }
  REQUIRE(backward > 0);
  const double comm = base.train[Op::dp_allreduce].communication_s;
  REQUIRE(comm > backward);  // a slow link: the backward hides part of it
  const LatencyEstimate slow = run(1e9, true);
  CHECK(slow.train[Op::dp_allreduce].time_s == Approx(comm - backward));
  CHECK(base.train_step_s - slow.train_step_s == Approx(backward));
  // a fast link: all of it hidden, none of the traffic lost
  const LatencyEstimate fast = run(1e15, true);
  CHECK(fast.train[Op::dp_allreduce].time_s == 0);
  CHECK(fast.train[Op::dp_allreduce].communication_s > 0);
  CHECK(fast.train[Op::dp_allreduce].bytes == Approx(base.train[Op::dp_allreduce].bytes));
}

// ZeRO splits the all-reduce into its reduce-scatter and all-gather halves (ZeRO-3 gathers
// twice: 1.5x the traffic, Rajbhandari et al. 2020 §7.2); with both overlaps on a fast link
// neither is exposed, and the overlaps never make a step slower.
TEST_CASE("latency property: ZeRO's reduce-scatter and gather overlap their windows, never adding time") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Deployment d;
  d.parallel.dp = 4;
  for (double bandwidth : {1e8, 1e10, 1e12, 1e15})
    for (std::int64_t zero : {0, 1, 2, 3}) {
      Hardware hw = ideal(false);
      hw.memory_bytes = 1e15;
      hw.scale_up = {bandwidth, 1e-6};
      Workload w = work(Phase::train, 4, 1024);
      w.training.zero = zero;
      const LatencyEstimate plain = estimate_latency(a, w, hw, d);
      w.training.overlap_grad_reduce = true;
      w.training.overlap_param_gather = zero >= 1;
      const LatencyEstimate hidden = estimate_latency(a, w, hw, d);
      CHECK(hidden.train_step_s <= plain.train_step_s);
      CHECK(hidden.train[Op::dp_allreduce].communication_s == Approx(plain.train[Op::dp_allreduce].communication_s));
      CHECK(plain.train[Op::dp_allreduce].time_s == Approx(plain.train[Op::dp_allreduce].communication_s));
      if (bandwidth >= 1e15) CHECK(hidden.train[Op::dp_allreduce].time_s == 0);
      if (zero == 3) {
        w.training.zero = 2;
        CHECK(plain.train[Op::dp_allreduce].communication_s ==
              Approx(1.5 * estimate_latency(a, w, hw, d).train[Op::dp_allreduce].communication_s));
      }
    }
}

// Weight-only quantisation: a GEMM whose weights are stored narrower than the activations
// unpacks them once, overlapped with its multiplies and reads (its compute time is the longer
// of the two). Mixtral with int4-g128 experts (4.125 bits per weight), batch-1 decode on a
// device with unbounded compute and memory but an unpack rate of 1e11 stored bytes/s: each
// MoE layer unpacks the K = 2 experts it touches, 3 x 4096 x 14336 weights each.
TEST_CASE("latency golden: weights stored narrower than the activations are unpacked at the profile's rate") {
  Architecture a = mixtral();
  a.precision.experts = *parse_number_format("int4-g128");
  Hardware hw = ideal(false);
  hw.memory_bandwidth_bytes_per_s = 1e30;
  hw.dequantize_bytes_per_s[static_cast<std::size_t>(Element::int4)] = 1e11;
  const LatencyEstimate l = estimate_latency(a, work(Phase::decode, 1, 512), hw, Deployment{});
  REQUIRE(l.feasible());
  const double expert_bytes = 3 * 4096 * 14336.0 * 4.125 / 8;
  CHECK(l.decode[Op::routed_experts].compute_s == Approx(32 * 2 * expert_bytes / 1e11));
  CHECK(l.decode[Op::routed_experts].bound == Bound::compute);
  // the bf16 attention weights are not unpacked: their FLOPs at the peak
  CHECK(l.decode[Op::qkv_projection].compute_s == Approx(l.decode[Op::qkv_projection].flops / 989.4e12));
  // the same weights under int4 activations are not narrower: nothing to unpack
  a.precision.activations = {Element::int4, 0, 0};
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::int4)] = 1e30;
  CHECK(estimate_latency(a, work(Phase::decode, 1, 512), hw, Deployment{}).decode[Op::routed_experts].compute_s < 1e-9);
}

// A missing device property is never free: without a rate for the format the design is
// infeasible with its reason; a faster unpacking never makes a step slower.
TEST_CASE("latency: unpacking without a rate is infeasible, and a faster one never slows a step") {
  Architecture a = mixtral();
  a.precision.experts = *parse_number_format("int4-g128");
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  const LatencyEstimate none = estimate_latency(a, work(Phase::decode, 1, 512), hw, Deployment{});
  CHECK(none.infeasible == Infeasible::no_dequantization);
  CHECK(none.decode_step_s == 0);
  double last = 1e30;
  for (double rate : {1e9, 1e10, 1e11, 1e12, 1e13}) {
    hw.dequantize_bytes_per_s[static_cast<std::size_t>(Element::int4)] = rate;
    for (Phase phase : {Phase::prefill, Phase::decode}) {
      const LatencyEstimate l = estimate_latency(a, work(phase, 4, 1024), hw, Deployment{});
      REQUIRE(l.feasible());
      CHECK(l.prefill_s + l.decode_step_s > 0);
    }
    const double step = estimate_latency(a, work(Phase::decode, 4, 1024), hw, Deployment{}).decode_step_s;
    CHECK(step <= last);
    last = step;
  }
  // with fast unpacking the memory-bound step is the int4 weight read, a quarter of bf16's
  a.precision.experts = {Element::bf16, 0, 0};
  const double bf16 = estimate_latency(a, work(Phase::decode, 1, 1), hw, Deployment{}).decode[Op::routed_experts].memory_s;
  a.precision.experts = *parse_number_format("int4-g128");
  CHECK(estimate_latency(a, work(Phase::decode, 1, 1), hw, Deployment{}).decode[Op::routed_experts].memory_s ==
        Approx(bf16 * 4.125 / 16).epsilon(0.01));
}

// Two-batch overlap (DeepSeek-V3 §3.4.1): the all-to-all of one micro-batch runs under the
// other's compute. Mixtral, 4 layers, ep 2 over 2 replicas of 2 sequences each, a
// compute-only device whose link (1 GB/s, no latency) makes the all-to-all X far longer than
// the compute C: without overlap the prefill takes C + X, with it 2 x the half batch's
// all-to-all, X (bytes halve with the tokens).
TEST_CASE("latency golden: two-batch overlap hides the compute under the all-to-all") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.scale_up = {1e9, 0};
  Deployment d;
  d.parallel.ep = 2;
  d.parallel.dp = 2;
  const Workload w = work(Phase::prefill, 4, 256);
  const LatencyEstimate base = estimate_latency(a, w, hw, d);
  REQUIRE(base.feasible());
  const double X = base.prefill[Op::dispatch].communication_s + base.prefill[Op::combine].communication_s;
  REQUIRE(X > 10 * (base.prefill_s - X));
  d.two_batch_overlap = true;
  const LatencyEstimate both = estimate_latency(a, w, hw, d);
  CHECK(both.prefill_s == Approx(X));
  CHECK(both.prefill[Op::dispatch].communication_s == Approx(base.prefill[Op::dispatch].communication_s));  // both halves' wire
  double sum = 0;  // the operators add up to the pass: dispatch and combine hold the exposed wire
  for (const OpTime& t : both.prefill.op) sum += t.time_s;
  CHECK(sum == Approx(both.prefill_s));
  CHECK(both.prefill[Op::dispatch].bound == Bound::communication);
  // one sequence per replica cannot be split: nothing changes
  const Workload one = work(Phase::decode, 2, 256);
  d.two_batch_overlap = false;
  const double alone = estimate_latency(a, one, hw, d).decode_step_s;
  d.two_batch_overlap = true;
  CHECK(estimate_latency(a, one, hw, d).decode_step_s == alone);
}

// The all-reduce takes the fastest algorithm of Thakur et al. 2005 §4.4 for its size. Derived by
// hand for the TP all-reduce of M tokens x 4096 x 2 bytes over a 450 GB/s, 3 us link (two per
// layer, two layers):
// - tp 8, one token (8,192 B): recursive doubling, 3 steps of all the bytes:
//   3 x 3 us + 3 x 8192 / 450e9 = 9.0546 us (the ring: 14 x 3 us + 8192 x 14/8 / 450e9 = 42.03 us)
// - tp 8, 4,096 tokens (33.55 MB): Rabenseifner, 6 steps moving the ring's 7/4 of the bytes:
//   18 us + 33554432 x 1.75 / 450e9 = 148.49 us (the ring 172.49 us, recursive doubling 232.70 us)
// - tp 6, 4,096 tokens: the ring, 10 steps moving 10/6 of the bytes: 30 us + 124.27 us = 154.27 us
//   (Rabenseifner over 4 devices plus two fold steps: 6 steps moving 3.5 x the bytes, 278.98 us)
TEST_CASE("latency golden: an all-reduce takes the fastest of the ring, recursive doubling and Rabenseifner's") {
  Architecture a = mixtral();
  a.layers.resize(2);
  a.attention.heads = 48;  // divisible by 6 and 8
  a.attention.kv_heads = 24;
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.scale_up = {450e9, 3e-6};
  struct Case {
    std::int64_t tp;
    Phase phase;
    double bytes, each_s, wire;
  };
  const double big = 4096.0 * 4096 * 2;
  for (const Case& c : {Case{8, Phase::decode, 8192, 9.0546e-6, 3 * 8192.0}, Case{8, Phase::prefill, big, 148.49e-6, 1.75 * big},
                        Case{6, Phase::prefill, big, 154.27e-6, big * 10 / 6}}) {
    Deployment d;
    d.parallel.tp = c.tp;
    const LatencyEstimate l = estimate_latency(a, work(c.phase, 1, c.phase == Phase::decode ? 128 : 4096), hw, d);
    REQUIRE(l.feasible());
    const OpTime& t = (c.phase == Phase::decode ? l.decode : l.prefill)[Op::tp_allreduce];
    CHECK(t.communication_s == Approx(4 * c.each_s).epsilon(1e-4));
    CHECK(t.bytes == Approx(4 * c.wire));
    CHECK(t.bound == Bound::communication);
  }
}

// With peer access inside the node, serving engines all-reduce messages up to 8 MiB by direct
// reads (vLLM's custom all-reduce, TensorRT-LLM's ONESHOT/TWOSHOT). Derived by hand on the
// 450 GB/s, 3 us link of the test above, tp 8, two all-reduces per layer, two layers:
// - one token (8,192 B): one-shot, one step reading 7 peers' buffers:
//   3 us + 7 x 8192 / 450e9 = 3.12743 us (recursive doubling 9.0546 us)
// - 256 tokens (2 MiB): two-shot, two steps moving the ring's 7/4 of the bytes:
//   6 us + 1.75 x 2097152 / 450e9 = 14.1555 us (one-shot 35.62 us, recursive doubling 22.98 us)
// - 4,096 tokens (32 MiB, over 8 MiB): Rabenseifner as without peer access, 148.49 us
// Training all-reduces through NCCL: the same as without peer access.
TEST_CASE("latency golden: serving all-reduces small messages by direct reads where the node has peer access") {
  Architecture a = mixtral();
  a.layers.resize(2);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.scale_up = {450e9, 3e-6};
  Hardware peers = hw;
  peers.scale_up_peer_access = true;
  Deployment d;
  d.parallel.tp = 8;
  struct Case {
    Phase phase;
    std::int64_t context;
    double each_s, wire;
  };
  const double two_mib = 256.0 * 4096 * 2, big = 4096.0 * 4096 * 2;
  for (const Case& c : {Case{Phase::decode, 128, 3.12743e-6, 7 * 8192.0}, Case{Phase::prefill, 256, 14.1555e-6, 1.75 * two_mib},
                        Case{Phase::prefill, 4096, 148.49e-6, 1.75 * big}}) {
    const LatencyEstimate l = estimate_latency(a, work(c.phase, 1, c.context), peers, d);
    REQUIRE(l.feasible());
    const OpTime& t = (c.phase == Phase::decode ? l.decode : l.prefill)[Op::tp_allreduce];
    CHECK(t.communication_s == Approx(4 * c.each_s).epsilon(1e-4));
    CHECK(t.bytes == Approx(4 * c.wire));
  }
  const Workload train = work(Phase::train, 1, 256);
  CHECK(estimate_latency(a, train, peers, d).train[Op::tp_allreduce].communication_s ==
        estimate_latency(a, train, hw, d).train[Op::tp_allreduce].communication_s);
}

// Hardware::pass_overhead_s: the engine's host work per pass, which no kernel overlaps. Derived
// by hand: it adds exactly its value to every prefill pass and decode step (once, whether the
// pass runs as two overlapped micro-batches or over pipeline stages), as an operator of its
// own bound by overhead, and nothing to a training step.
TEST_CASE("latency golden: the engine's pass overhead is paid once per serving pass, never in training") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  hw.scale_up = {1e9, 1e-6};
  hw.kernel_overhead_s = 5e-6;
  Hardware engine = hw;
  engine.pass_overhead_s = 1e-3;
  for (const bool overlap : {false, true}) {
    for (const std::int64_t pp : {1, 2}) {
      Deployment d;
      d.parallel.ep = 2;
      d.parallel.dp = 2;
      d.parallel.pp = pp;
      d.two_batch_overlap = overlap;
      for (const Phase phase : {Phase::prefill, Phase::decode, Phase::train}) {
        const Workload w = work(phase, 8, 256);
        const LatencyEstimate bare = estimate_latency(a, w, hw, d), charged = estimate_latency(a, w, engine, d);
        REQUIRE(charged.feasible());
        const double added = phase == Phase::train ? 0 : 1e-3;
        CHECK(phase_time(charged, phase) - phase_time(bare, phase) == Approx(added).margin(1e-12));
        const PhaseTime& t = phase == Phase::prefill ? charged.prefill : phase == Phase::decode ? charged.decode : charged.train;
        CHECK(t[Op::pass_overhead].time_s == added);
        if (added > 0) CHECK(t[Op::pass_overhead].bound == Bound::overhead);
      }
    }
  }
}

// Without expert parallelism there is nothing to hide, and each micro-batch reads the weights
// again: on a memory-bound device the split only costs (batch-8 decode, ep 1).
TEST_CASE("latency property: two-batch overlap without an all-to-all never makes a pass faster") {
  const Architecture a = mixtral();
  Hardware hw = ideal(true);
  hw.memory_bytes = 1e15;
  for (std::int64_t batch : {2, 8, 64})
    for (Phase phase : {Phase::prefill, Phase::decode}) {
      Deployment d;
      const LatencyEstimate base = estimate_latency(a, work(phase, batch, 512), hw, d);
      d.two_batch_overlap = true;
      const LatencyEstimate both = estimate_latency(a, work(phase, batch, 512), hw, d);
      CHECK(both.prefill_s >= base.prefill_s * (1 - 1e-12));
      CHECK(both.decode_step_s > base.decode_step_s);
    }
}

// Physics under two-batch overlap: a serving pass never gets faster as the batch or the
// context grows, and never beats the wire time of its all-to-all (an H100-like device, ep 8
// over 8 replicas, skewed and uniform routing).
TEST_CASE("latency property: under two-batch overlap time never falls with work, nor beats its all-to-all") {
  const Architecture a = mixtral();
  Hardware hw = ideal(false);
  hw.memory_bandwidth_bytes_per_s = 3.35e12;
  hw.memory_bytes = 1e15;
  hw.scale_up = {450e9, 3e-6};
  hw.gemm_by_tokens.add(1, 0.015);
  hw.gemm_by_tokens.add(4096, 0.75);
  hw.kernel_overhead_s = 5e-6;
  for (double skew : {0.0, 1.2}) {
    Deployment d;
    d.parallel.ep = 8;
    d.parallel.dp = 8;
    d.routing.zipf_exponent = skew;
    d.two_batch_overlap = true;
    for (Phase phase : {Phase::prefill, Phase::decode}) {
      double previous = 0;
      for (std::int64_t batch : {1, 8, 9, 16, 24, 64, 256, 1024}) {
        const LatencyEstimate l = estimate_latency(a, work(phase, batch, 1024), hw, d);
        REQUIRE(l.feasible());
        const PhaseTime& p = phase == Phase::prefill ? l.prefill : l.decode;
        const double t = phase == Phase::prefill ? l.prefill_s : l.decode_step_s;
        CHECK(t >= previous);
        CHECK(t >= p[Op::dispatch].communication_s + p[Op::combine].communication_s - 1e-15);
        double sum = 0;
        for (const OpTime& o : p.op) sum += o.time_s;
        CHECK(sum == Approx(t));
        previous = t;
      }
      previous = 0;
      for (std::int64_t context : {128, 1024, 8192}) {
        const double t = phase == Phase::prefill ? estimate_latency(a, work(phase, 64, context), hw, d).prefill_s
                                                 : estimate_latency(a, work(phase, 64, context), hw, d).decode_step_s;
        CHECK(t >= previous);
        previous = t;
      }
    }
  }
}

// GPipe (Huang et al. 2019 §2.3) holds every micro-batch's activations on every stage; 1F1B at
// most pp of them on the first. 8 micro-batches over pp 2: the first stage of 1F1B holds 2 of
// 8, GPipe all 8 (and the last stage all 8 micro-batches' logits); the bubble is the same.
TEST_CASE("latency golden: GPipe holds every micro-batch's activations, with 1F1B's bubble") {
  Architecture a = mixtral();
  a.layers.resize(4);
  Hardware hw = ideal(false);
  hw.memory_bytes = 1e15;
  Workload w = work(Phase::train, 8, 1024);
  w.training.recompute = Recompute::none;
  const MemoryUse use = estimate(a, w).memory;
  const double layers = use.activation_bytes - use.activation_head_bytes;
  Deployment d;
  d.parallel.pp = 2;
  d.parallel.microbatches = 8;
  const LatencyEstimate one = estimate_latency(a, w, hw, d);
  d.parallel.schedule = PipelineSchedule::gpipe;
  const LatencyEstimate all = estimate_latency(a, w, hw, d);
  REQUIRE(one.feasible());
  REQUIRE(all.feasible());
  CHECK(all.memory.training_state_bytes - one.memory.training_state_bytes ==
        Approx((layers / 2 + use.activation_head_bytes) - std::max(layers / 2 * 2 / 8, layers / 2 / 8 + use.activation_head_bytes / 8)));
  CHECK(all.train_step_s == Approx(one.train_step_s));
  // GPipe has no interleaved form
  d.parallel.virtual_stages = 2;
  Diagnostics problems;
  validate(d, problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].path == "pp_schedule");
}

// The kernels a layer launches follow its architecture, each paying kernel_overhead. Derived
// by hand for one device on an overhead-only device (compute and memory infinitely fast), so
// that a pass is exactly its launches x 5 us. Mixtral (GQA, routed experts only), per layer:
// norms 2, qkv 1, attention 1, output 1, router GEMM and top-k 2, dispatch 1, the experts'
// two grouped GEMMs 2, their activation 1, combine 1 = 12; plus embedding and head. A
// DeepSeek-style layer (MLA with a compressed q, one shared expert, the first layer dense)
// adds MLA's two latent norms, its three q/kv GEMMs, in decode the absorbed value
// projection, and the shared expert's two GEMMs and activation. Qwen3's q and k norms are two
// more kernels, which read and write the device's q (32 x 128) and k (8 x 128) values.
TEST_CASE("latency golden: the kernels a layer launches follow its architecture") {
  Hardware hw = ideal(true);
  hw.memory_bandwidth_bytes_per_s = 1e30;
  hw.memory_bytes = 1e15;
  hw.kernel_overhead_s = 5e-6;
  auto launches = [](const PhaseTime& t) {
    double n = 0;
    for (const OpTime& o : t.op) n += o.kernels;
    return n;
  };
  auto check_pass = [&](const Architecture& a, Phase phase, double kernels) {
    const LatencyEstimate l = estimate_latency(a, work(phase, 1, 64), hw, Deployment{});
    REQUIRE(l.feasible());
    const PhaseTime& t = phase == Phase::prefill ? l.prefill : l.decode;
    CHECK(launches(t) == kernels);
    CHECK(t.total_s == Approx(kernels * 5e-6));
    return t;
  };
  Architecture a = mixtral();
  a.layers.resize(4);
  const PhaseTime mixtral_decode = check_pass(a, Phase::decode, 4 * 12 + 2);
  CHECK(mixtral_decode[Op::norms].kernels == 8);
  CHECK(mixtral_decode[Op::routed_experts].kernels == 8);
  check_pass(a, Phase::prefill, 4 * 12 + 2);

  Architecture qk = a;
  qk.attention.qk_norm = QkNorm::per_head;
  const PhaseTime qk_decode = check_pass(qk, Phase::decode, 4 * 14 + 2);
  CHECK(qk_decode[Op::norms].bytes == Approx(4 * 2 * (2 * 4096 + 32 * 128 + 8 * 128) * 2.0));

  Architecture mla = a;
  mla.attention = mla_attention(32);
  mla.moe.shared_experts = 1;
  mla.moe.shared_expert_width = 2048;
  mla.dense_ffn = {8192, FfnActivation::glu, false};
  mla.layers.assign(3, LayerConfig{LayerFfn::moe, AttentionSpan::full});
  mla.layers[0].ffn = LayerFfn::dense;
  // attention: norms 4, q/kv GEMMs 3, core 1, output 2 in decode (1 in prefill); the dense
  // FFN 2 GEMMs + activation; an MoE layer 12 - 5 (Mixtral's attention) + shared 2 + 1
  const PhaseTime mla_decode = check_pass(mla, Phase::decode, 3 * 10 + 3 + 2 * 10 + 2);
  CHECK(mla_decode[Op::norms].bytes == Approx(3 * 2 * (2 * 4096 + 1536 + 512) * 2.0));
  CHECK(mla_decode[Op::output_projection].kernels == 6);
  CHECK(mla_decode[Op::shared_experts].kernels == 4);
  const PhaseTime mla_prefill = check_pass(mla, Phase::prefill, 3 * 9 + 3 + 2 * 10 + 2);
  CHECK(mla_prefill[Op::qkv_projection].kernels == 9);

  mla.moe.shared_expert_gate = true;  // Qwen2-MoE's h x 1 gate: one GEMM more per MoE layer
  check_pass(mla, Phase::decode, 3 * 10 + 3 + 2 * 11 + 2);

  // Decode steps replayed from a CUDA graph: each kernel costs the profile's graph figure;
  // prefill passes and training steps launch eagerly.
  Hardware graphs = hw;
  graphs.graph_kernel_overhead_s = 1e-6;
  Workload train = work(Phase::train, 1, 64);
  train.training.recompute = Recompute::none;
  const LatencyEstimate eager = estimate_latency(a, train, hw, Deployment{}), replayed = estimate_latency(a, train, graphs, Deployment{});
  REQUIRE(replayed.feasible());
  CHECK(replayed.decode_step_s == Approx(50 * 1e-6));
  CHECK(replayed.prefill_s == eager.prefill_s);
  CHECK(replayed.prefill_s == Approx(50 * 5e-6));
  CHECK(replayed.train_step_s == eager.train_step_s);
}

// A balanced placement (routing.h) puts the popular experts on different devices: the busiest
// device then carries fewer copies and reads no more experts (it holds no more of the most
// popular), so no serving pass or training step is slower than under the contiguous placement.
TEST_CASE("latency property: a balanced expert placement never makes a step slower") {
  const Architecture a = mixtral();
  Hardware hw = ideal(false);
  hw.memory_bandwidth_bytes_per_s = 3.35e12;
  hw.memory_bytes = 1e15;
  hw.kernel_overhead_s = 5e-6;
  for (const double zipf : {0.3, 1.0, 2.0}) {
    for (const std::int64_t ep : {2, 4, 8}) {
      Deployment contiguous;
      contiguous.parallel.ep = contiguous.parallel.dp = ep;
      contiguous.routing.zipf_exponent = zipf;
      Deployment balanced = contiguous;
      balanced.expert_placement = ExpertPlacement::balanced;
      for (const std::int64_t batch : {8, 64, 512}) {
        for (const Phase phase : {Phase::prefill, Phase::decode, Phase::train}) {
          INFO("zipf " << zipf << ", ep " << ep << ", batch " << batch << ", " << to_string(phase));
          const Workload w = work(phase, batch, 256);
          const double worst = phase_time(estimate_latency(a, w, hw, contiguous), phase);
          const double spread = phase_time(estimate_latency(a, w, hw, balanced), phase);
          CHECK(spread > 0);
          CHECK(spread <= worst * (1 + 1e-12));
          // at Zipf 2 the most popular four of eight experts take 93 % of the copies, while the
          // balanced busiest device holds 70 % (65 % of it the most popular expert): a prefill,
          // bound by the experts' FLOPs, is shorter
          if (zipf == 2.0 && ep == 2 && phase == Phase::prefill) CHECK(spread < 0.9 * worst);
        }
      }
    }
  }
}
