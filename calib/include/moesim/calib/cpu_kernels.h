#pragma once
// CPU microkernels. Each returns a rate (FLOP/s or bytes/s) with its measurement.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "moesim/calib/measure.h"
#include "moesim/model/number_format.h"

namespace moesim::calib {

struct Rate {
  double value = 0;  // FLOP/s or bytes/s
  Measurement measurement;
};

// Memory that is out of the last-level cache each time a measurement comes back to it:
// the cold operands (weights, streamed arrays) are slices of it, taken in turn. Allocated and
// touched once per calibration: a page fault costs ~4 ns per byte on this VM (1 GiB takes
// 4 s to fault in), which had made `calibrate --quick` spend 2 of its 2.2 minutes, and 6 GB,
// allocating a fresh array for every size measured.
class ColdArena {
 public:
  explicit ColdArena(std::size_t bytes);
  // The next `bytes` after the slice handed out last, wrapping to the start: a slice is used
  // again only after the rest of the arena has been read.
  std::span<float> next(std::size_t bytes);
  std::span<float> all() { return floats_; }

 private:
  std::vector<float> floats_;
  std::size_t at_ = 0;
};

// The span that cold data cycles through: four times the last-level cache, at least 256 MiB,
// at most 1 GiB. The cap: with no sysfs cache entries (this VM) glibc reports the package's
// L3 (508 MiB here, where a core complex shares 32 MiB), and reads spread over 2 GiB ran at
// 16-26 GB/s at 1-4 MB where the same reads over 256 MiB, the GEMM grid's weights and the
// real layers ran at 32-44 GB/s: beyond the TLB's reach, page walks miss too.
std::size_t cold_span_bytes();

// Tells glibc to keep freed memory for reuse (no trimming; blocks up to 32 MiB from the heap,
// not mmap) for the rest of the process: measured work that allocates as it goes (Eigen's
// packing buffers, the validation layers and their copies) then faults its pages in once, not
// at every use. Freed and re-faulted, one `validate --quick` took 80-83 s instead of 22 here,
// where page faults run at ~250 MB/s, and its T=4096 layer 973 ms instead of 780.
void keep_freed_memory();

// The vector features the Eigen kernels (the GEMM grid, the validation layers) were compiled
// for, space-separated: with MOESIM_NATIVE_KERNELS (the default) the build machine's
// (-march=native, as llama.cpp's GGML_NATIVE builds its kernels), so that they measure what this
// CPU's vector units do; built without it, Eigen used SSE2 on x86-64 and the GEMM grid reached
// 13 % of the FMA peak where AVX-512 reaches 58 % (docs/calibration.md).
std::string kernel_isa();
// Those of kernel_isa()'s features this CPU lacks, space-separated ("" when none): the Eigen
// kernels must not run then (a binary built on another machine).
std::string kernel_isa_missing();

// Peak fp32 FMA throughput: 16 independent vector accumulators per thread, so that FMA
// latency is hidden (two FMA units x 4-5 cycles on current x86 cores), one clone per ISA.
Rate fma_peak_fp32(int threads, const MeasureOptions& m);

// An Eigen fp32 GEMM (M x K) * (K x N), the K x N operand (the weights) cold in each
// repetition: the faster of Eigen's OpenMP threading and a split of the N columns over the
// threads (one single-threaded GEMM each; `column_split` says which won).
struct GemmRate : Rate {
  bool column_split = false;
};
GemmRate gemm_fp32(std::int64_t m, std::int64_t n, std::int64_t k, int threads, const MeasureOptions& o, ColdArena& weights);
// The calibration's GEMM grid: its weights are kGemmGridWidth x kGemmGridWidth, and its point
// at kGemmReferenceTokens is the reference that gemm_by_width is relative to, that `calibrate`
// measures again at its end and `validate` before and after its rows.
inline constexpr std::int64_t kGemmGridWidth = 2048, kGemmReferenceTokens = 256;

// STREAM-style (McCalpin 1995) bandwidth over `memory` split into equal arrays: copy (a = b)
// counts 2 x an array, triad (a = b + s*c) 3 x.
Rate copy_bandwidth(std::span<float> memory, int threads, const MeasureOptions& m);
Rate triad_bandwidth(std::span<float> memory, int threads, const MeasureOptions& m);

// Reading `bytes` once from memory not in cache (the arena's next slice each time): what a
// weight read of that size achieves, for the efficiency-by-size table.
Rate cold_read_bandwidth(std::size_t bytes, ColdArena& arena, int threads, const MeasureOptions& m);

// Weight-only quantised weights unpacked to fp32, as a CPU engine does before each multiply:
// panels of 16K values into a buffer that stays in the core's cache, from packed weights that
// are cold (the arena's next slice each time). The value is bytes of packed weights per
// second: int8 (one scale per 4096 values, a channel's), int4 in blocks of 128 with an fp16
// scale each (int4-g128; low nibbles are the block's first 64 values, high the next 64, as
// llama.cpp's Q4_0 orders them), bf16 (widened by a shift). `element` is one of those three.
Rate dequantize_rate(Element element, ColdArena& arena, int threads, const MeasureOptions& m);

// Sequential (4 MiB blocks) and random (4 KiB, `threads` readers) reads of a file of
// `file_bytes` written in `dir`, bypassing the page cache with O_DIRECT where the file system
// allows it (else posix_fadvise DONTNEED; `direct` says which). The file is removed.
struct StorageRates {
  Rate sequential, random;
  bool direct = false;
  std::string note;
};
StorageRates storage_read(const std::string& dir, std::size_t file_bytes, int threads, const MeasureOptions& m,
                          const volatile bool* cancel);

// The last-level cache (L3, else L2) as the OS reports it; 0 when unknown.
std::size_t last_level_cache_bytes();

// How many copies of a working set of `bytes` to cycle through so that each use finds it
// out of the last-level cache, as a layer's weights and KV cache are in a model whose other
// layers ran in between: enough copies to span cold_span_bytes(), at most `max_copies`.
std::size_t cold_copies(double bytes, std::size_t max_copies);

// Cost of waking `threads` workers and joining them (an empty parallel region).
Measurement fork_join(int threads, const MeasureOptions& m);

}  // namespace moesim::calib
