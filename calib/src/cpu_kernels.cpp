#include "moesim/calib/cpu_kernels.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <omp.h>

#include <Eigen/Core>  // Eigen::half, for the fp16 scales
#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace moesim::calib {
namespace {

// Runs body(thread_index) on `threads` OpenMP threads: the pool persists, so a repetition
// does not pay for creating threads (the real layers run on the same pool).
template <class F>
void parallel(int threads, F&& body) {
#pragma omp parallel num_threads(threads)
  body(omp_get_thread_num());
}

// The part [lo, hi) of n items that thread t of `threads` handles.
std::pair<std::size_t, std::size_t> slice(std::size_t n, int t, int threads) {
  const auto T = static_cast<std::size_t>(threads), i = static_cast<std::size_t>(t);
  return {n * i / T, n * (i + 1) / T};
}

typedef float v8f __attribute__((vector_size(32)));
typedef float v8f_unaligned __attribute__((vector_size(32), aligned(4)));
typedef float v16f __attribute__((vector_size(64)));

// 16 independent accumulators hide the FMA latency (4-5 cycles, two FMA pipes). Always
// inlined: only inlined into a target("avx2,fma") caller is it compiled for that ISA.
template <class V>
__attribute__((always_inline)) inline float fma_chains(std::int64_t iterations) {
  constexpr int lanes = sizeof(V) / sizeof(float);
  V acc[16], a, b;
  for (int j = 0; j < lanes; ++j) {
    a[j] = 0.999999f;
    b[j] = 1e-7f;
  }
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < lanes; ++j) acc[i][j] = 1.0f + 0.001f * static_cast<float>(i + j);
  for (std::int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < 16; ++i) acc[i] = acc[i] * a + b;  // contracted to FMA
  float sum = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < lanes; ++j) sum += acc[i][j];
  return sum;
}

// One body per instruction set, chosen by what the CPU supports (not by its model name, as
// GCC's target_clones("arch=...") would): the same binary measures every x86-64 machine.
__attribute__((target("avx512f,fma"))) float fma_avx512(std::int64_t n) { return fma_chains<v16f>(n); }
__attribute__((target("avx2,fma"))) float fma_avx2(std::int64_t n) { return fma_chains<v8f>(n); }
float fma_baseline(std::int64_t n) { return fma_chains<v8f>(n); }

struct FmaKernel {
  float (*run)(std::int64_t);
  int flops_per_iteration;  // 16 chains x lanes x 2
};

FmaKernel best_fma_kernel() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return {fma_avx512, 16 * 16 * 2};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {fma_avx2, 16 * 8 * 2};
  return {fma_baseline, 16 * 8 * 2};
}

struct AlignedBuffer {
  explicit AlignedBuffer(std::size_t bytes) : size(bytes) {
    data = static_cast<char*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096));
    if (!data) throw std::bad_alloc();
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  char* data;
  std::size_t size;
};

// Sums the floats [lo, hi) blocks of 64 at p: eight vector accumulators, so that the sum is
// bound neither by the add latency nor, compiled for the CPU's widest loads, by the issue
// rate. Built for SSE2 alone (two 16-byte loads per vector) it read 24-33 GB/s where AVX2
// loads read 53-61 GB/s of the same memory on this VM: the weight-read curve had measured the
// instruction stream, and batch-1 layers, whose Eigen GEMVs read 45 GB/s, came out 20-47 %
// slow. Always inlined, so each caller below compiles it for its own ISA.
__attribute__((always_inline)) inline float sum_blocks(const float* p, std::size_t lo, std::size_t hi) {
  v8f acc[8] = {};
  for (std::size_t i = lo; i < hi; ++i)
    for (int k = 0; k < 8; ++k) acc[k] += *reinterpret_cast<const v8f_unaligned*>(p + 64 * i + 8 * k);
  const v8f total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  return total[0];
}
__attribute__((target("avx512f"))) float sum_avx512(const float* p, std::size_t lo, std::size_t hi) { return sum_blocks(p, lo, hi); }
__attribute__((target("avx2"))) float sum_avx2(const float* p, std::size_t lo, std::size_t hi) { return sum_blocks(p, lo, hi); }
float sum_baseline(const float* p, std::size_t lo, std::size_t hi) { return sum_blocks(p, lo, hi); }

// Reads `count` floats (a multiple of 64) from `p` on `threads` threads and returns their sum
// (so that the reads are not optimised away).
float read_floats(const float* p, std::size_t count, int threads) {
  static float (*const sum)(const float*, std::size_t, std::size_t) = __builtin_cpu_supports("avx512f") ? sum_avx512
                                                                      : __builtin_cpu_supports("avx2")  ? sum_avx2
                                                                                                        : sum_baseline;
  std::atomic<float> sink{0};
  parallel(threads, [&](int t) {
    const auto [lo, hi] = slice(count / 64, t, threads);
    const float s = sum(p, lo, hi);
    sink = sink + s;
  });
  return sink;
}

// Unpacks `values` weights (a multiple of 4096) of `element` from `packed` into `out`, with
// `scales` (fp16 bits) per block. Always inlined, so each caller below compiles it for its
// own ISA; the loops are written for the vectoriser (no interleaved stores).
__attribute__((always_inline)) inline void unpack_block(Element element, const std::uint8_t* packed, const std::uint16_t* scales,
                                                        float* out, std::size_t values) {
  if (element == Element::bf16) {
    const auto* bits = reinterpret_cast<const std::uint16_t*>(packed);
    for (std::size_t i = 0; i < values; ++i) out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(bits[i]) << 16);
  } else if (element == Element::int8) {  // one scale per 4096 values
    for (std::size_t b = 0; b < values / 4096; ++b) {
      const auto* q = reinterpret_cast<const std::int8_t*>(packed) + 4096 * b;
      float* o = out + 4096 * b;
      const float s = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(scales[b]));
      for (int i = 0; i < 4096; ++i) o[i] = static_cast<float>(q[i]) * s;
    }
  } else {  // int4, blocks of 128 values in 64 bytes
    for (std::size_t b = 0; b < values / 128; ++b) {
      const std::uint8_t* q = packed + 64 * b;
      float* o = out + 128 * b;
      const float s = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(scales[b]));
      for (int i = 0; i < 64; ++i) o[i] = static_cast<float>((q[i] & 15) - 8) * s;
      for (int i = 0; i < 64; ++i) o[64 + i] = static_cast<float>((q[i] >> 4) - 8) * s;
    }
  }
}
__attribute__((target("avx512f,avx512bw"))) void unpack_avx512(Element e, const std::uint8_t* p, const std::uint16_t* s, float* o, std::size_t n) {
  unpack_block(e, p, s, o, n);
}
__attribute__((target("avx2,fma"))) void unpack_avx2(Element e, const std::uint8_t* p, const std::uint16_t* s, float* o, std::size_t n) {
  unpack_block(e, p, s, o, n);
}
void unpack_baseline(Element e, const std::uint8_t* p, const std::uint16_t* s, float* o, std::size_t n) { unpack_block(e, p, s, o, n); }

}  // namespace

ColdArena::ColdArena(std::size_t bytes) : floats_(std::max<std::size_t>(bytes / sizeof(float), 32), 1.0f) {}

std::span<float> ColdArena::next(std::size_t bytes) {
  const std::size_t n = std::min(std::max<std::size_t>(bytes / sizeof(float), 1), floats_.size());
  if (at_ + n > floats_.size()) at_ = 0;
  const std::span<float> out(floats_.data() + at_, n);
  at_ += n;
  return out;
}

void keep_freed_memory() {
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit)
  ::mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

std::size_t cold_span_bytes() {
  constexpr double kMin = 256.0 * (1 << 20), kMax = 1024.0 * (1 << 20);
  return static_cast<std::size_t>(std::clamp(4.0 * static_cast<double>(last_level_cache_bytes()), kMin, kMax));
}

Rate fma_peak_fp32(int threads, const MeasureOptions& m) {
  const std::int64_t iterations = 2'000'000;
  const FmaKernel kernel = best_fma_kernel();
  std::atomic<float> sink{0};
  Rate r;
  r.measurement = measure([&] { parallel(threads, [&](int) { sink = sink + kernel.run(iterations); }); }, m);
  // A peak is what the best repetition reached.
  r.value = static_cast<double>(threads) * static_cast<double>(iterations) * kernel.flops_per_iteration / r.measurement.min_s;
  return r;
}

Rate copy_bandwidth(std::span<float> memory, int threads, const MeasureOptions& m) {
  const std::size_t n = memory.size() / 2;
  float *a = memory.data(), *b = a + n;
  Rate r;
  r.measurement = measure(
      [&] {
        parallel(threads, [&](int t) {
          const auto [lo, hi] = slice(n, t, threads);
          std::memcpy(a + lo, b + lo, (hi - lo) * sizeof(float));
        });
      },
      m);
  r.value = 2.0 * static_cast<double>(n * sizeof(float)) / r.measurement.min_s;  // best repetition, as STREAM reports
  return r;
}

Rate triad_bandwidth(std::span<float> memory, int threads, const MeasureOptions& m) {
  const std::size_t n = memory.size() / 3;
  float *a = memory.data(), *b = a + n, *c = b + n;
  Rate r;
  r.measurement = measure(
      [&] {
        parallel(threads, [&](int t) {
          const auto [lo, hi] = slice(n, t, threads);
          for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + 3.0f * c[i];
        });
      },
      m);
  r.value = 3.0 * static_cast<double>(n * sizeof(float)) / r.measurement.min_s;  // best repetition, as STREAM reports
  return r;
}

Rate cold_read_bandwidth(std::size_t bytes, ColdArena& arena, int threads, const MeasureOptions& m) {
  bytes = std::max<std::size_t>(bytes / 256 * 256, 256);
  std::atomic<float> sink{0};
  Rate r;
  r.measurement = measure(
      [&] {
        const std::span<float> chunk = arena.next(bytes);
        sink = sink + read_floats(chunk.data(), chunk.size(), threads);
      },
      m);
  r.value = static_cast<double>(bytes) / r.measurement.median_s;
  return r;
}

Rate dequantize_rate(Element element, ColdArena& arena, int threads, const MeasureOptions& m) {
  static void (*const unpack)(Element, const std::uint8_t*, const std::uint16_t*, float*, std::size_t) =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? unpack_avx512
      : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")       ? unpack_avx2
                                                                               : unpack_baseline;
  constexpr std::size_t kPanel = 16384;                 // values per panel: 64 KiB of fp32
  constexpr std::size_t kValues = std::size_t{1} << 23;  // per repetition: 8 Mi weights
  const double bits = element_bits(element);
  const std::size_t group = element == Element::int4 ? 128 : element == Element::int8 ? 4096 : kValues;  // values per scale
  const std::size_t packed_bytes = static_cast<std::size_t>(static_cast<double>(kValues) * bits / 8);
  const std::vector<std::uint16_t> scales(kValues / std::min(group, kValues) + 1, 0x3c00);  // fp16 1.0
  std::vector<std::vector<float>> panels(static_cast<std::size_t>(threads), std::vector<float>(kPanel));
  std::atomic<float> sink{0};
  Rate r;
  r.measurement = measure(
      [&] {
        const auto* packed = reinterpret_cast<const std::uint8_t*>(arena.next(packed_bytes).data());
        parallel(threads, [&](int t) {
          const auto [lo, hi] = slice(kValues / kPanel, t, threads);
          float* out = panels[static_cast<std::size_t>(t)].data();
          for (std::size_t p = lo; p < hi; ++p) {
            const std::size_t first = p * kPanel;
            unpack(element, packed + static_cast<std::size_t>(static_cast<double>(first) * bits / 8), scales.data() + first / group, out, kPanel);
          }
          sink = sink + out[kPanel - 1];
        });
      },
      m);
  r.value = static_cast<double>(packed_bytes) * (1 + 16.0 / (bits * static_cast<double>(group))) / r.measurement.median_s;  // scales too
  return r;
}

StorageRates storage_read(const std::string& dir, std::size_t file_bytes, int threads, const MeasureOptions& m,
                          const volatile bool* cancel) {
  StorageRates out;
  const std::string path = (std::filesystem::path(dir) / ("moesim-calibrate-" + std::to_string(::getpid()) + ".bin")).string();
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};
  constexpr std::size_t kBlock = 4 << 20, kPage = 4096;
  file_bytes = std::max<std::size_t>(file_bytes / kBlock, 1) * kBlock;
  {
    AlignedBuffer block(kBlock);
    std::memset(block.data, 0x5a, kBlock);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
    for (std::size_t written = 0; written < file_bytes && !(cancel && *cancel); written += kBlock)
      if (::write(fd, block.data, kBlock) != static_cast<ssize_t>(kBlock)) {
        ::close(fd);
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
      }
    ::fsync(fd);
    ::close(fd);
  }
  if (cancel && *cancel) return out;
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT);
  out.direct = fd >= 0;
  if (fd < 0) {
    fd = ::open(path.c_str(), O_RDONLY);
    out.note = "O_DIRECT refused by the file system: the page cache is dropped with posix_fadvise instead";
  }
  if (fd < 0) throw std::runtime_error("cannot read " + path);
  auto drop_cache = [&] {
    if (!out.direct) ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  };
  AlignedBuffer buffer(kBlock);
  MeasureOptions few = m;
  few.min_repetitions = 3;
  few.warmup = 1;
  out.sequential.measurement = measure(
      [&] {
        drop_cache();
        for (std::size_t at = 0; at < file_bytes && !(cancel && *cancel); at += kBlock)
          if (::pread(fd, buffer.data, kBlock, static_cast<off_t>(at)) <= 0) break;
      },
      few);
  out.sequential.value = static_cast<double>(file_bytes) / out.sequential.measurement.median_s;
  const std::size_t reads_per_thread = 2048;
  out.random.measurement = measure(
      [&] {
        drop_cache();
        parallel(threads * 4, [&](int t) {  // queue depth: several readers per core
          AlignedBuffer page(kPage);
          std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
          std::uniform_int_distribution<std::size_t> pick(0, file_bytes / kPage - 1);
          for (std::size_t i = 0; i < reads_per_thread && !(cancel && *cancel); ++i)
            if (::pread(fd, page.data, kPage, static_cast<off_t>(pick(rng) * kPage)) <= 0) break;
        });
      },
      few);
  out.random.value = static_cast<double>(threads * 4) * reads_per_thread * kPage / out.random.measurement.median_s;
  ::close(fd);
  return out;
}

Measurement fork_join(int threads, const MeasureOptions& m) {
  // An empty OpenMP parallel region: the per-operator cost the real layers pay (libgomp keeps
  // its pool; waking and joining it is what is measured).
  std::atomic<int> sink{0};
  return measure(
      [&] {
#pragma omp parallel num_threads(threads)
        sink.fetch_add(1, std::memory_order_relaxed);
      },
      m);
}

std::size_t last_level_cache_bytes() {
  // sysfs first: on AMD VMs glibc's sysconf reports the whole package's L3 (256 MiB on an
  // EPYC whose cores share 32 MiB), which is not what one core's data can stay in.
  std::size_t best_level = 0, bytes = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
    std::size_t level = 0;
    std::string type, size;
    if (!(level_file >> level) || !(type_file >> type) || !(size_file >> size) || type == "Instruction") continue;
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), value);
    if (ec != std::errc()) continue;
    const char unit = end < size.data() + size.size() ? *end : ' ';
    value *= unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1;
    if (level > best_level) best_level = level, bytes = value;
  }
  if (bytes > 0) return bytes;
  const long l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE);
  const long l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
  return static_cast<std::size_t>(l3 > 0 ? l3 : (l2 > 0 ? l2 : 0));
}

extern const char kKernelIsa[];  // eigen_kernels.cpp

std::string kernel_isa() {
  const std::string isa = kKernelIsa;
  return isa.empty() ? "the compiler's baseline" : isa.substr(1);
}

std::string kernel_isa_missing() {
  std::string missing;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports takes a literal: one entry per feature eigen_kernels.cpp can name.
  const struct {
    const char* name;
    bool here;
  } features[] = {{"avx512f", __builtin_cpu_supports("avx512f") != 0}, {"avx512bw", __builtin_cpu_supports("avx512bw") != 0},
                  {"avx512vl", __builtin_cpu_supports("avx512vl") != 0}, {"avx2", __builtin_cpu_supports("avx2") != 0},
                  {"fma", __builtin_cpu_supports("fma") != 0},           {"avx", __builtin_cpu_supports("avx") != 0},
                  {"f16c", __builtin_cpu_supports("f16c") != 0},         {"sse4.2", __builtin_cpu_supports("sse4.2") != 0}};
  const std::string isa = std::string(kKernelIsa) + " ";
  for (const auto& f : features)
    if (!f.here && isa.find(" " + std::string(f.name) + " ") != std::string::npos) missing += (missing.empty() ? "" : " ") + std::string(f.name);
#endif
  return missing;
}

std::size_t cold_copies(double bytes, std::size_t max_copies) {
  const auto span = static_cast<double>(cold_span_bytes());
  if (bytes <= 0) return 1;
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(span / bytes)), 1, max_copies);
}

}  // namespace moesim::calib
