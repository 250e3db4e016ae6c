// `moesim validate --device cuda`: the validation grid's MoE layers and decode-attention steps
// on one GPU in bf16 (cuBLAS GEMMs, kernels.cu), each checked against a CPU reference.
#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "../validation.h"
#include "kernels.h"
#include "../cuda_module.h"
#include "runtime.h"
#include "values.h"

namespace moesim::calib {
namespace {

using cuda::check;
using cuda::DeviceBuffer;
using cuda::Gpu;
using cuda::init_bf16;

// Seeds of the tensors (values.h): the host recomputes any element from its seed.
enum Seed : std::uint32_t { kSeedX = 1, kSeedRouter, kSeedW1, kSeedW3, kSeedW2, kSeedQ, kSeedK, kSeedV };
// The scales of calib/src/moe_layer.cpp's random tensors.
constexpr float kScaleX = 1.0f, kScaleRouter = 0.05f, kScaleWeight = 0.02f;
// bf16 keeps 8 significant bits: intermediates rounded to it (gate, up, hidden, expert output,
// layer output) leave about 1 % of relative error; a wrong index or layout leaves ~100 %.
constexpr double kMoeTolerance = 0.03;
// Attention accumulates in fp32 from bf16 inputs the reference reads exactly.
constexpr double kAttentionTolerance = 0.01;

std::string describe(const MoeLayerShape& s) {
  return "T=" + std::to_string(s.tokens) + " h=" + std::to_string(s.hidden) + " E=" + std::to_string(s.experts) + " K=" +
         std::to_string(s.top_k) + " f=" + std::to_string(s.expert_width);
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("CUDA validation: " + what);
}

void fill(DeviceBuffer& b, std::uint32_t seed, float scale, cudaStream_t s) {
  check(cuda::launch_fill_bf16(b.as<std::uint16_t>(), b.bytes() / 2, seed, scale, s), "fill_bf16_kernel launch");
}

// y[tokens][out] = x[tokens][in] . w[out][in]^T in bf16 with fp32 accumulation; the TN call of
// calibrate_cuda.cpp's Gemm. y is bf16 or fp32 (`y_type`).
void linear(cublasHandle_t blas, const std::uint16_t* x, const std::uint16_t* w, void* y, cudaDataType_t y_type, std::int64_t tokens,
            std::int64_t in, std::int64_t out) {
  const float one = 1, zero = 0;
  check(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(out), static_cast<int>(tokens), static_cast<int>(in), &one, w,
                     CUDA_R_16BF, static_cast<int>(in), x, CUDA_R_16BF, static_cast<int>(in), &zero, y, y_type, static_cast<int>(out),
                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
        "cublasGemmEx (bf16)");
}

template <class T>
std::vector<T> to_host(const DeviceBuffer& b) {
  std::vector<T> out(b.bytes() / sizeof(T));
  check(cudaMemcpy(out.data(), b.data(), out.size() * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy (device to host, for the check)");
  return out;
}

double relative_error(const std::vector<double>& got, const std::vector<double>& want) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    diff += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

// Token t of the GPU's layer against a double-precision reference from the same bf16 inputs:
// the chosen experts must be a top-k of the reference's router scores, their weights its
// softmax, and the output the weighted SwiGLU experts.
void check_moe_token(const MoeLayerShape& s, const std::vector<float>& bias, const std::vector<int>& choice,
                     const std::vector<float>& weight, const std::vector<std::uint16_t>& out, std::int64_t t) {
  const auto h = s.hidden, E = s.experts, K = s.top_k, f = s.expert_width;
  const std::string where = describe(s) + ", token " + std::to_string(t);
  std::vector<double> x(static_cast<std::size_t>(h)), score(static_cast<std::size_t>(E));
  for (std::int64_t i = 0; i < h; ++i) x[static_cast<std::size_t>(i)] = init_bf16(kSeedX, static_cast<std::uint64_t>(t * h + i), kScaleX);
  for (std::int64_t e = 0; e < E; ++e) {
    double sum = 0;
    for (std::int64_t i = 0; i < h; ++i)
      sum += x[static_cast<std::size_t>(i)] * init_bf16(kSeedRouter, static_cast<std::uint64_t>(e * h + i), kScaleRouter);
    score[static_cast<std::size_t>(e)] = sum + bias[static_cast<std::size_t>(e)];
  }
  std::vector<double> sorted = score;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  const double kth = sorted[static_cast<std::size_t>(K - 1)], slack = 1e-3 * (1 + std::abs(sorted[0]));  // fp32 vs double sums
  std::set<int> distinct;
  double top = -INFINITY, norm = 0;
  for (std::int64_t k = 0; k < K; ++k) {
    const int e = choice[static_cast<std::size_t>(t * K + k)];
    require(e >= 0 && e < E, where + ": top-k chose expert " + std::to_string(e) + ", outside [0, " + std::to_string(E) + ")");
    require(distinct.insert(e).second, where + ": top-k chose expert " + std::to_string(e) + " twice");
    require(score[static_cast<std::size_t>(e)] >= kth - slack, where + ": top-k chose expert " + std::to_string(e) + ", not among the best " +
                                                                   std::to_string(K) + " router scores");
    top = std::max(top, score[static_cast<std::size_t>(e)]);
  }
  for (int e : distinct) norm += std::exp(score[static_cast<std::size_t>(e)] - top);
  std::vector<double> want(static_cast<std::size_t>(h), 0.0), gate(static_cast<std::size_t>(f));
  for (std::int64_t k = 0; k < K; ++k) {
    const auto e = static_cast<std::int64_t>(choice[static_cast<std::size_t>(t * K + k)]);
    const double w = std::exp(score[static_cast<std::size_t>(e)] - top) / norm;
    const float routed = weight[static_cast<std::size_t>(t * K + k)];
    require(std::abs(routed - w) < 1e-3, where + ": routing weight " + std::to_string(routed) + " where the softmax gives " + std::to_string(w));
    for (std::int64_t j = 0; j < f; ++j) {
      double g = 0, u = 0;
      for (std::int64_t i = 0; i < h; ++i) {
        const auto at = static_cast<std::uint64_t>((e * f + j) * h + i);  // w1, w3: [E][f][h]
        g += x[static_cast<std::size_t>(i)] * init_bf16(kSeedW1, at, kScaleWeight);
        u += x[static_cast<std::size_t>(i)] * init_bf16(kSeedW3, at, kScaleWeight);
      }
      gate[static_cast<std::size_t>(j)] = g / (1 + std::exp(-g)) * u;
    }
    for (std::int64_t i = 0; i < h; ++i) {
      double y = 0;
      for (std::int64_t j = 0; j < f; ++j)
        y += gate[static_cast<std::size_t>(j)] * init_bf16(kSeedW2, static_cast<std::uint64_t>((e * h + i) * f + j), kScaleWeight);  // w2: [E][h][f]
      want[static_cast<std::size_t>(i)] += routed * y;
    }
  }
  std::vector<double> got(static_cast<std::size_t>(h));
  for (std::int64_t i = 0; i < h; ++i) got[static_cast<std::size_t>(i)] = cuda::from_bf16(out[static_cast<std::size_t>(t * h + i)]);
  const double error = relative_error(got, want);
  require(error <= kMoeTolerance, where + ": output differs from the CPU reference by " + std::to_string(100 * error) + "% (tolerance " +
                                      std::to_string(100 * kMoeTolerance) + "%): a kernel is wrong");
}

Measurement time_moe_layer_cuda(Gpu& gpu, const MoeLayerShape& s, const MeasureOptions& options, std::vector<double>* routed) {
  const auto T = s.tokens, h = s.hidden, E = s.experts, K = s.top_k, f = s.expert_width;
  require(h % 8 == 0, describe(s) + ": hidden size must be a multiple of 8 (16-byte rows)");
  require(K >= 1 && K <= E && K <= cuda::kMaxTopK, describe(s) + ": top_k must be in [1, min(experts, " + std::to_string(cuda::kMaxTopK) + ")]");
  require(T * K < (std::int64_t{1} << 31), describe(s) + ": tokens x top_k must fit the kernels' 32-bit row indices");
  const cudaStream_t stream = gpu.stream.get();
  const auto copies = static_cast<int>(T * K);
  const auto bf16 = [](std::int64_t n) { return 2 * static_cast<std::size_t>(n); };
  DeviceBuffer x(bf16(T * h)), router(bf16(E * h)), w1(bf16(E * f * h)), w3(bf16(E * f * h)), w2(bf16(E * h * f));
  DeviceBuffer bias(sizeof(float) * static_cast<std::size_t>(E)), logits(sizeof(float) * static_cast<std::size_t>(T * E));
  DeviceBuffer choice(sizeof(int) * static_cast<std::size_t>(copies)), weight(sizeof(float) * static_cast<std::size_t>(copies));
  DeviceBuffer count(sizeof(int) * static_cast<std::size_t>(E)), start(sizeof(int) * static_cast<std::size_t>(E + 1)),
      fill_at(sizeof(int) * static_cast<std::size_t>(E));
  DeviceBuffer order(sizeof(int) * static_cast<std::size_t>(copies)), position(sizeof(int) * static_cast<std::size_t>(copies));
  DeviceBuffer gathered(bf16(T * K * h)), gate(bf16(T * K * f)), up(bf16(T * K * f)), result(bf16(T * K * h)), out(bf16(T * h));
  cuda::PinnedBuffer block_start(sizeof(int) * static_cast<std::size_t>(E + 1));
  fill(x, kSeedX, kScaleX, stream);
  fill(router, kSeedRouter, kScaleRouter, stream);
  fill(w1, kSeedW1, kScaleWeight, stream);
  fill(w3, kSeedW3, kScaleWeight, stream);
  fill(w2, kSeedW2, kScaleWeight, stream);
  // Skewed routing: the per-expert Zipf bias of calib/src/moe_layer.cpp.
  std::vector<float> bias_host(static_cast<std::size_t>(E), 0.0f);
  if (s.zipf > 0)
    for (std::int64_t e = 0; e < E; ++e) bias_host[static_cast<std::size_t>(e)] = static_cast<float>(-4.0 * s.zipf * std::log(e + 1.0));
  check(cudaMemcpyAsync(bias.data(), bias_host.data(), bias.bytes(), cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync (router bias)");
  gpu.synchronize();
  const cublasHandle_t blas = gpu.blas.get();
  const int* starts = block_start.as<int>();
  auto layer = [&] {
    linear(blas, x.as<std::uint16_t>(), router.as<std::uint16_t>(), logits.data(), CUDA_R_32F, T, h, E);  // router GEMM
    check(cuda::launch_topk(logits.as<float>(), bias.as<float>(), static_cast<int>(T), static_cast<int>(E), static_cast<int>(K),
                            choice.as<int>(), weight.as<float>(), stream),
          "topk_kernel launch");
    check(cuda::launch_route(choice.as<int>(), copies, static_cast<int>(E), count.as<int>(), start.as<int>(), fill_at.as<int>(), order.as<int>(),
                             position.as<int>(), stream),
          "routing kernels (count, scan, scatter) launch");
    // The expert GEMMs' sizes are data: the host waits for them, as a dynamic-shape MoE does.
    check(cudaMemcpyAsync(block_start.as<int>(), start.data(), block_start.bytes(), cudaMemcpyDeviceToHost, stream),
          "cudaMemcpyAsync (expert block offsets)");
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (expert block offsets)");
    check(cuda::launch_gather(x.as<std::uint16_t>(), order.as<int>(), copies, static_cast<int>(K), static_cast<int>(h),
                              gathered.as<std::uint16_t>(), stream),
          "gather_kernel launch");
    for (std::int64_t e = 0; e < E; ++e) {  // gate and up projections of each expert's block
      const std::int64_t first = starts[e], rows = starts[e + 1] - first;
      if (rows == 0) continue;
      const std::uint16_t* in = gathered.as<std::uint16_t>() + first * h;
      linear(blas, in, w1.as<std::uint16_t>() + e * f * h, gate.as<std::uint16_t>() + first * f, CUDA_R_16BF, rows, h, f);
      linear(blas, in, w3.as<std::uint16_t>() + e * f * h, up.as<std::uint16_t>() + first * f, CUDA_R_16BF, rows, h, f);
    }
    check(cuda::launch_swiglu(gate.as<std::uint16_t>(), up.as<std::uint16_t>(), static_cast<std::size_t>(T * K * f), stream),
          "swiglu_kernel launch");
    for (std::int64_t e = 0; e < E; ++e) {  // down projections
      const std::int64_t first = starts[e], rows = starts[e + 1] - first;
      if (rows == 0) continue;
      linear(blas, gate.as<std::uint16_t>() + first * f, w2.as<std::uint16_t>() + e * h * f, result.as<std::uint16_t>() + first * h,
             CUDA_R_16BF, rows, f, h);
    }
    check(cuda::launch_combine(result.as<std::uint16_t>(), position.as<int>(), weight.as<float>(), static_cast<int>(T), static_cast<int>(K),
                               static_cast<int>(h), out.as<std::uint16_t>(), stream),
          "combine_kernel launch");
  };
  const Measurement m = gpu.time(layer, options, true);
  gpu.synchronize();
  if (routed) {
    routed->resize(static_cast<std::size_t>(E));
    for (std::int64_t e = 0; e < E; ++e) (*routed)[static_cast<std::size_t>(e)] = starts[e + 1] - starts[e];
  }
  const auto choice_host = to_host<int>(choice);
  const auto weight_host = to_host<float>(weight);
  const auto out_host = to_host<std::uint16_t>(out);
  for (std::int64_t t : std::set<std::int64_t>{0, T / 2, T - 1}) check_moe_token(s, bias_host, choice_host, weight_host, out_host, t);
  return m;
}

// Sequence b, query head q of the GPU's attention against a double-precision reference.
void check_attention_head(const AttentionShape& s, const std::vector<float>& out, std::int64_t b, std::int64_t q) {
  const auto L = s.context, H = s.heads, G = s.kv_heads, d = s.head_dim, g = q / (H / G);
  std::vector<double> query(static_cast<std::size_t>(d)), p(static_cast<std::size_t>(L)), want(static_cast<std::size_t>(d), 0.0),
      got(static_cast<std::size_t>(d));
  for (std::int64_t c = 0; c < d; ++c) query[static_cast<std::size_t>(c)] = init_bf16(kSeedQ, static_cast<std::uint64_t>((b * H + q) * d + c), 1.0f);
  const auto row = [&](std::int64_t l) { return static_cast<std::uint64_t>(((b * G + g) * L + l) * d); };
  double top = -INFINITY, sum = 0;
  for (std::int64_t l = 0; l < L; ++l) {
    double dot = 0;
    for (std::int64_t c = 0; c < d; ++c) dot += query[static_cast<std::size_t>(c)] * init_bf16(kSeedK, row(l) + static_cast<std::uint64_t>(c), 1.0f);
    p[static_cast<std::size_t>(l)] = dot / std::sqrt(static_cast<double>(d));
    top = std::max(top, p[static_cast<std::size_t>(l)]);
  }
  for (double& v : p) sum += (v = std::exp(v - top));
  for (std::int64_t l = 0; l < L; ++l)
    for (std::int64_t c = 0; c < d; ++c)
      want[static_cast<std::size_t>(c)] += p[static_cast<std::size_t>(l)] / sum * init_bf16(kSeedV, row(l) + static_cast<std::uint64_t>(c), 1.0f);
  for (std::int64_t c = 0; c < d; ++c) got[static_cast<std::size_t>(c)] = out[static_cast<std::size_t>((b * H + q) * d + c)];
  const double error = relative_error(got, want);
  require(error <= kAttentionTolerance, "decode attention B=" + std::to_string(s.batch) + " L=" + std::to_string(L) + ", sequence " +
                                            std::to_string(b) + " head " + std::to_string(q) + ": output differs from the CPU reference by " +
                                            std::to_string(100 * error) + "%: a kernel is wrong");
}

Measurement time_decode_attention_cuda(Gpu& gpu, const AttentionShape& s, const MeasureOptions& options) {
  const auto B = s.batch, L = s.context, H = s.heads, G = s.kv_heads, d = s.head_dim;
  const std::string name = "decode attention H=" + std::to_string(H) + " kv=" + std::to_string(G) + " d=" + std::to_string(d);
  require(G > 0 && H % G == 0, name + ": heads must be a multiple of kv_heads");
  const auto group = H / G;
  require(d == 8 || d == 16 || d == 32 || d == 64 || d == 128 || d == 256, name + ": head_dim must be 8, 16, 32, 64, 128 or 256");
  require(group <= cuda::kMaxQueriesPerKv && group * d <= 1536,
          name + ": at most " + std::to_string(cuda::kMaxQueriesPerKv) + " query heads per KV head and heads/kv_heads x head_dim <= 1536");
  const cudaStream_t stream = gpu.stream.get();
  DeviceBuffer q(2 * static_cast<std::size_t>(B * H * d)), k(2 * static_cast<std::size_t>(B * G * L * d)),
      v(2 * static_cast<std::size_t>(B * G * L * d));
  DeviceBuffer scores(sizeof(float) * static_cast<std::size_t>(B * H * L)), out(sizeof(float) * static_cast<std::size_t>(B * H * d));
  fill(q, kSeedQ, 1.0f, stream);
  fill(k, kSeedK, 1.0f, stream);
  fill(v, kSeedV, 1.0f, stream);
  gpu.synchronize();
  const Measurement m = gpu.time(
      [&] {
        check(cudaMemsetAsync(out.data(), 0, out.bytes(), stream), "cudaMemsetAsync (attention output)");
        check(cuda::launch_attention(q.as<std::uint16_t>(), k.as<std::uint16_t>(), v.as<std::uint16_t>(), static_cast<int>(B), static_cast<int>(G),
                                     static_cast<int>(group), static_cast<int>(L), static_cast<int>(d), scores.as<float>(), out.as<float>(), stream),
              "attention kernels (scores, softmax, values) launch");
      },
      options, true);
  gpu.synchronize();
  const auto out_host = to_host<float>(out);
  check_attention_head(s, out_host, 0, 0);
  check_attention_head(s, out_host, B - 1, H - 1);
  return m;
}

}  // namespace

Validation cuda::validate(const Hardware& hw, const ValidationOptions& o, int device) {
  Gpu gpu(device);
  const LayerTimers timers{
      [&gpu](const MoeLayerShape& s, const MeasureOptions& m, std::vector<double>* routed) { return time_moe_layer_cuda(gpu, s, m, routed); },
      [&gpu](const AttentionShape& s, const MeasureOptions& m) { return time_decode_attention_cuda(gpu, s, m); }};
  return run_validation(hw, o, {Element::bf16, 0, 0}, timers);
}

}  // namespace moesim::calib
