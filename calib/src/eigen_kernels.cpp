// The calibration's Eigen GEMMs, in a file of their own: with MOESIM_NATIVE_KERNELS (the
// default) this file and moe_layer.cpp are compiled for the build machine's instruction set
// (calib/CMakeLists.txt), as the validation layers are, so that the GEMM grid measures what
// this CPU's vector units do and not the compiler's baseline.
#include <omp.h>

#include <Eigen/Dense>

#include "moesim/calib/cpu_kernels.h"

namespace moesim::calib {
namespace {

using Weights = Eigen::Map<const Eigen::MatrixXf>;
// Activations and outputs row-major ([tokens, features]), as engines keep them and as the
// validation layers do: with column-major ones the grid ran M = 16 at 124 GFLOP/s where the
// layers' row-major GEMMs of that shape ran at 96 (-23 %; -9 % at M = 32, -3 % at 128), and
// every layer of 4-32 tokens per expert came out fast.
using Activations = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// c = a * weights with the weight columns split over the threads, one single-threaded Eigen
// GEMM each (Eigen does not nest its own threads inside an OpenMP region). The split is
// cpu_kernels.cpp's slice(), written out: an inline helper shared with this file, which is
// compiled for the build machine, could be linked in as this file's copy for every caller.
void gemm_column_split(const Activations& a, const Weights& weights, Activations& c, int threads) {
#pragma omp parallel num_threads(threads)
  {
    const Eigen::Index n = weights.cols(), t = omp_get_thread_num(), T = threads;
    const Eigen::Index first = n * t / T, cols = n * (t + 1) / T - first;
    if (cols > 0) c.middleCols(first, cols).noalias() = a * weights.middleCols(first, cols);
  }
}

}  // namespace

GemmRate gemm_fp32(std::int64_t m, std::int64_t n, std::int64_t k, int threads, const MeasureOptions& o, ColdArena& weights) {
  // The weights: cold in each repetition, as a layer's weights are in a model (at small M the
  // GEMM streams and packs them, and that from memory is slower than from cache).
  Activations a = Activations::Random(m, k), c(m, n);
  const auto next_weights = [&] { return Weights(weights.next(static_cast<std::size_t>(k * n) * sizeof(float)).data(), k, n); };
  // Two ways to use the cores, the faster kept: Eigen's own threading, and a split of the
  // weight columns with one single-threaded GEMM per thread, which is how the MoE layer runs
  // its experts and the one that threads a GEMV at all (Eigen runs M = 1 on one thread).
  Eigen::setNbThreads(threads);
  GemmRate eigen;
  eigen.measurement = measure([&] { c.noalias() = a * next_weights(); }, o);
  Eigen::setNbThreads(1);
  GemmRate split;
  split.column_split = true;
  split.measurement = measure([&] { gemm_column_split(a, next_weights(), c, threads); }, o);
  Eigen::setNbThreads(threads);
  GemmRate& best = split.measurement.median_s < eigen.measurement.median_s ? split : eigen;
  best.value = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / best.measurement.median_s;
  return best;
}

// The vector features this file was compiled with, as data (no code of this file runs before
// the check in cpu_kernels.cpp that the CPU has them).
#if defined(__AVX512F__)
#define MOESIM_AVX512F " avx512f"
#else
#define MOESIM_AVX512F ""
#endif
#if defined(__AVX512BW__)
#define MOESIM_AVX512BW " avx512bw"
#else
#define MOESIM_AVX512BW ""
#endif
#if defined(__AVX512VL__)
#define MOESIM_AVX512VL " avx512vl"
#else
#define MOESIM_AVX512VL ""
#endif
#if defined(__AVX2__)
#define MOESIM_AVX2 " avx2"
#else
#define MOESIM_AVX2 ""
#endif
#if defined(__FMA__)
#define MOESIM_FMA " fma"
#else
#define MOESIM_FMA ""
#endif
#if defined(__AVX__)
#define MOESIM_AVX " avx"
#else
#define MOESIM_AVX ""
#endif
#if defined(__F16C__)
#define MOESIM_F16C " f16c"
#else
#define MOESIM_F16C ""
#endif
#if defined(__SSE4_2__)
#define MOESIM_SSE42 " sse4.2"
#else
#define MOESIM_SSE42 ""
#endif
extern const char kKernelIsa[] = "" MOESIM_AVX512F MOESIM_AVX512BW MOESIM_AVX512VL MOESIM_AVX2 MOESIM_FMA MOESIM_AVX MOESIM_F16C MOESIM_SSE42;

}  // namespace moesim::calib
