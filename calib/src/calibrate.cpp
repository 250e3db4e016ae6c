#include "moesim/calib/calibrate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "moesim/calib/cpu_kernels.h"
#include "moesim/calib/moe_layer.h"
#include "record.h"

namespace moesim::calib {
namespace {

using Json = nlohmann::json;

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

const char* threading(const GemmRate& r) { return r.column_split ? "column_split" : "eigen"; }

// Each point of a curve measured in two sweeps over all the points, the faster kept. This
// VM stalls now and then for a whole point: one calibration read 256 KB and 1 MB at 1.5 GB/s
// over all 50 repetitions of each, 35x below their neighbours, another 4 MB at 1.2 GB/s, and
// the GEMV point ran at 11.3 GFLOP/s in one run and 20.6 in the next; no median sees past a
// stall that covers every repetition, and the curve's monotone repair then carried the slow
// point's neighbour over it (batch-1 layers predicted up to 97 % slow). A stall is a moment,
// not a size: the second sweep, later, rarely meets it again at the same point.
template <class R, class Measure>
std::vector<R> faster_of_two_sweeps(std::size_t points, Measure measure_point) {
  std::vector<R> best;
  for (std::size_t i = 0; i < points; ++i) best.push_back(measure_point(i));
  for (std::size_t i = 0; i < points; ++i) {
    R again = measure_point(i);
    if (again.value > best[i].value) best[i] = again;
  }
  return best;
}

// True when the kernel says hyperthreads share cores (then n threads need not run n times one
// thread's FMA rate on an idle machine).
bool smt_active() {
  std::ifstream in("/sys/devices/system/cpu/smt/active");
  int active = 0;
  return in >> active && active == 1;
}

// Other work on the machine, as the FMA chains see it: threads that do not add up to their
// count times one thread's rate (cores not shared), or a peak that moved while calibrating.
// One calibration here ran with half the machine taken (237 GFLOP/s on two threads, 221 on
// one) and predicted the validation layers 78 % slow; nothing else in it looked wrong.
void warn_if_busy(const Rate& start, const Rate& one_thread, const Rate& end, int threads, Calibration& c) {
  const double scaling = start.value / (threads * one_thread.value);
  if (threads > 1 && !smt_active() && scaling < 0.85)
    c.warnings.push_back("the machine was busy: " + std::to_string(threads) + " threads of FMA chains ran " + std::to_string(scaling) +
                         " of " + std::to_string(threads) + " x one thread's rate; the profile describes what was left. Rerun on an idle machine");
  const double drift = end.value / start.value;
  if (drift < 0.85 || drift > 1 / 0.85)
    c.warnings.push_back("the FMA peak moved from " + std::to_string(start.value / 1e9) + " to " + std::to_string(end.value / 1e9) +
                         " GFLOP/s while calibrating (other load, or frequency changes): rerun on an idle machine");
}

}  // namespace

nlohmann::json to_json(const Measurement& m) {
  return {{"median_s", m.median_s}, {"min_s", m.min_s}, {"p10_s", m.p10_s}, {"p90_s", m.p90_s},
          {"repetitions", m.repetitions}, {"noisy", m.noisy}};
}

std::string host_name() {
  char buffer[256] = {};
  ::gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", std::gmtime(&now));
  return buffer;
}

// Measured fractions made physical: never falling with size (a larger kernel is not less
// efficient here), and never rising faster than the size (time = size / fraction must not
// fall: a larger read or GEMM is never quicker; the profile reader refuses a curve that does).
void non_decreasing(EfficiencyCurve& curve) {
  for (std::size_t i = 1; i < curve.size; ++i) {
    const EfficiencyCurve::Point& last = curve.point[i - 1];
    double& f = curve.point[i].fraction;
    f = std::min(std::max(f, last.fraction), last.fraction * curve.point[i].x / last.x);
  }
}

CalibrationSteps::CalibrationSteps(const CalibrationOptions& options, Calibration& out, int steps)
    : options_(options), out_(out), steps_(steps) {
  measure_.budget_s = options.quick ? 0.15 : 0.6;
  measure_.max_repetitions = options.quick ? 50 : 200;
}

bool CalibrationSteps::next(const std::string& what) {
  if (options_.progress) options_.progress(what, done_++ / steps_);
  return options_.cancel && *options_.cancel;
}

void CalibrationSteps::note_noise(const std::string& what, const Measurement& r) {
  if (r.noisy)
    out_.warnings.push_back(what + " stayed noisy after re-measuring (p10-p90 spread " + std::to_string(r.dispersion() * 100) +
                            "% of the median)");
}

bool storage_step(const CalibrationOptions& o, int threads, CalibrationSteps& steps, Calibration& c) {
  if (o.storage_dir.empty()) {
    c.warnings.push_back("no --storage-dir: storage read bandwidth not measured (offloading to storage cannot be modelled)");
    return true;
  }
  if (steps.next("storage reads")) return false;
  const StorageRates s = storage_read(o.storage_dir, o.quick ? (256u << 20) : (1024u << 20), threads, steps.measure(), o.cancel);
  if (o.cancel && *o.cancel) return false;
  c.profile.storage_sequential_read_bytes_per_s = s.sequential.value;
  c.profile.storage_random_read_bytes_per_s = s.random.value;
  if (!s.note.empty()) c.warnings.push_back(s.note);
  c.raw["storage"] = {{"dir", o.storage_dir}, {"direct_io", s.direct}, {"sequential_bytes_per_s", s.sequential.value},
                      {"random_4k_bytes_per_s", s.random.value}};
  return true;
}

Calibration calibrate(const CalibrationOptions& o) {
  keep_freed_memory();
  Calibration c;
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool storage = !o.storage_dir.empty();
  CalibrationSteps steps(o, c, 8 + (storage ? 1 : 0));
  const MeasureOptions& m = steps.measure();
  Hardware& hw = c.profile;
  hw.kind = "cpu";
  hw.name = "calibrated: " + cpu_model() + " (" + std::to_string(threads) + " threads, " + host_name() + ")";

  // 1. arithmetic peak
  if (steps.next("FMA peak")) return c.cancelled = true, c;
  const Rate peak = fma_peak_fp32(threads, m), peak_one = fma_peak_fp32(1, m);
  steps.note_noise("FMA peak", peak.measurement);
  hw.peak_flop_per_s[static_cast<std::size_t>(ComputeFormat::fp32)] = peak.value;
  c.raw["fma_fp32"] = {{"all_threads_flop_per_s", peak.value}, {"one_thread_flop_per_s", peak_one.value},
                       {"threads", threads}, {"measurement", to_json(peak.measurement)}};

  // Every cold operand below is a slice of this one allocation.
  ColdArena arena(cold_span_bytes());

  // 2. GEMM efficiency by token count (at the width the model's layers have) and by width
  if (steps.next("GEMM grid")) return c.cancelled = true, c;
  // The width of the layers the batch-1 rows stand for, quick or not: a GEMV's rate grows with
  // the stream each thread reads (at 1024 the quick profile's M = 1 point ran at 12.7-14.7
  // GFLOP/s where the layers' expert GEMVs ran at 18.5, and batch-1 layers came out 16-59 %
  // slow in three of four pairs).
  const std::int64_t width = kGemmGridWidth;
  // Quick keeps M = 2 and 8: from 4 to 16 the rate rises four-fold here (30 to 117 GFLOP/s),
  // and the curve between them put M = 8 at 80 GFLOP/s where it runs at 57-61, so the T=32
  // E=8 layers (8 tokens per expert) came out 19 % fast. And M = 32, where the skewed T=32
  // rows run two experts of 32 tokens: between 16 and 64 the curve put it at 170 GFLOP/s where
  // it ran at 152-156.
  std::vector<std::int64_t> tokens = o.quick ? std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 256, 1024}
                                             : std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  Json gemm = Json::array();
  const std::vector<GemmRate> by_tokens =
      faster_of_two_sweeps<GemmRate>(tokens.size(), [&](std::size_t i) { return gemm_fp32(tokens[i], width, width, threads, m, arena); });
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::int64_t t = tokens[i];
    const GemmRate& r = by_tokens[i];
    steps.note_noise("GEMM M=" + std::to_string(t), r.measurement);
    hw.gemm_by_tokens.add(static_cast<double>(t), std::min(1.0, r.value / peak.value));
    gemm.push_back({{"m", t}, {"n", width}, {"k", width}, {"flop_per_s", r.value}, {"threading", threading(r)}, {"measurement", to_json(r.measurement)}});
  }
  non_decreasing(hw.gemm_by_tokens);
  const std::int64_t m_for_width = kGemmReferenceTokens;
  // up to the reference width, the last
  const std::vector<std::int64_t> widths = o.quick ? std::vector<std::int64_t>{64, 256, width}
                                                   : std::vector<std::int64_t>{64, 128, 256, 512, 1024, width};
  const std::vector<GemmRate> by_width =
      faster_of_two_sweeps<GemmRate>(widths.size(), [&](std::size_t i) { return gemm_fp32(m_for_width, widths[i], width, threads, m, arena); });
  // Widths relative to the rate the token curve holds for the same shape (its M = 256 point),
  // as the model multiplies the two: a reference measured again, 15 % slow in one run, made
  // every width "as fast as the reference" and every layer 8-28 % fast.
  const std::size_t at_256 = static_cast<std::size_t>(std::find(tokens.begin(), tokens.end(), m_for_width) - tokens.begin());
  const double reference = at_256 < tokens.size() ? by_tokens[at_256].value : by_width.back().value;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::int64_t w = widths[i];
    const GemmRate& r = by_width[i];
    hw.gemm_by_width.add(static_cast<double>(w), std::min(1.0, r.value / reference));
    gemm.push_back({{"m", m_for_width}, {"n", w}, {"k", width}, {"flop_per_s", r.value}, {"threading", threading(r)}, {"measurement", to_json(r.measurement)}});
  }
  non_decreasing(hw.gemm_by_width);
  c.raw["gemm_fp32"] = gemm;
  c.raw["eigen_kernel_isa"] = kernel_isa();  // what the GEMM grid was compiled for (MOESIM_NATIVE_KERNELS)

  // 3. decode attention by the query heads sharing one cached K/V. Its kernel (per sequence and
  // KV head, L x d by d x g, a softmax, g x L by L x d) is none of the grid's shapes: costed as
  // the grid's GEMM of g rows it came out 30-50 % slow against validate's steps on this VM.
  // The shape: 2048 cached tokens of width 128, 8 KV heads, enough sequences for 4 groups per
  // thread; K and V cold in each repetition. validate's steps have other B, L and d.
  if (steps.next("decode attention")) return c.cancelled = true, c;
  const std::vector<std::int64_t> groups = o.quick ? std::vector<std::int64_t>{1, 4, 16} : std::vector<std::int64_t>{1, 2, 4, 8, 16, 32};
  const std::int64_t kv_heads = 8, sequences = std::max<std::int64_t>(1, (4 * threads + kv_heads - 1) / kv_heads);
  auto attention_shape = [&](std::int64_t g) { return AttentionShape{sequences, 2048, g * kv_heads, kv_heads, 128}; };
  const std::vector<Rate> by_group = faster_of_two_sweeps<Rate>(groups.size(), [&](std::size_t i) {
    const AttentionShape s = attention_shape(groups[i]);
    Rate r;
    r.measurement = time_decode_attention_cold(s, arena, threads, m);
    // 2 FLOPs per multiply-add in K q^T and in p^T V (Hoffmann et al. 2022 App. F)
    r.value = 4.0 * static_cast<double>(s.batch * s.heads * s.context * s.head_dim) / r.measurement.median_s;
    return r;
  });
  Json attention = Json::array();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const AttentionShape s = attention_shape(groups[i]);
    steps.note_noise("decode attention g=" + std::to_string(groups[i]), by_group[i].measurement);
    hw.decode_attention_by_group.add(static_cast<double>(groups[i]), std::min(1.0, by_group[i].value / peak.value));
    attention.push_back({{"group", groups[i]}, {"sequences", s.batch}, {"kv_heads", s.kv_heads}, {"context", s.context}, {"head_dim", s.head_dim},
                         {"flop_per_s", by_group[i].value}, {"measurement", to_json(by_group[i].measurement)}});
  }
  non_decreasing(hw.decode_attention_by_group);
  c.raw["decode_attention"] = attention;

  // 4. memory bandwidth past the last-level cache, and per cache level
  if (steps.next("memory bandwidth")) return c.cancelled = true, c;
  const double llc = static_cast<double>(last_level_cache_bytes());
  const Rate triad = triad_bandwidth(arena.all(), threads, m), copy = copy_bandwidth(arena.all(), threads, m);
  steps.note_noise("triad", triad.measurement);
  hw.memory_bandwidth_bytes_per_s = std::max(triad.value, copy.value);
  Json levels = Json::array();
  for (double bytes : {16e3, 256e3, 4e6}) {
    std::vector<float> in_cache(static_cast<std::size_t>(3 * bytes / sizeof(float)), 1.0f);
    const Rate r = triad_bandwidth(in_cache, threads, m);
    levels.push_back({{"array_bytes", bytes}, {"triad_bytes_per_s", r.value}});
  }
  c.raw["memory"] = {{"array_bytes", arena.all().size_bytes() / 3}, {"triad_bytes_per_s", triad.value}, {"copy_bytes_per_s", copy.value}, {"cache_levels", levels},
                     {"last_level_cache_bytes", llc}};
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  hw.memory_bytes = static_cast<double>(pages) * static_cast<double>(page);
  hw.cache_bytes = llc;

  // 5. efficiency of one cold read by its size (weights streamed by one operator)
  if (steps.next("transfer sizes")) return c.cancelled = true, c;
  Json cold = Json::array();
  std::vector<std::pair<double, double>> reads;
  const std::vector<double> sizes = {16e3, 64e3, 256e3, 1e6, 4e6, 16e6, 64e6, 256e6};
  const std::vector<Rate> by_size = faster_of_two_sweeps<Rate>(
      sizes.size(), [&](std::size_t i) { return cold_read_bandwidth(static_cast<std::size_t>(sizes[i]), arena, threads, m); });
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const Rate& r = by_size[i];
    reads.emplace_back(sizes[i], r.value);
    cold.push_back({{"bytes", sizes[i]}, {"bytes_per_s", r.value}, {"measurement", to_json(r.measurement)}});
  }
  // The profile's bandwidth is the best sustained rate seen (STREAM or a large read); each
  // size's efficiency is relative to it.
  for (const auto& [bytes, rate] : reads) hw.memory_bandwidth_bytes_per_s = std::max(hw.memory_bandwidth_bytes_per_s, rate);
  for (const auto& [bytes, rate] : reads) hw.memory_by_bytes.add(bytes, std::min(1.0, rate / hw.memory_bandwidth_bytes_per_s));
  non_decreasing(hw.memory_by_bytes);
  c.raw["cold_reads"] = cold;

  // 6. unpacking weight-only quantised weights, for the model's dequantisation cost
  if (steps.next("unpacking")) return c.cancelled = true, c;
  Json unpacking = Json::object();
  for (const Element e : {Element::int8, Element::int4, Element::bf16}) {
    const Rate r = dequantize_rate(e, arena, threads, m);
    steps.note_noise(std::string("unpacking ") + std::string(to_string(e)), r.measurement);
    hw.dequantize_bytes_per_s[static_cast<std::size_t>(e)] = r.value;
    unpacking[std::string(to_string(e))] = {{"packed_bytes_per_s", r.value}, {"measurement", to_json(r.measurement)}};
  }
  c.raw["dequantization"] = unpacking;

  // 7. the fixed cost of one parallel operator
  if (steps.next("fork/join")) return c.cancelled = true, c;
  const Measurement fj = fork_join(threads, m);
  hw.kernel_overhead_s = fj.median_s;
  c.raw["fork_join"] = to_json(fj);
  const Rate peak_at_end = fma_peak_fp32(threads, m);
  c.raw["fma_fp32"]["all_threads_flop_per_s_at_end"] = peak_at_end.value;
  warn_if_busy(peak, peak_one, peak_at_end, threads, c);
  // The GEMM grid's reference point again, the one `validate` measures: the FMA chains stay in
  // registers, and this VM's slow phases (GEMMs 10-14 % below the profile through a whole
  // validation) left them untouched.
  const GemmRate reference_at_end = gemm_fp32(m_for_width, width, width, threads, m, arena);
  c.raw["gemm_fp32_reference_at_end"] = {{"m", m_for_width}, {"flop_per_s", reference_at_end.value}, {"measurement", to_json(reference_at_end.measurement)}};
  if (const double drift = reference_at_end.value / reference; drift < 0.9 || drift > 1 / 0.9)
    c.warnings.push_back("the GEMM grid's M=" + std::to_string(m_for_width) + " point ran at " + std::to_string(reference / 1e9) +
                         " GFLOP/s in the grid and " + std::to_string(reference_at_end.value / 1e9) +
                         " at the end: the machine's speed changed while it was measured, and the profile mixes the two. Rerun on an idle machine");

  // 8. storage, for the offloading model
  if (!storage_step(o, threads, steps, c)) return c.cancelled = true, c;
  // The CPU reads "host" memory as its own memory.
  hw.host_memory_bytes = hw.memory_bytes;
  hw.host_link = {hw.memory_bandwidth_bytes_per_s, fj.median_s};
  hw.provenance.method = "calibration";
  hw.provenance.source = std::string("moesim calibrate") + (o.quick ? " --quick" : "") + " on " + host_name();
  hw.provenance.date = today();
  hw.provenance.host = host_name();
  steps.next("done");
  return c;
}

}  // namespace moesim::calib
