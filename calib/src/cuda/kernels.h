#pragma once
// Internal to calib: launchers of the CUDA kernels in kernels.cu. Each queues its kernels on
// `stream` and returns cudaGetLastError() for the caller to check and name. bf16 tensors are
// passed as their 16-bit patterns (values.h); matrices are row-major.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace moesim::calib::cuda {

inline constexpr int kBlock = 256;     // threads per block (but for the one-thread scan and empty kernels)
inline constexpr int kFmaChains = 8;   // independent FMA chains per thread (hide the 4-cycle FMA latency)
inline constexpr int kFmaUnroll = 32;  // iterations per loop trip: loop control is < 2 % of instructions
inline constexpr int kMaxTopK = 16;    // experts per token the top-k kernel can choose
inline constexpr int kMaxQueriesPerKv = 8;      // query heads per KV head the attention kernels take
inline constexpr int kAttentionRowsPerSplit = 256;  // KV positions per block of the value kernel

// Each of blocks x kBlock threads runs kFmaChains chains of `iterations` (a multiple of
// kFmaUnroll) fused multiply-adds: 2 x kFmaChains x iterations FLOP per thread.
cudaError_t launch_fma(float* out, int blocks, int iterations, cudaStream_t stream);
cudaError_t launch_empty(cudaStream_t stream);
// dst[0, bytes) = src[0, bytes), in 16-byte words; bytes % 16 == 0, 16-byte aligned pointers.
cudaError_t launch_copy(const void* src, void* dst, std::size_t bytes, int blocks, cudaStream_t stream);

// Element i = init_value(seed, i, scale) (values.h) as bf16, fp16 or fp32; bytes: mix & mask.
cudaError_t launch_fill_bf16(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream);
cudaError_t launch_fill_f16(std::uint16_t* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream);
cudaError_t launch_fill_f32(float* out, std::size_t n, std::uint32_t seed, float scale, cudaStream_t stream);
cudaError_t launch_fill_bytes(std::uint8_t* out, std::size_t n, std::uint32_t seed, std::uint8_t mask, cudaStream_t stream);

// MoE layer. Top-k over logits[T][E] + bias[E]: choice[T][K] (best first) and weight[T][K],
// the softmax over the chosen; 1 <= top_k <= min(E, kMaxTopK), checked by the caller.
cudaError_t launch_topk(const float* logits, const float* bias, int tokens, int experts, int top_k, int* choice, float* weight,
                        cudaStream_t stream);
// Counting sort of the `copies` = T x K token copies by expert: count[E], start[E + 1] (block
// offsets), order[block row] = copy, position[copy] = block row. `fill` is scratch of E ints.
cudaError_t launch_route(const int* choice, int copies, int experts, int* count, int* start, int* fill, int* order, int* position,
                         cudaStream_t stream);
// gathered[j] = x[order[j] / K], rows of `hidden` (a multiple of 8) bf16 values.
cudaError_t launch_gather(const std::uint16_t* x, const int* order, int copies, int top_k, int hidden, std::uint16_t* gathered,
                          cudaStream_t stream);
// gate[i] = silu(gate[i]) * up[i] (SwiGLU, Shazeer 2020, eq. 6 with Swish_1 = SiLU).
cudaError_t launch_swiglu(std::uint16_t* gate, const std::uint16_t* up, std::size_t n, cudaStream_t stream);
// out[t] = sum_k weight[t][k] * result[position[t][k]], rows of `hidden` bf16 values.
cudaError_t launch_combine(const std::uint16_t* result, const int* position, const float* weight, int tokens, int top_k, int hidden,
                           std::uint16_t* out, cudaStream_t stream);

// Decode attention over a KV cache k, v[B][G][L][d] for queries q[B][H][d], H = G x group:
// scores[B][H][L] = q.k / sqrt(d), softmax over L, out[B][H][d] (fp32, zeroed by the caller)
// += probabilities . v. head_dim d in {8, 16, 32, 64, 128, 256}, group <= kMaxQueriesPerKv,
// group x d <= 1536 (checked by the caller).
cudaError_t launch_attention(const std::uint16_t* q, const std::uint16_t* k, const std::uint16_t* v, int batch, int kv_heads,
                             int group, int context, int head_dim, float* scores, float* out, cudaStream_t stream);

}  // namespace moesim::calib::cuda
