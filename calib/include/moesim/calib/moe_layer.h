#pragma once
// A real MoE layer and a real decode-attention step, run on this CPU with Eigen (fp32), to
// check the model's predictions against measured time.
#include <cstdint>
#include <vector>

#include "moesim/calib/cpu_kernels.h"
#include "moesim/calib/measure.h"

namespace moesim::calib {

struct MoeLayerShape {
  std::int64_t tokens = 16;
  std::int64_t hidden = 1024;
  std::int64_t experts = 8;
  std::int64_t top_k = 2;
  std::int64_t expert_width = 1024;
  double zipf = 0;  // 0 = uniform routing; > 0 biases the router towards popular experts
};

struct AttentionShape {
  std::int64_t batch = 1;
  std::int64_t context = 1024;
  std::int64_t heads = 16;
  std::int64_t kv_heads = 4;
  std::int64_t head_dim = 64;
};

// Router GEMM, top-k, softmax over the chosen, permutation into per-expert blocks, SwiGLU
// expert GEMMs (W1, W3, W2), weighted scatter-add back: one forward of one layer.
// `routed`, when given, receives how many token copies each expert received (the measured
// routing histogram of one forward).
Measurement time_moe_layer(const MoeLayerShape& shape, int threads, const MeasureOptions& options,
                           std::vector<double>* routed = nullptr);

// One decode step of attention over a KV cache: per sequence and KV head, the query heads
// of the group times K^T, softmax, times V.
Measurement time_decode_attention(const AttentionShape& shape, int threads, const MeasureOptions& options);

// The same step with each group's K and V the next slices of `arena` (cold in every
// repetition, without copies of a cache): the calibration's decode-attention kernel.
Measurement time_decode_attention_cold(const AttentionShape& shape, ColdArena& arena, int threads, const MeasureOptions& options);

}  // namespace moesim::calib
