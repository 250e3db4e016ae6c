#include <algorithm>
#include <cmath>
#include <sstream>
#include <thread>

#include "moesim/calib/cpu_kernels.h"
#include "moesim/model/latency.h"
#include "validation.h"
#include "moesim/model/quantile.h"

namespace moesim::calib {
namespace {

// The measured layer as moesim describes it: one layer, every tensor in `format`.
Architecture one_layer(std::int64_t hidden, std::int64_t heads, std::int64_t kv_heads, std::int64_t head_dim,
                       const NumberFormat& format) {
  Architecture a;
  a.name = "validation";
  a.hidden_size = hidden;
  a.vocab_size = 1;
  a.attention.heads = heads;
  a.attention.kv_heads = kv_heads;
  a.attention.head_dim = head_dim;
  Precision& p = a.precision;
  p.attention = p.dense_ffn = p.experts = p.shared_experts = p.router = p.embedding = p.lm_head = p.norms = format;
  p.kv_cache = p.activations = format;
  return a;
}

double predict_moe(const Hardware& hw, const MoeLayerShape& s, const std::vector<double>& histogram, const NumberFormat& format) {
  Architecture a = one_layer(s.hidden, s.hidden / 64, s.hidden / 64, 64, format);
  a.moe.experts = s.experts;
  a.moe.top_k = s.top_k;
  a.moe.expert.width = s.expert_width;
  a.layers = {LayerConfig{LayerFfn::moe, AttentionSpan::full}};
  Workload w;
  w.phase = Phase::prefill;
  w.context = s.tokens;
  // Skewed runs pass the routing the real layer produced (sorted shares), uniform ones none.
  Deployment d;
  if (s.zipf > 0) d.routing.histogram = histogram;
  const LatencyEstimate l = estimate_latency(a, w, hw, d, {true, false, false});
  return l.prefill[Op::router].time_s + l.prefill[Op::dispatch].time_s + l.prefill[Op::routed_experts].time_s +
         l.prefill[Op::combine].time_s;
}

double predict_attention(const Hardware& hw, const AttentionShape& s, const NumberFormat& format) {
  Architecture a = one_layer(s.heads * s.head_dim, s.heads, s.kv_heads, s.head_dim, format);
  a.dense_ffn.width = 1;
  a.layers = {LayerConfig{LayerFfn::dense, AttentionSpan::full}};
  Workload w;
  w.phase = Phase::decode;
  w.batch = s.batch;
  w.context = s.context;
  // the validation's attention kernels are launched one by one, not replayed from a graph
  Hardware eager = hw;
  eager.graph_kernel_overhead_s = 0;
  return estimate_latency(a, w, eager, Deployment{}, {false, true, false}).decode[Op::attention].time_s;
}

}  // namespace

Validation run_validation(const Hardware& hw, const ValidationOptions& o, const NumberFormat& format, const LayerTimers& timers) {
  MeasureOptions m;
  m.budget_s = o.quick ? 0.1 : 0.4;
  m.min_repetitions = o.quick ? 3 : 5;
  std::vector<MoeLayerShape> moe;
  const std::vector<std::int64_t> tokens = o.quick ? std::vector<std::int64_t>{1, 32, 512} : std::vector<std::int64_t>{1, 16, 256, 4096};
  for (auto t : tokens) {
    for (double zipf : {0.0, 1.2}) {
      moe.push_back({t, 1024, 8, 2, 1024, zipf});
      moe.push_back({t, 512, 32, 4, 256, zipf});
    }
    moe.push_back({t, 1024, 64, 8, 512, 0});
  }
  const std::vector<AttentionShape> attention = {
      {1, 1024, 16, 4, 64}, {8, 2048, 16, 4, 64}, {32, 512, 32, 8, 128}, {1, 8192, 32, 8, 128}};
  Validation v;
  const double total = static_cast<double>(moe.size() + attention.size());
  for (const MoeLayerShape& s : moe) {
    if (o.cancel && *o.cancel) return v;
    std::ostringstream name;
    name << "T=" << s.tokens << " h=" << s.hidden << " E=" << s.experts << " K=" << s.top_k << " f=" << s.expert_width
         << " zipf=" << s.zipf;
    if (o.progress) o.progress("MoE layer " + name.str(), static_cast<double>(v.rows.size()) / total);
    std::vector<double> histogram;
    const Measurement r = timers.moe(s, m, &histogram);
    v.rows.push_back({"moe_layer", name.str(), r.median_s, predict_moe(hw, s, histogram, format), r.noisy});
  }
  for (const AttentionShape& s : attention) {
    if (o.cancel && *o.cancel) return v;
    std::ostringstream name;
    name << "B=" << s.batch << " L=" << s.context << " H=" << s.heads << " kv=" << s.kv_heads << " d=" << s.head_dim;
    if (o.progress) o.progress("decode attention " + name.str(), static_cast<double>(v.rows.size()) / total);
    const Measurement r = timers.attention(s, m);
    v.rows.push_back({"decode_attention", name.str(), r.median_s, predict_attention(hw, s, format), r.noisy});
  }
  std::vector<double> errors, quiet;
  for (const ValidationRow& row : v.rows) {
    errors.push_back(row.abs_pct_error());
    if (!row.noisy) quiet.push_back(row.abs_pct_error());
  }
  v.median_abs_pct_error = quantile(errors, 0.5);
  v.p90_abs_pct_error = quantile(errors, 0.9);
  v.quiet_rows = quiet.size();
  v.quiet_median_abs_pct_error = quiet.empty() ? std::nan("") : quantile(quiet, 0.5);
  v.quiet_p90_abs_pct_error = quiet.empty() ? std::nan("") : quantile(quiet, 0.9);
  v.noisy_dispersion = m.noisy_dispersion;
  return v;
}

namespace {

// The GEMM grid's reference point (kGemmReferenceTokens = 256 at the grid's width), as the
// calibration measured it: compute-bound, like the rows of 32 tokens and more. Its weights are
// 16 MiB, so a 64 MiB arena of its own serves; the calibration's full span (1 GiB here) would
// take 3 s to fault in, twice per run. (No memory point: an 8 MiB read from a 64 MiB arena ran
// 30 % faster than from the full span, partly from cache, and would report a drift that is not
// there.)
double reference_gemm_flop_per_s(int threads) {
  MeasureOptions m;
  m.budget_s = 0.2;
  ColdArena arena(std::size_t{64} << 20);
  return gemm_fp32(kGemmReferenceTokens, kGemmGridWidth, kGemmGridWidth, threads, m, arena).value;
}

}  // namespace

// On this CPU: Eigen in fp32, between two measurements of the profile's reference GEMM.
Validation validate_against(const Hardware& hw, const ValidationOptions& o) {
  keep_freed_memory();
  const int threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const LayerTimers eigen{
      [threads](const MoeLayerShape& s, const MeasureOptions& m, std::vector<double>* routed) { return time_moe_layer(s, threads, m, routed); },
      [threads](const AttentionShape& s, const MeasureOptions& m) { return time_decode_attention(s, threads, m); }};
  if (o.progress) o.progress("reference GEMM", 0);
  const double before = reference_gemm_flop_per_s(threads);
  Validation v = run_validation(hw, o, {Element::fp32, 0, 0}, eigen);
  if (o.cancel && *o.cancel) return v;
  if (o.progress) o.progress("reference GEMM", 1);
  const double after = reference_gemm_flop_per_s(threads);
  const double profile = peak_flop_per_s(hw, ComputeFormat::fp32) * hw.gemm_by_tokens.at(kGemmReferenceTokens) *
                         hw.gemm_by_width.at(kGemmGridWidth);
  const std::string kernel = "GEMM M=" + std::to_string(kGemmReferenceTokens) + " N=K=" + std::to_string(kGemmGridWidth) + " fp32";
  v.references = {{kernel, "GFLOP/s", profile / 1e9, before / 1e9, after / 1e9}};
  return v;
}

}  // namespace moesim::calib
