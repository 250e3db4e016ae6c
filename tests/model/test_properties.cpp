// Properties that must hold for every configuration of a grid.
#include <catch2/catch.hpp>

#include <vector>

#include "moesim/model/estimate.h"
#include "moesim/model/validate.h"

using namespace moesim;
using C = Component;

namespace {

struct GridPoint {
  std::int64_t experts, top_k, width, shared, first_dense, kv_heads;
  AttentionKind attention;
  bool glu;
};

Architecture make(const GridPoint& g) {
  Architecture a;
  a.name = "grid";
  a.hidden_size = 256;
  a.vocab_size = 1000;
  a.attention.kind = g.attention;
  a.attention.heads = 8;
  if (g.attention == AttentionKind::standard) {
    a.attention.kv_heads = g.kv_heads;
    a.attention.head_dim = 32;
  } else {
    a.attention.q_lora_rank = 64;
    a.attention.kv_lora_rank = 32;
    a.attention.qk_rope_head_dim = 16;
    a.attention.qk_nope_head_dim = 32;
    a.attention.v_head_dim = 32;
  }
  a.moe.experts = g.experts;
  a.moe.top_k = g.top_k;
  a.moe.expert.width = g.width;
  a.moe.expert.activation = g.glu ? FfnActivation::glu : FfnActivation::plain;
  a.moe.shared_experts = g.shared;
  a.moe.shared_expert_width = g.shared > 0 ? g.width : 0;
  a.layers.assign(6, LayerConfig{LayerFfn::moe, AttentionSpan::full});
  for (std::int64_t i = 0; i < g.first_dense; ++i) a.layers[static_cast<std::size_t>(i)].ffn = LayerFfn::dense;
  if (g.first_dense > 0) a.dense_ffn.width = 1024;
  return a;
}

std::vector<GridPoint> grid() {
  std::vector<GridPoint> points;
  for (std::int64_t e : {1, 2, 8, 64})
    for (std::int64_t k : {1, 2, 8})
      for (std::int64_t width : {64, 512})
        for (std::int64_t shared : {0, 2})
          for (std::int64_t first_dense : {0, 2})
            for (AttentionKind kind : {AttentionKind::standard, AttentionKind::mla})
              for (bool glu : {true, false})
                if (k <= e) points.push_back({e, k, width, shared, first_dense, kind == AttentionKind::mla ? 0 : 2, kind, glu});
  return points;
}

Workload workload(Phase phase, std::int64_t batch, std::int64_t context) {
  Workload w;
  w.phase = phase;
  w.batch = batch;
  w.context = context;
  return w;
}

}  // namespace

TEST_CASE("property: every grid point is valid; active <= total, component by component") {
  const auto points = grid();
  REQUIRE(points.size() == 288);
  for (const GridPoint& g : points) {
    const Architecture a = make(g);
    Diagnostics d;
    validate(a, d);
    REQUIRE(d.empty());
    const ParamCounts p = count_params(a);
    for (std::size_t k = 0; k < kComponentCount; ++k) CHECK(p.active.value[k] <= p.total.value[k]);
    CHECK(p.active_params() <= p.total_params());
    CHECK(p.active_excl_input_embedding() < p.active_params());
    CHECK(p.non_embedding_active() <= p.non_embedding_total());
  }
}

TEST_CASE("property: top-k = E equals a dense FFN of E times the width") {
  for (const GridPoint& g0 : grid()) {
    if (g0.top_k != g0.experts || g0.shared != 0 || g0.first_dense != 0) continue;
    const Architecture moe = make(g0);
    Architecture dense = moe;
    for (auto& l : dense.layers) l.ffn = LayerFfn::dense;
    dense.dense_ffn = moe.moe.expert;
    dense.dense_ffn.width = g0.experts * g0.width;
    dense.moe = {};
    const Workload w = workload(Phase::prefill, 1, 512);
    const Estimate em = estimate(moe, w), ed = estimate(dense, w);
    // The router is the only difference.
    const double moe_layers = 6;
    CHECK(em.params.active_params() - em.params.active[C::router] == Approx(ed.params.active_params()));
    CHECK(em.params.total_params() - em.params.total[C::router] == Approx(ed.params.total_params()));
    CHECK(em.flops.forward_per_token_total() - em.flops.forward_per_token[C::router] ==
          Approx(ed.flops.forward_per_token_total()));
    CHECK(em.flops.forward_per_token[C::router] == Approx(moe_layers * 2 * 256 * g0.experts));
  }
}

TEST_CASE("property: FLOPs are linear in tokens and batch") {
  for (const GridPoint& g : grid()) {
    const Architecture a = make(g);
    Workload w = workload(Phase::train, 4, 1024);
    w.train_tokens = 1e9;
    const double one = estimate(a, w).flops.training_total;
    w.train_tokens = 3e9;
    CHECK(estimate(a, w).flops.training_total == Approx(3 * one));
    CHECK(estimate(a, w).flops.six_n_d == Approx(3 * estimate(a, workload(Phase::train, 1, 1)).flops.six_n_d * 1e9));

    const double step1 = estimate(a, workload(Phase::decode, 1, 2048)).flops.decode_step;
    CHECK(estimate(a, workload(Phase::decode, 16, 2048)).flops.decode_step == Approx(16 * step1));
    const double prefill1 = estimate(a, workload(Phase::prefill, 1, 2048)).flops.prefill;
    CHECK(estimate(a, workload(Phase::prefill, 5, 2048)).flops.prefill == Approx(5 * prefill1));
    // Causal prefill: the matmul part is linear in T, the attention part grows faster.
    const double prefill2 = estimate(a, workload(Phase::prefill, 1, 4096)).flops.prefill;
    CHECK(prefill2 > 2 * prefill1 - 2 * 2 * 256 * 1000);
  }
}

TEST_CASE("property: weight memory non-decreasing in experts, KV cache linear in batch and context") {
  for (std::int64_t width : {64, 512}) {
    double previous = 0;
    for (std::int64_t e : {1, 2, 4, 8, 16, 64, 256}) {
      const Architecture a = make({e, 1, width, 0, 0, 2, AttentionKind::standard, true});
      const Estimate est = estimate(a, workload(Phase::decode, 1, 128));
      CHECK(est.memory.weights_bytes > previous);
      previous = est.memory.weights_bytes;
    }
  }
  for (const GridPoint& g : grid()) {
    const Architecture a = make(g);
    const double kv = estimate(a, workload(Phase::decode, 1, 1000)).memory.kv_cache_bytes;
    CHECK(estimate(a, workload(Phase::decode, 8, 1000)).memory.kv_cache_bytes == Approx(8 * kv));
    CHECK(estimate(a, workload(Phase::decode, 1, 3000)).memory.kv_cache_bytes == Approx(3 * kv));
    CHECK(estimate(a, workload(Phase::train, 1, 1000)).memory.kv_cache_bytes == 0);
  }
}

TEST_CASE("property: expert choice with capacity factor K costs what top-K token choice costs") {
  for (const GridPoint& g : grid()) {
    Architecture token = make(g);
    Architecture expert = token;
    expert.moe.router = RouterKind::expert_choice;
    expert.moe.capacity_factor = static_cast<double>(g.top_k);
    const Workload w = workload(Phase::prefill, 2, 256);
    CHECK(estimate(expert, w).flops.prefill == Approx(estimate(token, w).flops.prefill));
  }
}

TEST_CASE("property: recomputation trades FLOPs for memory") {
  for (const GridPoint& g : grid()) {
    const Architecture a = make(g);
    Workload w = workload(Phase::train, 2, 2048);
    w.training.recompute = Recompute::none;
    const Estimate none = estimate(a, w);
    w.training.recompute = Recompute::selective;
    const Estimate selective = estimate(a, w);
    w.training.recompute = Recompute::full;
    const Estimate full = estimate(a, w);
    CHECK(none.flops.training_per_token < selective.flops.training_per_token);
    CHECK(selective.flops.training_per_token < full.flops.training_per_token);
    CHECK(full.memory.activation_bytes < selective.memory.activation_bytes);
    CHECK(selective.memory.activation_bytes <= none.memory.activation_bytes);
    // Without recomputation, training is 3 forward passes (Kaplan et al. 2020 §2.1).
    const Estimate forward = estimate(a, workload(Phase::prefill, 2, 2048));
    const double forward_per_token = forward.flops.forward_per_token_total();
    CHECK(none.flops.training_per_token == Approx(3 * forward_per_token));
  }
}

TEST_CASE("property: validation rejects inconsistent designs") {
  Architecture a = make({8, 2, 64, 0, 0, 2, AttentionKind::standard, true});
  auto codes = [](const Architecture& x) {
    Diagnostics d;
    validate(x, d);
    std::vector<std::string> out;
    for (const auto& diag : d) out.push_back(diag.path + " " + diag.code);
    return out;
  };
  CHECK(codes(a).empty());
  Architecture b = a;
  b.moe.top_k = 9;
  CHECK(codes(b) == std::vector<std::string>{"/moe/top_k inconsistent"});
  b = a;
  b.attention.kv_heads = 3;
  CHECK(codes(b) == std::vector<std::string>{"/attention/kv_heads inconsistent"});
  b = a;
  b.moe.expert.width = 0;
  CHECK(codes(b) == std::vector<std::string>{"/moe/expert/width out_of_range"});
  b = a;
  b.layers.clear();
  CHECK(codes(b) == std::vector<std::string>{"/layers/count out_of_range", "/moe/experts not_applicable"});
  b = a;
  b.moe.shared_expert_gate = true;  // a gate without shared experts
  CHECK(codes(b) == std::vector<std::string>{"/moe/shared_expert_gate not_applicable"});
  b = a;  // per-expert overrides clash in either order
  b.precision.expert_overrides = {{2, 1, {}}, {-1, 1, {}}};
  CHECK(codes(b) == std::vector<std::string>{"/precision/expert_overrides/0 duplicate"});
  b.precision.expert_overrides = {{-1, 1, {}}, {2, 1, {}}};
  CHECK(codes(b) == std::vector<std::string>{"/precision/expert_overrides/1 duplicate"});
  Workload w;
  w.batch = 0;
  Diagnostics d;
  validate(w, d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "batch");
}

namespace {

// A hybrid of the grid's shape: attention in layer i iff i mod period = offset, Mamba
// elsewhere (Jamba's rule, Lieber et al. 2024 §2); period 0 = every layer Mamba.
Architecture hybrid(const GridPoint& g, std::int64_t period, std::int64_t offset, std::int64_t d_state) {
  Architecture a = make(g);
  a.mamba = {2, d_state, 4, 16, true, false, true};  // d_inner 2 x 256 = 512
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const auto k = static_cast<std::int64_t>(i);
    a.layers[i].mixer = period > 0 && k % period == offset ? LayerMixer::attention : LayerMixer::mamba;
  }
  if (period == 1) a.mamba = {};  // no Mamba layer: no Mamba section
  return a;
}

std::int64_t attention_layers(const Architecture& a) {
  std::int64_t n = 0;
  for (const LayerConfig& l : a.layers) n += l.mixer == LayerMixer::attention;
  return n;
}

}  // namespace

TEST_CASE("property: hybrid stacks are valid, active <= total, and the KV cache is the attention layers' share") {
  for (const GridPoint& g : grid()) {
    const Architecture all_attention = make(g);
    const double kv_all = estimate(all_attention, workload(Phase::decode, 2, 4096)).memory.kv_cache_bytes;
    for (auto [period, offset] : {std::pair{0, 0}, {1, 0}, {2, 1}, {3, 2}, {6, 4}}) {
      for (std::int64_t n : {1, 16}) {
        const Architecture a = hybrid(g, period, offset, n);
        Diagnostics d;
        validate(a, d);
        REQUIRE(d.empty());
        const ParamCounts p = count_params(a);
        for (std::size_t k = 0; k < kComponentCount; ++k) CHECK(p.active.value[k] <= p.total.value[k]);
        const Estimate e = estimate(a, workload(Phase::decode, 2, 4096));
        CHECK(e.memory.kv_cache_bytes == Approx(kv_all * static_cast<double>(attention_layers(a)) / 6));
        CHECK((e.params.total[C::mamba] > 0) == (attention_layers(a) < 6));
      }
    }
  }
}

TEST_CASE("property: the recurrent state does not depend on the context; it is linear in batch and Mamba layers") {
  for (const GridPoint& g : grid()) {
    for (std::int64_t n : {1, 16}) {
      const Architecture a = hybrid(g, 3, 2, n);  // layers 2 and 5 attend, 4 Mamba layers
      const double one = estimate(a, workload(Phase::decode, 1, 1)).memory.recurrent_state_bytes;
      // per Mamba layer: conv 512 x 4 x 2 bytes + SSM 512 x n x 4 bytes (fp32)
      CHECK(one == 4.0 * (512 * 4 * 2 + 512 * n * 4));
      for (std::int64_t context : {std::int64_t{2}, std::int64_t{1000}, std::int64_t{1} << 20, std::int64_t{1} << 30}) {
        CHECK(estimate(a, workload(Phase::decode, 1, context)).memory.recurrent_state_bytes == one);
        CHECK(estimate(a, workload(Phase::prefill, 1, context)).memory.recurrent_state_bytes == one);
      }
      CHECK(estimate(a, workload(Phase::decode, 7, 100)).memory.recurrent_state_bytes == 7 * one);
      CHECK(estimate(a, workload(Phase::train, 7, 100)).memory.recurrent_state_bytes == 0);
      const Architecture all_mamba = hybrid(g, 0, 0, n);
      CHECK(estimate(all_mamba, workload(Phase::decode, 1, 1)).memory.recurrent_state_bytes == Approx(6 * one / 4));
    }
  }
}

TEST_CASE("property: Mamba layers' FLOPs per token do not grow with the context; the hybrid's never fall") {
  for (const GridPoint& g : grid()) {
    const Architecture mamba_only = hybrid(g, 0, 0, 16);
    const Architecture mixed = hybrid(g, 2, 0, 16);
    const double flat = estimate(mamba_only, workload(Phase::decode, 1, 1)).flops.decode_step;
    double previous = 0;
    for (std::int64_t context : {1, 64, 4096, 1 << 20}) {
      CHECK(estimate(mamba_only, workload(Phase::decode, 1, context)).flops.decode_step == flat);
      const double step = estimate(mixed, workload(Phase::decode, 1, context)).flops.decode_step;
      CHECK(step > previous);
      previous = step;
      // prefill: the Mamba layers are linear in the prompt (per token the same in both phases)
      const Estimate p = estimate(mamba_only, workload(Phase::prefill, 1, context));
      CHECK(p.flops.forward_per_token[C::mamba] == estimate(mamba_only, workload(Phase::decode, 1, context)).flops.forward_per_token[C::mamba]);
      CHECK(p.flops.prefill == Approx(static_cast<double>(context) * (flat - 2 * 256 * 1000) + 2 * 256 * 1000));
    }
  }
}
