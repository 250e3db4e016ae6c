// Goldens worked out by hand; each derivation is written next to its assertion.
#include <catch2/catch.hpp>

#include "moesim/model/estimate.h"
#include "moesim/model/validate.h"

using namespace moesim;
using C = Component;

namespace {

// 1 layer, 2 experts, top-1. h = 4, V = 10 (untied), 2 query heads, 1 KV head, head_dim 2,
// GLU experts of width 3, RMSNorm, bf16 everywhere.
Architecture one_layer_two_experts() {
  Architecture a;
  a.name = "golden";
  a.hidden_size = 4;
  a.vocab_size = 10;
  a.attention.heads = 2;
  a.attention.kv_heads = 1;
  a.attention.head_dim = 2;
  a.moe.experts = 2;
  a.moe.top_k = 1;
  a.moe.expert.width = 3;
  a.layers = {LayerConfig{LayerFfn::moe, AttentionSpan::full}};
  return a;
}

bool validate_ok(const Workload& w, const Architecture& a) {
  Diagnostics d;
  validate(w, a, d);
  return d.empty();
}

}  // namespace

TEST_CASE("golden: 1-layer 2-expert top-1 parameters", "[golden]") {
  const Architecture a = one_layer_two_experts();
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  const ParamCounts p = count_params(a);
  // attention: W_Q 4x(2*2)=16, W_K 4x(1*2)=8, W_V 8, W_O (2*2)x4=16 -> 48
  CHECK(p.total[C::attention] == 48);
  // one GLU expert: 3 matrices of 4x3 = 36; two experts 72; one active 36
  CHECK(p.total[C::routed_experts] == 72);
  CHECK(p.active[C::routed_experts] == 36);
  // router 4x2 = 8; norms: 2 per layer of 4 + final 4 = 12
  CHECK(p.total[C::router] == 8);
  CHECK(p.total[C::norms] == 12);
  // embedding 10x4 = 40, untied head 40
  CHECK(p.total[C::input_embedding] == 40);
  CHECK(p.total[C::lm_head] == 40);
  CHECK(p.total_params() == 48 + 72 + 8 + 12 + 40 + 40);                  // 220
  CHECK(p.active_params() == 48 + 36 + 8 + 12 + 40 + 40);                 // 184
  CHECK(p.active_excl_input_embedding() == 184 - 40);                     // 144
  CHECK(p.non_embedding_total() == 220 - 80);                             // 140
  CHECK(p.non_embedding_active() == 184 - 80);                            // 104
}

TEST_CASE("golden: 1-layer 2-expert top-1 FLOPs", "[golden]") {
  const Architecture a = one_layer_two_experts();
  Workload w;
  SECTION("decode at context 5") {
    w.phase = Phase::decode;
    w.context = 5;
    const Estimate e = estimate(a, w);
    // matmuls: 2 x (attention 48 + one expert 36 + router 8 + head 40) = 264
    CHECK(e.flops.forward_per_token.sum() == 264);
    // attention over 5 keys: QK^T 2*H*d*5 + AV 2*H*d*5 = 4*2*2*5 = 80
    CHECK(e.flops.attention_context_per_token == 80);
    CHECK(e.flops.decode_step == 344);
    CHECK(e.flops.phase_total == 344);
  }
  SECTION("prefill of 3 tokens, batch 2") {
    w.phase = Phase::prefill;
    w.context = 3;
    w.batch = 2;
    const Estimate e = estimate(a, w);
    // body per token: 2 x (48 + 36 + 8) = 184; causal mean keys (3+1)/2 = 2 -> 4*2*2*2 = 32
    CHECK(e.flops.attention_context_per_token == 32);
    // per sequence: 3 x 216 + one set of logits 2*4*10 = 728; two sequences
    CHECK(e.flops.prefill == 2 * 728);
  }
  SECTION("training on sequences of 3, selective recomputation") {
    w.phase = Phase::train;
    w.context = 3;
    w.train_tokens = 1000;
    const Estimate e = estimate(a, w);
    // forward 216 + head 80 = 296; x3 for backward = 888; + recomputed attention core 32
    CHECK(e.flops.training_per_token == 920);
    CHECK(e.flops.training_total == 920 * 1000);
    // 6 N D with N = active excl. input embedding = 144
    CHECK(e.flops.six_n_d == 6.0 * 144 * 1000);
  }
}

TEST_CASE("golden: 1-layer 2-expert top-1 memory", "[golden]") {
  const Architecture a = one_layer_two_experts();
  Workload w;
  SECTION("inference at context 5") {
    w.phase = Phase::decode;
    w.context = 5;
    const Estimate e = estimate(a, w);
    CHECK(e.memory.weights_bytes == 220 * 2);  // bf16
    // K and V: 2 x 1 head x 2 dims x 2 bytes = 8 bytes per token per layer
    CHECK(e.memory.kv_cache_bytes_per_token == 8);
    CHECK(e.memory.kv_cache_bytes == 8 * 5);
    CHECK(e.memory.total_bytes == 440 + 40);
  }
  SECTION("training one sequence of 3 with Adam") {
    w.phase = Phase::train;
    w.context = 3;
    const Estimate e = estimate(a, w);
    CHECK(e.memory.gradient_bytes == 220 * 2);         // bf16 gradients
    CHECK(e.memory.optimizer_bytes == 220 * (4 + 8));  // fp32 master + two fp32 moments
    // activations per token, in elements: attention 2h + q 4 + k,v 4 + output 4 = 20;
    // MoE: 2h + logits E=2 + one copy of (input h + 3 x width + output h) = 8 + 2 + 17 = 27;
    // final norm and head inputs 2h = 8 -> 55 elements x 2 bytes = 110; fp32 logits 4 x 10 = 40
    CHECK(e.memory.activation_bytes == 3 * (110 + 40));
    CHECK(e.memory.total_bytes == 440 + 440 + 2640 + 450);
  }
}

TEST_CASE("golden: attention spans cap the context", "[golden]") {
  Architecture a = one_layer_two_experts();
  Workload w;
  w.phase = Phase::prefill;
  w.context = 5;
  const double per_key = 4 * 2 * 2;  // 4 * H * d
  SECTION("sliding window of 2: keys per position 1,2,2,2,2 -> mean 9/5") {
    a.layers[0].span = AttentionSpan::sliding;
    a.attention.sliding_window = 2;
    CHECK(estimate(a, w).flops.attention_context_per_token == Approx(per_key * 9 / 5));
    w.phase = Phase::decode;  // one token at position 5 sees 2 keys; the cache keeps 2
    CHECK(estimate(a, w).flops.attention_context_per_token == per_key * 2);
    CHECK(estimate(a, w).memory.kv_cache_bytes == 8 * 2);
  }
  SECTION("chunks of 2: keys per position 1,2,1,2,1 -> mean 7/5") {
    a.layers[0].span = AttentionSpan::chunked;
    a.attention.chunk_size = 2;
    CHECK(estimate(a, w).flops.attention_context_per_token == Approx(per_key * 7 / 5));
    w.phase = Phase::decode;  // position 5 opens the third chunk: 1 key
    CHECK(estimate(a, w).flops.attention_context_per_token == per_key * 1);
  }
}

TEST_CASE("golden: MLA parameters and latent KV cache", "[golden]") {
  // DeepSeek-V2 §2.1 shapes with h = 8, 2 heads, q_lora 4, kv_lora 3, rope 1, nope 2, v 2.
  Architecture a = one_layer_two_experts();
  a.hidden_size = 8;
  a.attention = {};
  a.attention.kind = AttentionKind::mla;
  a.attention.heads = 2;
  a.attention.q_lora_rank = 4;
  a.attention.kv_lora_rank = 3;
  a.attention.qk_rope_head_dim = 1;
  a.attention.qk_nope_head_dim = 2;
  a.attention.v_head_dim = 2;
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  // q: 8x4 + norm 4 + 4x(2*(2+1)) = 32 + 4 + 24 = 60
  // kv: 8x(3+1) + norm 3 + 3x(2*(2+2)) = 32 + 3 + 24 = 59; o: (2*2)x8 = 32 -> 151
  CHECK(count_params(a).total[C::attention] == 151);
  Workload w;
  w.phase = Phase::decode;
  w.context = 10;
  const Estimate e = estimate(a, w);
  // cache: latent 3 + rope key 1 = 4 values x 2 bytes per token
  CHECK(e.memory.kv_cache_bytes_per_token == 8);
  // absorbed decode: 2*H*(r_kv+rope) + 2*H*r_kv = 2*2*4 + 2*2*3 = 28 per key, 10 keys
  CHECK(e.flops.attention_context_per_token == 280);
  w.phase = Phase::prefill;
  w.context = 1;
  // prefill materialises K, V: 2*H*(nope+rope) + 2*H*v = 12 + 8 = 20 per key, 1 key
  CHECK(estimate(a, w).flops.attention_context_per_token == 20);
}

TEST_CASE("golden: per-expert bit-widths and block scales", "[golden]") {
  Architecture a = one_layer_two_experts();
  a.precision.experts = *parse_number_format("int8");
  // expert 1 of every MoE layer at int4 with one fp16 scale per 8 values: 4 + 16/8 = 6 bits
  a.precision.expert_overrides.push_back({-1, 1, *parse_number_format("int4-g8")});
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  const Estimate e = estimate(a, Workload{});
  // expert 0: 36 params x 1 byte; expert 1: 36 x 6/8 byte = 27
  CHECK(e.memory.weights[C::routed_experts] == Approx(36 + 27));
}

TEST_CASE("golden: shared experts and the Qwen2-MoE gate", "[golden]") {
  Architecture a = one_layer_two_experts();
  a.moe.shared_experts = 2;
  a.moe.shared_expert_width = 3;
  a.moe.shared_expert_gate = true;
  // two shared experts = one GLU of width 6: 3 x 4 x 6 = 72; gate 4 x 1 = 4
  const ParamCounts p = count_params(a);
  CHECK(p.total[C::shared_experts] == 76);
  CHECK(p.active[C::shared_experts] == 76);
}

TEST_CASE("golden: Soft MoE and expert choice", "[golden]") {
  Architecture a = one_layer_two_experts();
  Workload w;
  w.phase = Phase::prefill;
  w.context = 8;
  SECTION("expert choice with capacity factor 1.5 processes 1.5 experts per token") {
    a.moe.router = RouterKind::expert_choice;
    a.moe.capacity_factor = 1.5;
    CHECK(estimate(a, w).flops.forward_per_token[C::routed_experts] == 1.5 * 2 * 36);
  }
  SECTION("Soft MoE: 2 experts x 2 slots over 8 tokens") {
    a.moe.router = RouterKind::soft_moe;
    a.moe.slots_per_expert = 2;
    const Estimate e = estimate(a, w);
    // 4 slots each through one expert (2 x 36 FLOPs) shared by 8 tokens: 4 x 72 / 8 = 36
    CHECK(e.flops.forward_per_token[C::routed_experts] == 36);
    // logits, dispatch and combine: 3 x 2 x h x slots = 3 x 2 x 4 x 4 = 96
    CHECK(e.flops.forward_per_token[C::router] == 96);
    // every token mixes into every slot: all experts' weights act on it
    CHECK(e.params.active[C::routed_experts] == 72);
    // the prefill total does not depend on which phase was asked for
    w.phase = Phase::decode;
    CHECK(estimate(a, w).flops.prefill == e.flops.prefill);
    // a decode step of batch 2 mixes 2 tokens: 4 slots x 72 / 2 = 144 per token
    w.batch = 2;
    CHECK(estimate(a, w).flops.forward_per_token[C::routed_experts] == 4.0 * 72 / 2);
  }
}

TEST_CASE("golden: a context beyond max_position_embeddings is a warning naming both numbers, and only then") {
  Architecture a;
  a.name = "M";
  Workload w;
  w.context = 32768;
  CHECK(context_warning(a, w).empty());  // not given: nothing to say
  a.max_position_embeddings = 32768;
  CHECK(context_warning(a, w).empty());  // at the limit
  w.context = 32769;
  CHECK(context_warning(a, w) ==
        "context 32769 is beyond M's max_position_embeddings 32768: the cost is computed, but the model was not trained for positions that far");
  Diagnostics d;
  a.max_position_embeddings = -1;
  validate(a, d);
  bool named = false;
  for (const Diagnostic& x : d) named = named || x.path == "/max_position_embeddings";
  CHECK(named);
}

// AdaMoE (Zeng et al. 2024, arXiv 2406.13233): null experts join the router's outputs and take
// a share of the top-K slots without computing.
TEST_CASE("golden: null experts widen the router and lower only the expert FLOPs", "[golden]") {
  Architecture a = one_layer_two_experts();
  a.moe.experts = 4;
  a.moe.top_k = 2;
  a.moe.null_experts = 2;
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  const ParamCounts p = count_params(a);
  CHECK(p.total[C::router] == 4 * (4 + 2));  // h x (E + null) = 24
  CHECK(p.total[C::routed_experts] == 4 * 36);
  CHECK(p.active[C::routed_experts] == 2 * 36);  // the architecture's K: never lowered
  Workload w;
  w.phase = Phase::prefill;
  w.context = 8;
  const Estimate none = estimate(a, w);
  CHECK(none.flops.forward_per_token[C::routed_experts] == 2 * 2 * 36);  // K copies of 2 x 36
  CHECK(none.flops.forward_per_token[C::router] == 2 * 24);
  w.null_fraction = 0.25;  // a quarter of the slots compute nothing: 1.5 real experts per token
  const Estimate some = estimate(a, w);
  CHECK(some.flops.forward_per_token[C::routed_experts] == 1.5 * 2 * 36);
  CHECK(some.flops.forward_per_token[C::router] == 2 * 24);
  CHECK(some.params.total.sum() == none.params.total.sum());
  CHECK(some.flops.prefill == Approx(none.flops.prefill - 8 * 0.5 * 2 * 36));  // 8 tokens, 0.5 copies fewer each
  CHECK(validate_ok(w, a));
  w.null_fraction = 1;  // every slot empty is no model
  CHECK_FALSE(validate_ok(w, a));
  w.null_fraction = 0.25;
  a.moe.null_experts = 0;  // a share of slots on experts the model does not have
  Diagnostics e;
  validate(w, a, e);
  REQUIRE(e.size() == 1);
  CHECK(e[0].path == "null_fraction");
  a.moe.null_experts = 2;
  a.moe.router = RouterKind::expert_choice;
  a.moe.capacity_factor = 2;
  Diagnostics f;
  validate(a, f);
  REQUIRE(!f.empty());
  CHECK(f[0].path == "/moe/null_experts");
}

namespace {

// One Mamba mixer (Gu & Dao 2023, arXiv 2312.00752, Alg. 2; HF JambaMambaMixer shapes) on the
// golden model's h = 4, V = 10: expand 2 (d_inner 8), d_state N = 2, d_conv 3, dt_rank 1, conv bias, no
// projection bias, Jamba's inner norms. The attention section stays (validate() wants one)
// but no layer uses it.
Architecture with_mamba(Architecture a) {
  a.mamba.expand = 2;
  a.mamba.d_state = 2;
  a.mamba.d_conv = 3;
  a.mamba.dt_rank = 1;
  a.mamba.conv_bias = true;
  a.mamba.proj_bias = false;
  a.mamba.inner_norms = true;
  return a;
}

// 1 layer: Mamba mixer and a dense GLU FFN of width 3.
Architecture one_mamba_layer() {
  Architecture a = with_mamba(one_layer_two_experts());
  a.moe = {};
  a.dense_ffn.width = 3;
  a.layers = {LayerConfig{LayerFfn::dense, AttentionSpan::full, LayerMixer::mamba}};
  return a;
}

// 2 layers: layer 0 attention + dense FFN (width 3), layer 1 Mamba + MoE (2 experts, top-1, width 3).
Architecture two_layer_hybrid() {
  Architecture a = with_mamba(one_layer_two_experts());
  a.dense_ffn.width = 3;
  a.layers = {LayerConfig{LayerFfn::dense, AttentionSpan::full, LayerMixer::attention},
              LayerConfig{LayerFfn::moe, AttentionSpan::full, LayerMixer::mamba}};
  return a;
}

}  // namespace

TEST_CASE("golden: one Mamba layer, parameters", "[golden][mamba]") {
  Architecture a = one_mamba_layer();
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  ParamCounts p = count_params(a);
  // matmuls: in_proj 4 x 2*8 = 64, x_proj 8 x (1 + 2*2) = 40, dt_proj 1 x 8 = 8, out_proj 8 x 4 = 32 -> 144
  // other: conv1d 8 x 3 = 24 + conv bias 8, dt_proj bias 8, A_log 8 x 2 = 16, D 8, norms dt 1 + B 2 + C 2 = 5 -> 69
  CHECK(p.total[C::mamba] == 144 + 69);  // 213
  CHECK(p.active[C::mamba] == 213);
  CHECK(p.total[C::attention] == 0);  // no layer attends
  // dense GLU 3 x 4 x 3 = 36; norms 2 x 4 + final 4 = 12; embedding and head 40 each
  CHECK(p.total_params() == 213 + 36 + 12 + 80);  // 341
  CHECK(p.active_params() == 341);
  SECTION("projection biases: in_proj 2*8 + out_proj 4 = 20 more") {
    a.mamba.proj_bias = true;
    CHECK(count_params(a).total[C::mamba] == 213 + 20);
  }
  SECTION("no conv bias, no inner norms: 8 + 5 fewer") {
    a.mamba.conv_bias = false;
    a.mamba.inner_norms = false;
    CHECK(count_params(a).total[C::mamba] == 213 - 13);
  }
}

TEST_CASE("golden: one Mamba layer, FLOPs", "[golden][mamba]") {
  const Architecture a = one_mamba_layer();
  Workload w;
  // Mamba per token: projections 2 x 144 = 288; depthwise conv 2 x 8 x 3 = 48; selective scan
  // 8 channels x (7 x 2 state elements + 3) = 136 (Delta*A 1, Delta*B*x 2, h = Abar h + Bbar x 2,
  // y += C h 2 per element; y + D x 2 and the gate 1 per channel) -> 472. FFN 2 x 36 = 72.
  SECTION("decode: the same at any context, nothing over the context") {
    w.phase = Phase::decode;
    for (std::int64_t context : {1, 5, 1000000}) {
      w.context = context;
      const Estimate e = estimate(a, w);
      CHECK(e.flops.forward_per_token[C::mamba] == 472);
      CHECK(e.flops.attention_context_per_token == 0);
      CHECK(e.flops.decode_step == 472 + 72 + 80);  // + head 2 x 4 x 10
    }
  }
  SECTION("prefill of 3 tokens, batch 2") {
    w.phase = Phase::prefill;
    w.context = 3;
    w.batch = 2;
    // per sequence 3 x (472 + 72) + one set of logits 80 = 1712
    CHECK(estimate(a, w).flops.prefill == 2 * 1712);
  }
  SECTION("training on sequences of 3: 3 x forward, nothing to recompute selectively") {
    w.phase = Phase::train;
    w.context = 3;
    CHECK(estimate(a, w).flops.training_per_token == 3 * (472 + 72 + 80));  // 1872
  }
}

TEST_CASE("golden: one Mamba layer, state and memory", "[golden][mamba]") {
  const Architecture a = one_mamba_layer();
  Workload w;
  w.phase = Phase::decode;
  w.batch = 3;
  // conv state 8 x 3 values in bf16 = 48 bytes; SSM state 8 x 2 in fp32 = 64 bytes -> 112 per sequence
  for (std::int64_t context : {1, 5, 1000000}) {
    w.context = context;
    const Estimate e = estimate(a, w);
    CHECK(e.memory.recurrent_state_bytes_per_sequence == 112);
    CHECK(e.memory.recurrent_state_bytes == 3 * 112);
    CHECK(e.memory.kv_cache_bytes == 0);
    CHECK(e.memory.kv_cache_bytes_per_token == 0);
    CHECK(e.memory.total_bytes == 341 * 2 + 3 * 112);  // bf16 weights + states
  }
  SECTION("each state in its own format: an fp8 conv state, a bf16 SSM state") {
    Architecture b = a;
    b.precision.conv_state = *parse_number_format("fp8");
    b.precision.ssm_state = *parse_number_format("bf16");
    CHECK(estimate(b, w).memory.recurrent_state_bytes_per_sequence == 8 * 3 * 1 + 8 * 2 * 2);  // 24 + 32
  }
  SECTION("training keeps no state; activations per token") {
    w.phase = Phase::train;
    w.batch = 1;
    w.context = 3;
    const Estimate e = estimate(a, w);
    CHECK(e.memory.recurrent_state_bytes == 0);
    // Mamba 2h + 5 x 8 + dt_rank 1 + 2N 4 = 53; dense FFN h + (h + 3 x 3) = 17; final norm and
    // head inputs 2h = 8 -> 78 elements x 2 bytes = 156; fp32 logits 4 x 10 = 40; 3 tokens
    CHECK(e.memory.activation_bytes == 3 * (156 + 40));
  }
}

TEST_CASE("golden: a two-layer hybrid stack (attention + dense, Mamba + MoE)", "[golden][mamba]") {
  const Architecture a = two_layer_hybrid();
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.empty());
  const ParamCounts p = count_params(a);
  // attention 48 (layer 0), Mamba 213 (layer 1), dense 36, experts 2 x 36 = 72 (one active),
  // router 4 x 2 = 8, norms 2 x 2 x 4 + 4 = 20, embedding and head 80
  CHECK(p.total[C::attention] == 48);
  CHECK(p.total[C::mamba] == 213);
  CHECK(p.total_params() == 48 + 213 + 36 + 72 + 8 + 20 + 80);  // 477
  CHECK(p.active_params() == 477 - 36);                          // 441
  Workload w;
  w.phase = Phase::decode;
  w.context = 5;
  w.batch = 2;
  const Estimate e = estimate(a, w);
  // two groups, one layer each
  REQUIRE(e.layers.size == 2);
  CHECK(e.layers.group[0].mixer == LayerMixer::attention);
  CHECK(e.layers.group[0].ffn == LayerFfn::dense);
  CHECK(e.layers.group[1].mixer == LayerMixer::mamba);
  CHECK(e.layers.group[1].ffn == LayerFfn::moe);
  // matmuls per token: attention 96 + Mamba 472 + dense 72 + one expert 72 + router 16 + head 80
  // = 808; only layer 0 looks at the 5 keys: 4 x H 2 x d 2 x 5 = 80
  CHECK(e.flops.attention_context_per_token == 80);
  CHECK(e.flops.decode_step == 2 * (808 + 80));
  // KV cache: one attention layer, 2 x 1 head x 2 dims x 2 bytes = 8 per token; states 112 per sequence
  CHECK(e.memory.kv_cache_bytes_per_token == 8);
  CHECK(e.memory.kv_cache_bytes == 2 * 8 * 5);
  CHECK(e.memory.recurrent_state_bytes == 2 * 112);
  CHECK(e.layers.group[0].kv_cache_bytes_per_sequence == 40);
  CHECK(e.layers.group[0].recurrent_state_bytes_per_sequence == 0);
  CHECK(e.layers.group[1].kv_cache_bytes_per_sequence == 0);
  CHECK(e.layers.group[1].recurrent_state_bytes_per_sequence == 112);
  CHECK(e.memory.total_bytes == 477 * 2 + 80 + 224);
}

TEST_CASE("golden: a Mamba layer's attention span is unused", "[golden][mamba]") {
  // Spans alternate sliding/full over 4 layers, but layers 1 and 3 are Mamba: they group as
  // one (Mamba) group whatever their span, and no sliding layer is left without a window.
  Architecture a = two_layer_hybrid();
  a.layers = {LayerConfig{LayerFfn::dense, AttentionSpan::full, LayerMixer::attention},
              LayerConfig{LayerFfn::dense, AttentionSpan::sliding, LayerMixer::mamba},
              LayerConfig{LayerFfn::dense, AttentionSpan::full, LayerMixer::attention},
              LayerConfig{LayerFfn::dense, AttentionSpan::full, LayerMixer::mamba}};
  a.moe = {};
  Diagnostics d;
  validate(a, d);
  CHECK(d.empty());
  const LayerGroups g = group_layers(a);
  REQUIRE(g.size == 2);
  CHECK(g.group[1].mixer == LayerMixer::mamba);
  CHECK(g.group[1].span == AttentionSpan::full);
  CHECK(g.group[1].layers == 2);
}

TEST_CASE("golden: Mamba rules name their fields", "[golden][mamba]") {
  Architecture a = one_mamba_layer();
  a.mamba.d_state = 0;
  Diagnostics d;
  validate(a, d);
  REQUIRE(d.size() == 1);
  CHECK(d[0].path == "/mamba/d_state");
  a.mamba.d_state = 2;  // d_inner = expand x hidden_size beyond 2^22
  a.mamba.expand = (std::int64_t{1} << 22) / 4 + 1;
  Diagnostics big;
  validate(a, big);
  REQUIRE(big.size() == 1);
  CHECK(big[0].path == "/mamba/expand");
  // a Mamba section with no Mamba layer is not applicable
  Architecture b = with_mamba(one_layer_two_experts());
  Diagnostics e;
  validate(b, e);
  REQUIRE(e.size() == 1);
  CHECK(e[0].path == "/mamba/expand");
  CHECK(e[0].code == "not_applicable");
}
