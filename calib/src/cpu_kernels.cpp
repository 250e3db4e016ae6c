#include "moesim/calib/cpu_kernels.h"

#include <fcntl.h>
#include <unistd.h>

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>
#include <vector>

namespace moesim::calib {
namespace {

// Runs body(thread_index) on `threads` threads (the caller is thread 0) and joins them.
template <class F>
void parallel(int threads, F&& body) {
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { body(t); });
  body(0);
  for (auto& t : pool) t.join();
}

// The part [lo, hi) of n items that thread t of `threads` handles.
std::pair<std::size_t, std::size_t> slice(std::size_t n, int t, int threads) {
  const auto T = static_cast<std::size_t>(threads), i = static_cast<std::size_t>(t);
  return {n * i / T, n * (i + 1) / T};
}

typedef float v8f __attribute__((vector_size(32)));

// One clone per instruction set, picked at run time (GCC target_clones): the same binary
// measures AVX-512, AVX2+FMA and baseline machines.
__attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default"))) float fma_loop(std::int64_t iterations) {
  v8f acc[16];
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) acc[i][j] = 1.0f + 0.001f * static_cast<float>(i + j);
  const v8f a = {0.999999f, 0.999999f, 0.999999f, 0.999999f, 0.999999f, 0.999999f, 0.999999f, 0.999999f};
  const v8f b = {1e-7f, 1e-7f, 1e-7f, 1e-7f, 1e-7f, 1e-7f, 1e-7f, 1e-7f};
  for (std::int64_t n = 0; n < iterations; ++n)
    for (int i = 0; i < 16; ++i) acc[i] = acc[i] * a + b;  // contracted to FMA
  float sum = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) sum += acc[i][j];
  return sum;
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

}  // namespace

Rate fma_peak_fp32(int threads, const MeasureOptions& m) {
  const std::int64_t iterations = 2'000'000;
  std::atomic<float> sink{0};
  Rate r;
  r.measurement = measure([&] { parallel(threads, [&](int) { sink = sink + fma_loop(iterations); }); }, m);
  // 16 accumulators x 8 lanes x 2 FLOP per FMA. A peak is what the best repetition reached.
  r.value = static_cast<double>(threads) * static_cast<double>(iterations) * 16 * 8 * 2 / r.measurement.min_s;
  return r;
}

Rate gemm_fp32(std::int64_t m, std::int64_t n, std::int64_t k, int threads, const MeasureOptions& o) {
  Eigen::setNbThreads(threads);
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n), c(m, n);
  Rate r;
  r.measurement = measure([&] { c.noalias() = a * b; }, o);
  r.value = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / r.measurement.median_s;
  return r;
}

Rate copy_bandwidth(std::size_t bytes, int threads, const MeasureOptions& m) {
  const std::size_t n = bytes / sizeof(float);
  std::vector<float> a(n, 1.0f), b(n, 2.0f);
  Rate r;
  r.measurement = measure(
      [&] {
        parallel(threads, [&](int t) {
          const auto [lo, hi] = slice(n, t, threads);
          std::memcpy(a.data() + lo, b.data() + lo, (hi - lo) * sizeof(float));
        });
      },
      m);
  r.value = 2.0 * static_cast<double>(n * sizeof(float)) / r.measurement.min_s;  // best repetition, as STREAM reports
  return r;
}

Rate triad_bandwidth(std::size_t bytes, int threads, const MeasureOptions& m) {
  const std::size_t n = bytes / sizeof(float);
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
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

Rate cold_read_bandwidth(std::size_t bytes, std::size_t arena_bytes, int threads, const MeasureOptions& m) {
  bytes = std::max<std::size_t>(bytes / 64 * 64, 64);
  arena_bytes = std::max(arena_bytes, 2 * bytes);
  const std::size_t n = arena_bytes / sizeof(float), chunk = bytes / sizeof(float);
  std::vector<float> arena(n, 1.0f);
  std::size_t offset = 0;
  std::atomic<float> sink{0};
  Rate r;
  r.measurement = measure(
      [&] {
        // Each repetition reads a part of the arena not touched for a whole arena's worth of reads.
        const std::size_t base = offset;
        offset = (offset + chunk) % (n - chunk);
        parallel(threads, [&](int t) {
          const auto [lo, hi] = slice(chunk, t, threads);
          float s = 0;
          for (std::size_t i = base + lo; i < base + hi; ++i) s += arena[i];
          sink = sink + s;
        });
      },
      m);
  r.value = static_cast<double>(bytes) / r.measurement.median_s;
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
  // A pool already started, released and joined at a barrier: the per-operator cost of a
  // parallel region (OpenMP-style), not the cost of creating threads.
  std::barrier start(threads), done(threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back([&] {
      for (;;) {
        start.arrive_and_wait();
        if (stop) return;
        done.arrive_and_wait();
      }
    });
  const Measurement r = measure(
      [&] {
        start.arrive_and_wait();
        done.arrive_and_wait();
      },
      m);
  stop = true;
  start.arrive_and_wait();
  for (auto& t : pool) t.join();
  return r;
}

}  // namespace moesim::calib
