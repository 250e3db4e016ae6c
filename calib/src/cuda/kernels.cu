// calib's CUDA kernels: microkernels for the calibration and the pieces of a real MoE layer
// and decode-attention step for the validation. Launchers are declared in kernels.h.
#include <cuda_fp16.h>

#include <cmath>

#include "kernels.h"
#include "values.h"

namespace moesim::calib::cuda {
namespace {

constexpr unsigned kFullWarp = 0xffffffffu;

// Grid-stride loops take at most this many blocks (the loop covers the rest).
int blocks_for(std::size_t items) {
  const std::size_t blocks = (items + kBlock - 1) / kBlock;
  return static_cast<int>(blocks < 65536 ? (blocks > 0 ? blocks : 1) : 65536);
}

__device__ std::size_t thread_index() { return static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ std::size_t thread_count() { return static_cast<std::size_t>(gridDim.x) * blockDim.x; }

__global__ void fma_kernel(float* out, int iterations, float a, float b) {
  float acc[kFmaChains];
#pragma unroll
  for (int i = 0; i < kFmaChains; ++i) acc[i] = static_cast<float>(threadIdx.x + i);
#pragma unroll kFmaUnroll
  for (int n = 0; n < iterations; ++n) {
#pragma unroll
    for (int i = 0; i < kFmaChains; ++i) acc[i] = fmaf(acc[i], a, b);
  }
  float sum = 0;
#pragma unroll
  for (int i = 0; i < kFmaChains; ++i) sum += acc[i];
  out[thread_index()] = sum;  // keeps the chains alive
}

__global__ void empty_kernel() {}

__global__ void copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, std::size_t n) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) dst[i] = src[i];
}

__global__ void fill_bf16_kernel(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) out[i] = to_bf16(init_value(seed, i, scale));
}

__global__ void fill_f16_kernel(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) out[i] = __half_as_ushort(__float2half_rn(init_value(seed, i, scale)));
}

__global__ void fill_f32_kernel(float* out, std::size_t n, std::uint32_t seed, float scale) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) out[i] = init_value(seed, i, scale);
}

__global__ void fill_bytes_kernel(std::uint8_t* out, std::size_t n, std::uint32_t seed, std::uint8_t mask) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) out[i] = static_cast<std::uint8_t>(mix(seed, i)) & mask;
}

// One thread per token: K passes of an arg-max over the experts not yet chosen (ties go to
// the lower index), then the softmax over the chosen scores, as calib/src/moe_layer.cpp does.
__global__ void topk_kernel(const float* logits, const float* bias, int tokens, int experts, int top_k, int* choice, float* weight) {
  const int t = static_cast<int>(thread_index());
  if (t >= tokens) return;
  const float* row = logits + static_cast<std::size_t>(t) * experts;
  int chosen[kMaxTopK];
  float score[kMaxTopK];
  for (int k = 0; k < top_k; ++k) {
    int best = -1;
    float best_score = 0;
    for (int e = 0; e < experts; ++e) {
      bool taken = false;
      for (int j = 0; j < k; ++j) taken = taken || chosen[j] == e;
      const float s = row[e] + bias[e];
      if (!taken && (best < 0 || s > best_score)) {
        best = e;
        best_score = s;
      }
    }
    chosen[k] = best;
    score[k] = best_score;
  }
  float norm = 0;
  for (int k = 0; k < top_k; ++k) norm += expf(score[k] - score[0]);
  for (int k = 0; k < top_k; ++k) {
    choice[static_cast<std::size_t>(t) * top_k + k] = chosen[k];
    weight[static_cast<std::size_t>(t) * top_k + k] = expf(score[k] - score[0]) / norm;
  }
}

__global__ void count_kernel(const int* choice, int copies, int* count) {
  for (std::size_t i = thread_index(); i < static_cast<std::size_t>(copies); i += thread_count()) atomicAdd(&count[choice[i]], 1);
}

// A few dozen experts: one thread's exclusive scan is cheaper than a parallel one's launch.
__global__ void scan_kernel(const int* count, int experts, int* start, int* fill) {
  int sum = 0;
  for (int e = 0; e < experts; ++e) {
    start[e] = fill[e] = sum;
    sum += count[e];
  }
  start[experts] = sum;
}

__global__ void scatter_kernel(const int* choice, int copies, int* fill, int* order, int* position) {
  for (std::size_t i = thread_index(); i < static_cast<std::size_t>(copies); i += thread_count()) {
    const int j = atomicAdd(&fill[choice[i]], 1);
    order[j] = static_cast<int>(i);
    position[i] = j;
  }
}

__global__ void gather_kernel(const uint4* x, const int* order, int copies, int top_k, int words_per_row, uint4* gathered) {
  const std::size_t n = static_cast<std::size_t>(copies) * words_per_row;
  for (std::size_t i = thread_index(); i < n; i += thread_count()) {
    const std::size_t row = i / words_per_row, word = i % words_per_row;
    gathered[i] = x[static_cast<std::size_t>(order[row] / top_k) * words_per_row + word];
  }
}

__global__ void swiglu_kernel(std::uint16_t* gate, const std::uint16_t* up, std::size_t n) {
  for (std::size_t i = thread_index(); i < n; i += thread_count()) {
    const float g = from_bf16(gate[i]);
    gate[i] = to_bf16(g / (1.0f + expf(-g)) * from_bf16(up[i]));
  }
}

__global__ void combine_kernel(const std::uint16_t* result, const int* position, const float* weight, int tokens, int top_k, int hidden,
                               std::uint16_t* out) {
  const std::size_t n = static_cast<std::size_t>(tokens) * hidden;
  for (std::size_t i = thread_index(); i < n; i += thread_count()) {
    const std::size_t t = i / hidden, c = i % hidden;
    float sum = 0;
    for (int k = 0; k < top_k; ++k) {
      const std::size_t copy = t * top_k + k;
      sum += weight[copy] * from_bf16(result[static_cast<std::size_t>(position[copy]) * hidden + c]);
    }
    out[i] = to_bf16(sum);
  }
}

// Eight bf16 values (16 bytes) as fp32.
__device__ void load8(const std::uint16_t* p, float* v) {
  const uint4 w = *reinterpret_cast<const uint4*>(p);
  const unsigned words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    v[2 * i] = from_bf16(static_cast<std::uint16_t>(words[i] & 0xffffu));
    v[2 * i + 1] = from_bf16(static_cast<std::uint16_t>(words[i] >> 16));
  }
}

// Attention kernels split a head_dim-wide row over d/8 lanes of a warp (16 bytes each), so a
// warp reads 32/(d/8) whole rows per step, contiguous in the cache.
struct RowLanes {
  int lanes, rows_per_warp, part, slot;
  __device__ explicit RowLanes(int head_dim)
      : lanes(head_dim / 8), rows_per_warp(32 / (head_dim / 8)), part(threadIdx.x % 32 % (head_dim / 8)), slot(threadIdx.x % 32 / (head_dim / 8)) {}
};

// grid (ceil(L / rows per block), B x G); dynamic shared memory: group x d floats.
__global__ void attention_scores_kernel(const std::uint16_t* q, const std::uint16_t* k, int group, int context, int head_dim, float scale,
                                        float* scores) {
  extern __shared__ float queries[];
  const std::size_t bg = blockIdx.y;
  for (int i = threadIdx.x; i < group * head_dim; i += blockDim.x) queries[i] = from_bf16(q[bg * group * head_dim + i]);
  __syncthreads();
  const RowLanes r(head_dim);
  const int rows_per_block = blockDim.x / 32 * r.rows_per_warp;
  const int l = blockIdx.x * rows_per_block + threadIdx.x / 32 * r.rows_per_warp + r.slot;
  float key[8] = {};
  if (l < context) load8(k + (bg * context + l) * head_dim + r.part * 8, key);
  for (int j = 0; j < group; ++j) {
    float dot = 0;
#pragma unroll
    for (int i = 0; i < 8; ++i) dot += queries[j * head_dim + r.part * 8 + i] * key[i];
    for (int offset = r.lanes / 2; offset > 0; offset /= 2) dot += __shfl_xor_sync(kFullWarp, dot, offset);
    if (l < context && r.part == 0) scores[(bg * group + j) * context + l] = dot * scale;
  }
}

struct Max {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct Sum {
  __device__ float operator()(float a, float b) const { return a + b; }
};

// Every thread gets op over the block's values (blockDim.x a multiple of 32, at most 1024).
template <class Op>
__device__ float block_reduce(float v, float* shared, Op op) {
  for (int offset = 16; offset > 0; offset /= 2) v = op(v, __shfl_xor_sync(kFullWarp, v, offset));
  __syncthreads();  // a previous reduction may still be reading `shared`
  if (threadIdx.x % 32 == 0) shared[threadIdx.x / 32] = v;
  __syncthreads();
  v = shared[0];
  for (int w = 1; w < static_cast<int>(blockDim.x / 32); ++w) v = op(v, shared[w]);
  return v;
}

// One block per row of `length` scores.
__global__ void softmax_rows_kernel(float* rows, int length) {
  __shared__ float shared[32];
  float* row = rows + static_cast<std::size_t>(blockIdx.x) * length;
  float top = -INFINITY;
  for (int i = threadIdx.x; i < length; i += blockDim.x) top = fmaxf(top, row[i]);
  top = block_reduce(top, shared, Max{});
  float sum = 0;
  for (int i = threadIdx.x; i < length; i += blockDim.x) {
    const float e = expf(row[i] - top);
    row[i] = e;
    sum += e;
  }
  sum = block_reduce(sum, shared, Sum{});
  const float inverse = 1.0f / sum;
  for (int i = threadIdx.x; i < length; i += blockDim.x) row[i] *= inverse;
}

// grid (ceil(L / kAttentionRowsPerSplit), B x G); dynamic shared memory: warps x group x d
// floats. Each block sums its rows of probabilities . v and adds them to out atomically.
__global__ void attention_values_kernel(const float* probabilities, const std::uint16_t* v, int group, int context, int head_dim,
                                        float* out) {
  extern __shared__ float partial[];
  const std::size_t bg = blockIdx.y;
  const RowLanes r(head_dim);
  const int warp = threadIdx.x / 32, warps = blockDim.x / 32;
  const int begin = blockIdx.x * kAttentionRowsPerSplit, end = min(context, begin + kAttentionRowsPerSplit);
  float acc[kMaxQueriesPerKv][8] = {};
  for (int l = begin + warp * r.rows_per_warp + r.slot; l < end; l += warps * r.rows_per_warp) {
    float value[8];
    load8(v + (bg * context + l) * head_dim + r.part * 8, value);
#pragma unroll
    for (int j = 0; j < kMaxQueriesPerKv; ++j)
      if (j < group) {
        const float p = probabilities[(bg * group + j) * context + l];
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[j][i] += p * value[i];
      }
  }
  // Lanes with the same part (the same 8 outputs) in other slots hold other rows' sums.
#pragma unroll
  for (int j = 0; j < kMaxQueriesPerKv; ++j)
    if (j < group)  // the same in every lane: the whole warp shuffles
#pragma unroll
      for (int i = 0; i < 8; ++i)
        for (int offset = r.lanes; offset < 32; offset *= 2) acc[j][i] += __shfl_xor_sync(kFullWarp, acc[j][i], offset);
  if (r.slot == 0)
#pragma unroll
    for (int j = 0; j < kMaxQueriesPerKv; ++j)
      if (j < group)
#pragma unroll
        for (int i = 0; i < 8; ++i) partial[(warp * group + j) * head_dim + r.part * 8 + i] = acc[j][i];
  __syncthreads();
  for (int i = threadIdx.x; i < group * head_dim; i += blockDim.x) {
    float sum = 0;
    for (int w = 0; w < warps; ++w) sum += partial[w * group * head_dim + i];
    atomicAdd(&out[bg * group * head_dim + i], sum);
  }
}

}  // namespace

cudaError_t launch_fma(float* out, int blocks, int iterations, cudaStream_t stream) {
  // Runtime operands: the compiler cannot fold the chains. |a| < 1 keeps them finite.
  fma_kernel<<<blocks, kBlock, 0, stream>>>(out, iterations, 0.999999f, 1e-7f);
  return cudaGetLastError();
}

cudaError_t launch_empty(cudaStream_t stream) {
  empty_kernel<<<1, 1, 0, stream>>>();
  return cudaGetLastError();
}

cudaError_t launch_copy(const void* src, void* dst, std::size_t bytes, int blocks, cudaStream_t stream) {
  copy_kernel<<<blocks, kBlock, 0, stream>>>(static_cast<const uint4*>(src), static_cast<uint4*>(dst), bytes / sizeof(uint4));
  return cudaGetLastError();
}

cudaError_t launch_fill_bf16(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream) {
  fill_bf16_kernel<<<blocks_for(n), kBlock, 0, stream>>>(out, n, seed, scale);
  return cudaGetLastError();
}

cudaError_t launch_fill_f16(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream) {
  fill_f16_kernel<<<blocks_for(n), kBlock, 0, stream>>>(out, n, seed, scale);
  return cudaGetLastError();
}

cudaError_t launch_fill_f32(float* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream) {
  fill_f32_kernel<<<blocks_for(n), kBlock, 0, stream>>>(out, n, seed, scale);
  return cudaGetLastError();
}

cudaError_t launch_fill_bytes(std::uint8_t* out, std::size_t n, std::uint32_t seed, std::uint8_t mask, cudaStream_t stream) {
  fill_bytes_kernel<<<blocks_for(n), kBlock, 0, stream>>>(out, n, seed, mask);
  return cudaGetLastError();
}

cudaError_t launch_topk(const float* logits, const float* bias, int tokens, int experts, int top_k, int* choice, float* weight,
                        cudaStream_t stream) {
  topk_kernel<<<blocks_for(static_cast<std::size_t>(tokens)), kBlock, 0, stream>>>(logits, bias, tokens, experts, top_k, choice, weight);
  return cudaGetLastError();
}

cudaError_t launch_route(const int* choice, int copies, int experts, int* count, int* start, int* fill, int* order, int* position,
                         cudaStream_t stream) {
  cudaError_t status = cudaMemsetAsync(count, 0, sizeof(int) * static_cast<std::size_t>(experts), stream);
  if (status != cudaSuccess) return status;
  const int blocks = blocks_for(static_cast<std::size_t>(copies));
  count_kernel<<<blocks, kBlock, 0, stream>>>(choice, copies, count);
  if ((status = cudaGetLastError()) != cudaSuccess) return status;
  scan_kernel<<<1, 1, 0, stream>>>(count, experts, start, fill);
  if ((status = cudaGetLastError()) != cudaSuccess) return status;
  scatter_kernel<<<blocks, kBlock, 0, stream>>>(choice, copies, fill, order, position);
  return cudaGetLastError();
}

cudaError_t launch_gather(const std::uint16_t* x, const int* order, int copies, int top_k, int hidden, std::uint16_t* gathered,
                          cudaStream_t stream) {
  const int words = hidden / 8;
  gather_kernel<<<blocks_for(static_cast<std::size_t>(copies) * words), kBlock, 0, stream>>>(
      reinterpret_cast<const uint4*>(x), order, copies, top_k, words, reinterpret_cast<uint4*>(gathered));
  return cudaGetLastError();
}

cudaError_t launch_swiglu(std::uint16_t* gate, const std::uint16_t* up, std::size_t n, cudaStream_t stream) {
  swiglu_kernel<<<blocks_for(n), kBlock, 0, stream>>>(gate, up, n);
  return cudaGetLastError();
}

cudaError_t launch_combine(const std::uint16_t* result, const int* position, const float* weight, int tokens, int top_k, int hidden,
                           std::uint16_t* out, cudaStream_t stream) {
  combine_kernel<<<blocks_for(static_cast<std::size_t>(tokens) * hidden), kBlock, 0, stream>>>(result, position, weight, tokens, top_k,
                                                                                               hidden, out);
  return cudaGetLastError();
}

cudaError_t launch_attention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v, int batch, int kv_heads,
                             int group, int context, int head_dim, float* scores, float* out, cudaStream_t stream) {
  const unsigned sequences = static_cast<unsigned>(batch) * static_cast<unsigned>(kv_heads);
  const int rows_per_block = kBlock / 32 * (32 / (head_dim / 8));
  const dim3 score_grid(static_cast<unsigned>((context + rows_per_block - 1) / rows_per_block), sequences);
  attention_scores_kernel<<<score_grid, kBlock, sizeof(float) * group * head_dim, stream>>>(
      q, k, group, context, head_dim, 1.0f / sqrtf(static_cast<float>(head_dim)), scores);
  cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) return status;
  softmax_rows_kernel<<<sequences * static_cast<unsigned>(group), kBlock, 0, stream>>>(scores, context);
  if ((status = cudaGetLastError()) != cudaSuccess) return status;
  const dim3 value_grid(static_cast<unsigned>((context + kAttentionRowsPerSplit - 1) / kAttentionRowsPerSplit), sequences);
  attention_values_kernel<<<value_grid, kBlock, sizeof(float) * (kBlock / 32) * group * head_dim, stream>>>(scores, v, group, context,
                                                                                                            head_dim, out);
  return cudaGetLastError();
}

}  // namespace moesim::calib::cuda
