// `moesim calibrate --device cuda`: microkernels on one GPU fill a profile of exactly the
// hwprofiles/ schema, as calibrate() does for the CPU.
#include <cublasLt.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "collectives.h"
#include "kernels.h"
#include "../cuda_module.h"
#include "../record.h"
#include "moesim/calib/cpu_kernels.h"
#include "runtime.h"

namespace moesim::calib {
namespace {

using Json = nlohmann::json;
using cuda::check;
using cuda::DeviceBuffer;
using cuda::Gpu;

// The element types of one GEMM format and what cuBLAS computes it in.
struct GemmFormat {
  const char* name;
  cudaDataType_t inputs, output;
  cublasComputeType_t compute;
  std::size_t input_bytes, output_bytes;
};
const GemmFormat kBf16{"bf16", CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 2, 2};
const GemmFormat kFp16{"fp16", CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, 2, 2};
const GemmFormat kTf32{"tf32", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4};
const GemmFormat kInt8{"int8", CUDA_R_8I, CUDA_R_32I, CUBLAS_COMPUTE_32I, 1, 4};
// fp8 goes through cuBLASLt (cublasGemmEx has no fp8): e4m3 inputs, bf16 output.
const GemmFormat kFp8{"fp8", CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 1, 2};

// Fills n elements of `f`'s input type with values.h's deterministic values.
void fill_inputs(const GemmFormat& f, void* data, std::size_t n, std::uint32_t seed, cudaStream_t s) {
  cudaError_t status;
  if (f.inputs == CUDA_R_16BF) status = cuda::launch_fill_bf16(static_cast<std::uint16_t*>(data), n, seed, 1.0f, s);
  else if (f.inputs == CUDA_R_16F) status = cuda::launch_fill_f16(static_cast<std::uint16_t*>(data), n, seed, 1.0f, s);
  else if (f.inputs == CUDA_R_32F) status = cuda::launch_fill_f32(static_cast<float*>(data), n, seed, 1.0f, s);
  // e4m3 with exponent bits 6 and 3 cleared: finite values of magnitude below 1, never NaN.
  else if (f.inputs == CUDA_R_8F_E4M3) status = cuda::launch_fill_bytes(static_cast<std::uint8_t*>(data), n, seed, 0xb7, s);
  else status = cuda::launch_fill_bytes(static_cast<std::uint8_t*>(data), n, seed, 0xff, s);
  check(status, "fill kernel (GEMM inputs)");
}

// A GEMM of one linear layer: Y[n][m] = X[n][k] W[m][k]^T (row-major; n = tokens, m = output
// features, k = input features). In cuBLAS's column-major terms C(m x n) = A^T B with
// A = W (k x m) and B = X (k x n): the "TN" layout, the one cuBLAS supports for every type
// (int8 IMMA and fp8 require it).
struct Gemm {
  Gemm(Gpu& gpu, const GemmFormat& f, std::int64_t tokens, std::int64_t out, std::int64_t in)
      : gpu(gpu), f(f), n(static_cast<int>(tokens)), m(static_cast<int>(out)), k(static_cast<int>(in)),
        w(f.input_bytes * static_cast<std::size_t>(out * in)), x(f.input_bytes * static_cast<std::size_t>(tokens * in)),
        y(f.output_bytes * static_cast<std::size_t>(tokens * out)) {
    fill_inputs(f, w.data(), static_cast<std::size_t>(out * in), 11, gpu.stream.get());
    fill_inputs(f, x.data(), static_cast<std::size_t>(tokens * in), 12, gpu.stream.get());
    gpu.synchronize();
  }
  void enqueue() const {
    const float one = 1, zero = 0;
    const std::int32_t one_i = 1, zero_i = 0;
    const bool integer = f.compute == CUBLAS_COMPUTE_32I;  // its alpha and beta are int32
    check(cublasGemmEx(gpu.blas.get(), CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, integer ? static_cast<const void*>(&one_i) : &one, w.data(),
                       f.inputs, k, x.data(), f.inputs, k, integer ? static_cast<const void*>(&zero_i) : &zero, y.data(), f.output, m,
                       f.compute, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx");
  }
  double flop() const { return 2.0 * m * n * static_cast<double>(k); }
  Gpu& gpu;
  const GemmFormat& f;
  int n, m, k;
  DeviceBuffer w, x, y;
};

// A cuBLASLt object, destroyed with `Destroy` (also when a later step of its owner's
// constructor throws).
template <class T, auto Destroy>
struct LtOwned {
  LtOwned() = default;
  LtOwned(const LtOwned&) = delete;
  LtOwned& operator=(const LtOwned&) = delete;
  ~LtOwned() {
    if (value) Destroy(value);
  }
  T value = nullptr;
};

// The same square GEMM in fp8 with cuBLASLt, TN, e4m3 x e4m3 -> bf16 with fp32 accumulation
// (unit scales: the scale pointers are left unset).
struct LtFp8Gemm {
  LtFp8Gemm(Gpu& gpu, std::int64_t size)
      : gpu(gpu), n(static_cast<int>(size)), a(static_cast<std::size_t>(size * size)), b(static_cast<std::size_t>(size * size)),
        d(2 * static_cast<std::size_t>(size * size)), workspace(kWorkspace) {
    fill_inputs(kFp8, a.data(), static_cast<std::size_t>(size * size), 13, gpu.stream.get());
    fill_inputs(kFp8, b.data(), static_cast<std::size_t>(size * size), 14, gpu.stream.get());
    gpu.synchronize();
    check(cublasLtCreate(&handle.value), "cublasLtCreate");
    check(cublasLtMatmulDescCreate(&op.value, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
    const std::int32_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
    check(cublasLtMatmulDescSetAttribute(op.value, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof transpose),
          "cublasLtMatmulDescSetAttribute (TRANSA)");
    check(cublasLtMatmulDescSetAttribute(op.value, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof keep), "cublasLtMatmulDescSetAttribute (TRANSB)");
    // Fast accumulation, as inference engines run fp8 forward GEMMs (Transformer Engine does).
    const std::int8_t fast = 1;
    check(cublasLtMatmulDescSetAttribute(op.value, CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast, sizeof fast),
          "cublasLtMatmulDescSetAttribute (FAST_ACCUM)");
    check(cublasLtMatrixLayoutCreate(&a_layout.value, CUDA_R_8F_E4M3, n, n, n), "cublasLtMatrixLayoutCreate (A)");
    check(cublasLtMatrixLayoutCreate(&b_layout.value, CUDA_R_8F_E4M3, n, n, n), "cublasLtMatrixLayoutCreate (B)");
    check(cublasLtMatrixLayoutCreate(&d_layout.value, CUDA_R_16BF, n, n, n), "cublasLtMatrixLayoutCreate (C/D)");
    check(cublasLtMatmulPreferenceCreate(&preference.value), "cublasLtMatmulPreferenceCreate");
    const std::uint64_t workspace_bytes = kWorkspace;
    check(cublasLtMatmulPreferenceSetAttribute(preference.value, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                                               sizeof workspace_bytes),
          "cublasLtMatmulPreferenceSetAttribute (MAX_WORKSPACE_BYTES)");
    int found = 0;
    check(cublasLtMatmulAlgoGetHeuristic(handle.value, op.value, a_layout.value, b_layout.value, d_layout.value, d_layout.value,
                                         preference.value, 1, &algorithm, &found),
          "cublasLtMatmulAlgoGetHeuristic (fp8)");
    if (found == 0) throw std::runtime_error("cublasLtMatmulAlgoGetHeuristic found no fp8 (e4m3 x e4m3 -> bf16, TN) algorithm");
  }
  void enqueue() const {
    const float one = 1, zero = 0;
    check(cublasLtMatmul(handle.value, op.value, &one, a.data(), a_layout.value, b.data(), b_layout.value, &zero, d.data(), d_layout.value,
                         d.data(), d_layout.value, &algorithm.algo, workspace.data(), kWorkspace, gpu.stream.get()),
          "cublasLtMatmul (fp8)");
  }
  double flop() const { return 2.0 * n * n * static_cast<double>(n); }
  static constexpr std::size_t kWorkspace = 32u << 20;  // what NVIDIA's cuBLASLt samples give Hopper kernels
  Gpu& gpu;
  int n;
  DeviceBuffer a, b, d, workspace;
  LtOwned<cublasLtHandle_t, cublasLtDestroy> handle;
  LtOwned<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy> op;
  LtOwned<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy> a_layout, b_layout, d_layout;
  LtOwned<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy> preference;
  cublasLtMatmulHeuristicResult_t algorithm{};
};

}  // namespace

Calibration cuda::calibrate(const CalibrationOptions& o, int device) {
  Calibration c;
  Gpu gpu(device);
  const cudaDeviceProp& prop = gpu.prop;
  const int capability = prop.major * 10 + prop.minor;
  const std::string where = "cuda:" + std::to_string(device);
  const bool storage = !o.storage_dir.empty();
  CalibrationSteps steps(o, c, 7 + (storage ? 1 : 0));
  const MeasureOptions& m = steps.measure();
  Hardware& hw = c.profile;
  hw.kind = "gpu";
  hw.name = "calibrated: " + std::string(prop.name) + " (" + where + ", compute capability " + std::to_string(prop.major) + "." +
            std::to_string(prop.minor) + ", " + host_name() + ")";
  int driver = 0, runtime = 0, blas = 0;
  check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  check(cublasGetVersion(gpu.blas.get(), &blas), "cublasGetVersion");
  std::size_t free_bytes = 0, total_bytes = 0;
  check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  c.raw["device"] = {{"ordinal", device}, {"name", prop.name}, {"compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
                     {"multiprocessors", prop.multiProcessorCount}, {"l2_bytes", prop.l2CacheSize}, {"memory_bytes", prop.totalGlobalMem},
                     {"free_memory_bytes", free_bytes}, {"memory_bus_bits", prop.memoryBusWidth}, {"cuda_driver", driver},
                     {"cuda_runtime", runtime}, {"cublas", blas}};
  // One full wave: every multiprocessor holds as many kBlock-thread blocks as it can.
  const int wave = prop.multiProcessorCount * std::max(1, prop.maxThreadsPerMultiProcessor / cuda::kBlock);
  const cudaStream_t stream = gpu.stream.get();
  auto peak_of = [&](const Measurement& r, double flop) { return flop / r.min_s; };  // a peak is the best repetition

  // 1. fp32 peak on the CUDA cores: FFMA chains in every thread of a full wave.
  if (steps.next("FFMA peak")) return c.cancelled = true, c;
  {
    const int iterations = (o.quick ? 4096 : 16384) / cuda::kFmaUnroll * cuda::kFmaUnroll;
    DeviceBuffer out(sizeof(float) * static_cast<std::size_t>(wave) * cuda::kBlock);
    const Measurement r = gpu.time([&] { check(cuda::launch_fma(out.as<float>(), wave, iterations, stream), "fma_kernel launch"); }, m, false);
    const double flop = 2.0 * cuda::kFmaChains * iterations * static_cast<double>(wave) * cuda::kBlock;
    steps.note_noise("FFMA peak", r);
    hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp32)] = peak_of(r, flop);
    c.raw["ffma_fp32"] = {{"flop_per_s", peak_of(r, flop)}, {"blocks", wave}, {"threads_per_block", cuda::kBlock},
                          {"iterations", iterations}, {"measurement", to_json(r)}};
  }

  // 2. matrix peaks: one large square GEMM per format (dense; tensor cores where cuBLAS uses them)
  if (steps.next("cuBLAS GEMM peaks")) return c.cancelled = true, c;
  const std::int64_t square = o.quick ? 4096 : 8192;
  Json peaks = Json::object();
  auto record_peak = [&](const char* name, ComputeFormat format, const Measurement& r, double flop) {
    steps.note_noise(std::string(name) + " GEMM peak", r);
    hw.peak_flop_per_s[static_cast<std::size_t>(format)] = peak_of(r, flop);
    peaks[name] = {{"m", square}, {"n", square}, {"k", square}, {"flop_per_s", peak_of(r, flop)}, {"measurement", to_json(r)}};
  };
  {
    const Gemm bf16(gpu, kBf16, square, square, square);
    record_peak("bf16", ComputeFormat::bf16, gpu.time([&] { bf16.enqueue(); }, m, false), bf16.flop());
  }
  {
    // fp16 runs at the bf16 rate on every NVIDIA tensor core; recorded, not a profile key.
    const Gemm fp16(gpu, kFp16, square, square, square);
    const Measurement r = gpu.time([&] { fp16.enqueue(); }, m, false);
    peaks["fp16"] = {{"m", square}, {"n", square}, {"k", square}, {"flop_per_s", peak_of(r, fp16.flop())}, {"measurement", to_json(r)}};
  }
  // The narrower formats are optional: a device or cuBLAS without them leaves them out.
  auto optional_peak = [&](const char* name, ComputeFormat format, const auto& make) {
    try {
      const auto gemm = make();
      record_peak(name, format, gpu.time([&] { gemm->enqueue(); }, m, false), gemm->flop());
    } catch (const std::runtime_error& e) {
      c.warnings.push_back(std::string(name) + " GEMM peak not measured: " + e.what());
    }
  };
  optional_peak("tf32", ComputeFormat::tf32, [&] { return std::make_unique<Gemm>(gpu, kTf32, square, square, square); });
  optional_peak("int8", ComputeFormat::int8, [&] { return std::make_unique<Gemm>(gpu, kInt8, square, square, square); });
  if (capability >= 89) {
    optional_peak("fp8", ComputeFormat::fp8, [&] { return std::make_unique<LtFp8Gemm>(gpu, square); });
  } else {
    c.warnings.push_back("compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                         " has no fp8 tensor cores (8.9 and later): no fp8 peak");
  }
  c.raw["gemm_peaks"] = peaks;

  // 3. bf16 GEMM efficiency by token count and by width: the CPU calibration's grid, each GEMM
  // with its weights cold (L2 flushed), as a layer of a model larger than the cache runs.
  if (steps.next("GEMM grid")) return c.cancelled = true, c;
  const double bf16_peak = hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::bf16)];
  const std::int64_t width = o.quick ? 1024 : 2048;
  const std::vector<std::int64_t> tokens = o.quick ? std::vector<std::int64_t>{1, 4, 16, 64, 256, 1024}
                                                   : std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  Json grid = Json::array();
  auto grid_rate = [&](std::int64_t t, std::int64_t out, std::int64_t in) {
    const Gemm g(gpu, kBf16, t, out, in);
    const Measurement r = gpu.time([&] { g.enqueue(); }, m, true);
    steps.note_noise("bf16 GEMM M=" + std::to_string(t) + " N=" + std::to_string(out) + " K=" + std::to_string(in), r);
    const double rate = g.flop() / r.median_s;
    grid.push_back({{"m", t}, {"n", out}, {"k", in}, {"flop_per_s", rate}, {"measurement", to_json(r)}});
    return rate;
  };
  for (auto t : tokens) hw.gemm_by_tokens.add(static_cast<double>(t), std::min(1.0, grid_rate(t, width, width) / bf16_peak));
  non_decreasing(hw.gemm_by_tokens);
  const std::int64_t m_for_width = 256;
  const double at_width = grid_rate(m_for_width, width, width);
  const std::vector<std::int64_t> widths =
      o.quick ? std::vector<std::int64_t>{64, 256, 1024} : std::vector<std::int64_t>{64, 128, 256, 512, 1024, 2048};
  for (auto w : widths) hw.gemm_by_width.add(static_cast<double>(w), std::min(1.0, grid_rate(m_for_width, w, width) / at_width));
  non_decreasing(hw.gemm_by_width);
  c.raw["gemm_bf16"] = grid;

  // 4. device memory: a copy kernel, STREAM's copy counting (McCalpin 1995: read + write =
  // 2 x bytes), over a large array and by transfer size from a cold L2.
  if (steps.next("memory bandwidth")) return c.cancelled = true, c;
  {
    const std::size_t big = std::min<std::size_t>(o.quick ? (256u << 20) : (1024u << 20), free_bytes / 4) / 256 * 256;
    const std::vector<double> sizes = {16e3, 64e3, 256e3, 1e6, 4e6, 16e6, 64e6, 256e6};
    const std::size_t largest = std::max(big, static_cast<std::size_t>(sizes.back()));
    DeviceBuffer src(largest), dst(largest);
    check(cudaMemsetAsync(src.data(), 1, largest, stream), "cudaMemsetAsync (copy source)");
    auto copy = [&](std::size_t bytes, bool cold) {
      const std::size_t words = bytes / 16;
      const int blocks = static_cast<int>(std::min<std::size_t>((words + cuda::kBlock - 1) / cuda::kBlock, static_cast<std::size_t>(wave)));
      return gpu.time([&] { check(cuda::launch_copy(src.data(), dst.data(), bytes, std::max(blocks, 1), stream), "copy_kernel launch"); }, m, cold);
    };
    const Measurement large = copy(big, false);
    steps.note_noise("device copy", large);
    hw.memory_bandwidth_bytes_per_s = 2.0 * static_cast<double>(big) / large.min_s;  // best repetition, as STREAM reports
    Json by_size = Json::array();
    std::vector<std::pair<double, double>> rates;
    for (double bytes : sizes) {
      const Measurement r = copy(static_cast<std::size_t>(bytes), true);
      rates.emplace_back(bytes, 2.0 * bytes / r.median_s);
      by_size.push_back({{"bytes", bytes}, {"copy_bytes_per_s", rates.back().second}, {"measurement", to_json(r)}});
    }
    for (const auto& [bytes, rate] : rates) hw.memory_bandwidth_bytes_per_s = std::max(hw.memory_bandwidth_bytes_per_s, rate);
    for (const auto& [bytes, rate] : rates) hw.memory_by_bytes.add(bytes, std::min(1.0, rate / hw.memory_bandwidth_bytes_per_s));
    non_decreasing(hw.memory_by_bytes);
    c.raw["memory"] = {{"array_bytes", big}, {"copy_bytes_per_s", 2.0 * static_cast<double>(big) / large.min_s},
                       {"measurement", to_json(large)}, {"by_size", by_size}};
  }
  hw.memory_bytes = static_cast<double>(prop.totalGlobalMem);
  hw.cache_bytes = static_cast<double>(prop.l2CacheSize);
  // Weight-only formats: no unpacking kernel is measured on the GPU yet. The shipped GPU
  // profiles' rule (hwprofiles/README.md): unpacked at 2 x the weight read rate, so that a
  // batch-1 step stays a weight read, as Marlin measured (Frantar et al. 2024).
  for (const Element e : {Element::fp8, Element::int8, Element::int4, Element::fp4})
    hw.dequantize_bytes_per_s[static_cast<std::size_t>(e)] = 2 * hw.memory_bandwidth_bytes_per_s;
  c.warnings.push_back("efficiency.dequantization (fp8, int8, int4, fp4) is not measured on the GPU: set to 2 x the measured memory "
                       "bandwidth, as the shipped GPU profiles are");

  // 5. the host link: pinned cudaMemcpyAsync in each direction, and a small transfer's latency
  if (steps.next("host link")) return c.cancelled = true, c;
  {
    const std::size_t bytes = o.quick ? (64u << 20) : (256u << 20);
    cuda::PinnedBuffer host(bytes);
    DeviceBuffer dev(bytes);
    auto transfer = [&](std::size_t n, cudaMemcpyKind kind) {
      void* to = kind == cudaMemcpyHostToDevice ? dev.data() : host.as<void>();
      const void* from = kind == cudaMemcpyHostToDevice ? host.as<void>() : dev.data();
      return gpu.time([&] { check(cudaMemcpyAsync(to, from, n, kind, stream), "cudaMemcpyAsync (pinned)"); }, m, false);
    };
    const Measurement h2d = transfer(bytes, cudaMemcpyHostToDevice), d2h = transfer(bytes, cudaMemcpyDeviceToHost);
    const Measurement small = transfer(8, cudaMemcpyHostToDevice);
    steps.note_noise("host-to-device copy", h2d);
    // Offloaded experts travel host to device: that direction is the profile's link.
    hw.host_link = {static_cast<double>(bytes) / h2d.min_s, small.median_s};
    c.raw["host_link"] = {{"bytes", bytes}, {"host_to_device_bytes_per_s", static_cast<double>(bytes) / h2d.min_s},
                          {"device_to_host_bytes_per_s", static_cast<double>(bytes) / d2h.min_s}, {"host_to_device", to_json(h2d)},
                          {"device_to_host", to_json(d2h)}, {"latency_8_bytes", to_json(small)}};
  }

  // 6. the fixed cost of one kernel: back-to-back empty launches, as a layer's kernels are
  // queued; the same kernels replayed from a captured CUDA graph, as engines replay their
  // decode steps; and one launch waited for: every serving pass ends by waiting for its
  // sampled tokens before the host can launch the next, so the device idles for that round
  // trip once per pass. It is the floor of the profile's pass_overhead (an engine's scheduler
  // and sampling add to it, which no microkernel sees).
  if (steps.next("launch latency")) return c.cancelled = true, c;
  {
    constexpr int kLaunches = 100;
    const auto queue_empty_kernels = [&] {
      for (int i = 0; i < kLaunches; ++i) check(cuda::launch_empty(stream), "empty_kernel launch");
    };
    const Measurement queued = gpu.time(queue_empty_kernels, m, false, kLaunches);
    const cuda::Graph graph(stream, queue_empty_kernels);  // the same kernels, captured
    const Measurement replayed = gpu.time([&] { graph.launch(stream); }, m, false, kLaunches);
    const Measurement waited = measure(
        [&] {
          check(cuda::launch_empty(stream), "empty_kernel launch");
          gpu.synchronize();
        },
        m);
    hw.kernel_overhead_s = queued.median_s;
    hw.graph_kernel_overhead_s = replayed.median_s;
    hw.pass_overhead_s = waited.median_s;
    steps.note_noise("kernel launch", queued);
    steps.note_noise("graph replay", replayed);
    c.raw["launch"] = {{"queued_per_kernel", to_json(queued)},
                       {"graph_replay_per_kernel", to_json(replayed)},
                       {"launch_and_synchronize", to_json(waited)}};
  }

  // 7. the scale-up link between this node's GPUs
  if (steps.next("NCCL collectives")) return c.cancelled = true, c;
  const cuda::Collectives links = cuda::measure_collectives(o.quick, m);
  check(cudaSetDevice(device), "cudaSetDevice");
  if (!links.not_measured.empty()) {
    c.warnings.push_back(links.not_measured);
  } else {
    // Expert parallelism's dispatch and combine are all-to-alls: the profile's link is what
    // the all-to-all achieved (efficiency 1: the rate is already an achieved one); the
    // all-reduce is in the raw file.
    hw.scale_up = {links.all_to_all_bus_bytes_per_s, links.all_to_all_step_latency_s};
    hw.scale_up_devices = links.devices;
    hw.scale_up_peer_access = cuda::all_peers_accessible(links.devices);
    steps.note_noise("NCCL all-to-all", links.all_to_all_large);
    c.raw["nccl"] = {{"devices", links.devices}, {"peer_access", hw.scale_up_peer_access}, {"nccl_version", links.nccl_version},
                     {"bytes_per_rank", links.large_bytes},
                     {"all_reduce_bus_bytes_per_s", links.all_reduce_bus_bytes_per_s},
                     {"all_reduce_step_latency_s", links.all_reduce_step_latency_s},
                     {"all_to_all_bus_bytes_per_s", links.all_to_all_bus_bytes_per_s},
                     {"all_to_all_step_latency_s", links.all_to_all_step_latency_s},
                     {"all_reduce", to_json(links.all_reduce_large)}, {"all_reduce_small", to_json(links.all_reduce_small)},
                     {"all_to_all", to_json(links.all_to_all_large)}, {"all_to_all_small", to_json(links.all_to_all_small)},
                     {"small_bytes_per_rank", links.small_bytes}};
  }

  // 8. storage, for the offloading model (read by the host, as an offloaded expert is)
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!storage_step(o, threads, steps, c)) return c.cancelled = true, c;
  // This GPU's share of the host's memory, for offloading: the host's RAM over its GPUs.
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  hw.host_memory_bytes = static_cast<double>(pages) * static_cast<double>(page) / static_cast<double>(std::max(1, links.devices));
  hw.provenance.method = "calibration";
  hw.provenance.source = "moesim calibrate --device " + where + (o.quick ? " --quick" : "") + " on " + host_name();
  hw.provenance.date = today();
  hw.provenance.host = host_name();
  steps.next("done");
  return c;
}

}  // namespace moesim::calib
