#include "moesim/calib/moe_layer.h"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

#include "moesim/calib/cpu_kernels.h"

namespace moesim::calib {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Measurement time_moe_layer(const MoeLayerShape& s, int threads, const MeasureOptions& options, std::vector<double>* routed) {
  const auto T = s.tokens, h = s.hidden, E = s.experts, K = s.top_k, f = s.expert_width;
  Matrix x = Matrix::Random(T, h);
  const Eigen::MatrixXf router = Eigen::MatrixXf::Random(h, E) * 0.05f;  // column-major, as the experts
  // Weights column-major: each output's weights contiguous, as nn.Linear stores them
  // ([out, in] row-major), and as the calibration's GEMMs read theirs.
  struct Expert {
    Eigen::MatrixXf w1, w3, w2;
  };
  // In a model, the layers in between evict a layer's expert weights before its next use:
  // cycle through enough copies of them that every forward reads its experts from memory.
  const double expert_bytes = 3.0 * static_cast<double>(h * f) * sizeof(float);
  const double touched_bytes = static_cast<double>(std::min(E, T * K)) * expert_bytes;
  const auto copies = cold_copies(touched_bytes, std::max<std::size_t>(1, static_cast<std::size_t>(2e9 / (expert_bytes * static_cast<double>(E)))));
  std::vector<std::vector<Expert>> layer(copies);
  for (std::int64_t e = 0; e < E; ++e)
    layer[0].push_back({Eigen::MatrixXf::Random(h, f) * 0.02f, Eigen::MatrixXf::Random(h, f) * 0.02f, Eigen::MatrixXf::Random(f, h) * 0.02f});
  for (std::size_t c = 1; c < copies; ++c) layer[c] = layer[0];
  std::size_t next_copy = 0;
  // Skewed routing: a per-expert bias towards a Zipf popularity, as a load-imbalanced router has.
  std::vector<float> bias(static_cast<std::size_t>(E), 0.0f);
  if (s.zipf > 0)
    for (std::int64_t e = 0; e < E; ++e) bias[static_cast<std::size_t>(e)] = static_cast<float>(-4.0 * s.zipf * std::log(e + 1.0));

  Matrix logits(T, E), out(T, h), gathered(T * K, h), result(T * K, h);
  std::vector<std::int64_t> choice(static_cast<std::size_t>(T * K)), order(static_cast<std::size_t>(T * K)),
      position(static_cast<std::size_t>(T * K));  // order: block row -> copy; position: copy -> block row
  std::vector<float> weight(static_cast<std::size_t>(T * K));
  std::vector<std::int64_t> count(static_cast<std::size_t>(E)), start(static_cast<std::size_t>(E + 1));
  // Each thread's SwiGLU intermediates, kept across forwards as an engine keeps its workspace:
  // allocated in every forward, the T=4096 E=8 layer took 973 ms instead of 780-798 on this VM,
  // whose page faults run at ~250 MB/s (glibc handed the freed 4 MB blocks back each time).
  struct Scratch {
    Matrix gate, up;
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(threads));
  auto run = [&] {
    const std::vector<Expert>& experts = layer[next_copy++ % copies];
    Eigen::setNbThreads(threads);
    logits.noalias() = x * router;  // router GEMM
#pragma omp parallel for num_threads(threads)
    for (std::int64_t t = 0; t < T; ++t) {  // top-k and softmax over the chosen
      std::vector<std::pair<float, std::int64_t>> scored(static_cast<std::size_t>(E));
      for (std::int64_t e = 0; e < E; ++e) scored[static_cast<std::size_t>(e)] = {logits(t, e) + bias[static_cast<std::size_t>(e)], e};
      std::partial_sort(scored.begin(), scored.begin() + K, scored.end(), std::greater<>());
      float norm = 0;
      for (std::int64_t k = 0; k < K; ++k) norm += std::exp(scored[static_cast<std::size_t>(k)].first - scored[0].first);
      for (std::int64_t k = 0; k < K; ++k) {
        choice[static_cast<std::size_t>(t * K + k)] = scored[static_cast<std::size_t>(k)].second;
        weight[static_cast<std::size_t>(t * K + k)] = std::exp(scored[static_cast<std::size_t>(k)].first - scored[0].first) / norm;
      }
    }
    // permutation: counting sort of the T*K copies by expert, rows gathered into blocks
    std::fill(count.begin(), count.end(), 0);
    for (auto e : choice) ++count[static_cast<std::size_t>(e)];
    start[0] = 0;
    for (std::int64_t e = 0; e < E; ++e) start[static_cast<std::size_t>(e + 1)] = start[static_cast<std::size_t>(e)] + count[static_cast<std::size_t>(e)];
    std::vector<std::int64_t> fill(start.begin(), start.end() - 1);
    for (std::int64_t i = 0; i < T * K; ++i) {
      const auto j = fill[static_cast<std::size_t>(choice[static_cast<std::size_t>(i)])]++;
      order[static_cast<std::size_t>(j)] = i;
      position[static_cast<std::size_t>(i)] = j;
    }
#pragma omp parallel for num_threads(threads)
    for (std::int64_t j = 0; j < T * K; ++j) gathered.row(j) = x.row(order[static_cast<std::size_t>(j)] / K);
    // experts: each thread takes whole experts (one parallel region, single-threaded GEMMs)
    Eigen::setNbThreads(1);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (std::int64_t e = 0; e < E; ++e) {
      const auto n = count[static_cast<std::size_t>(e)];
      if (n == 0) continue;
      const auto rows = gathered.middleRows(start[static_cast<std::size_t>(e)], n);
      const Expert& w = experts[static_cast<std::size_t>(e)];
      Scratch& s = scratch[static_cast<std::size_t>(omp_get_thread_num())];
      if (s.gate.rows() < n) s.gate.resize(n, f), s.up.resize(n, f);  // grows in the warm-up runs only
      auto g = s.gate.topRows(n), u = s.up.topRows(n);
      g.noalias() = rows * w.w1;
      u.noalias() = rows * w.w3;
      g = (g.array() / (1.0f + (-g.array()).exp()) * u.array()).matrix();  // SwiGLU: silu(xW1) * xW3
      result.middleRows(start[static_cast<std::size_t>(e)], n).noalias() = g * w.w2;
    }
    // combine: each token's K expert outputs, weighted, back in token order
#pragma omp parallel for num_threads(threads)
    for (std::int64_t t = 0; t < T; ++t) {
      out.row(t).setZero();
      for (std::int64_t k = 0; k < K; ++k) {
        const auto i = static_cast<std::size_t>(t * K + k);
        out.row(t) += weight[i] * result.row(position[i]);
      }
    }
  };
  const Measurement m = measure(run, options);
  Eigen::setNbThreads(threads);
  if (routed) routed->assign(count.begin(), count.end());
  return m;
}

namespace {

// One decode step of attention over B*G groups (sequence, KV head), as CPU decode kernels run
// each: the scores K q^T (L x the query heads of the group), a softmax over the context per
// query head, then p^T V. `next_cache` points keys[i] and values[i] (L x d, row-major) at the
// cache each repetition reads.
using CacheSource = std::function<void(std::vector<const float*>& keys, std::vector<const float*>& values)>;
Measurement time_attention_step(const AttentionShape& s, int threads, const MeasureOptions& options, const CacheSource& next_cache) {
  const auto groups = s.batch * s.kv_heads, L = s.context, d = s.head_dim, q_per_kv = s.heads / s.kv_heads;
  std::vector<Matrix> queries, outputs(static_cast<std::size_t>(groups), Matrix(q_per_kv, d));
  for (std::int64_t i = 0; i < groups; ++i) queries.push_back(Matrix::Random(q_per_kv, d));
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  // Scores and probabilities as L x (query heads of the group): the two GEMMs stream K and V
  // row by row (K q^T, then V^T p), as CPU decode kernels do.
  // Column-major, so that the softmax over one query head's scores runs on contiguous memory.
  std::vector<Eigen::MatrixXf> scores(static_cast<std::size_t>(threads), Eigen::MatrixXf(L, q_per_kv));
  std::vector<const float*> keys(static_cast<std::size_t>(groups)), values(static_cast<std::size_t>(groups));
  auto run = [&] {
    next_cache(keys, values);
    Eigen::setNbThreads(1);
#pragma omp parallel for num_threads(threads)
    for (std::int64_t i = 0; i < groups; ++i) {
      const auto at = static_cast<std::size_t>(i);
      const Eigen::Map<const Matrix> K(keys[at], L, d), V(values[at], L, d);
      Eigen::MatrixXf& p = scores[static_cast<std::size_t>(omp_get_thread_num())];
      p.noalias() = (K * queries[at].transpose()) * scale;
      for (Eigen::Index c = 0; c < p.cols(); ++c) {  // softmax over the context, per query head
        const float top = p.col(c).maxCoeff();
        p.col(c) = (p.col(c).array() - top).exp();
        p.col(c) /= p.col(c).sum();
      }
      outputs[at].noalias() = p.transpose() * V;
    }
  };
  const Measurement m = measure(run, options);
  Eigen::setNbThreads(threads);
  return m;
}

}  // namespace

Measurement time_decode_attention(const AttentionShape& s, int threads, const MeasureOptions& options) {
  const auto groups = s.batch * s.kv_heads;
  // K and V of each (sequence, KV head), L x d; cycled through cold copies as the MoE layer's
  // weights are: a model's other layers evict them between decode steps.
  struct Cache {
    std::vector<Matrix> keys, values;
  };
  const double kv_bytes = 2.0 * static_cast<double>(groups * s.context * s.head_dim) * sizeof(float);
  const auto copies = cold_copies(kv_bytes, std::max<std::size_t>(1, static_cast<std::size_t>(2e9 / kv_bytes)));
  std::vector<Cache> caches(copies);
  for (std::int64_t i = 0; i < groups; ++i) {
    caches[0].keys.push_back(Matrix::Random(s.context, s.head_dim));
    caches[0].values.push_back(Matrix::Random(s.context, s.head_dim));
  }
  for (std::size_t c = 1; c < copies; ++c) caches[c] = caches[0];
  std::size_t next_copy = 0;
  return time_attention_step(s, threads, options, [&](std::vector<const float*>& keys, std::vector<const float*>& values) {
    const Cache& cache = caches[next_copy++ % copies];
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = cache.keys[i].data(), values[i] = cache.values[i].data();
  });
}

Measurement time_decode_attention_cold(const AttentionShape& s, ColdArena& arena, int threads, const MeasureOptions& options) {
  const auto bytes = static_cast<std::size_t>(s.context * s.head_dim) * sizeof(float);
  return time_attention_step(s, threads, options, [&](std::vector<const float*>& keys, std::vector<const float*>& values) {
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = arena.next(bytes).data(), values[i] = arena.next(bytes).data();
  });
}

}  // namespace moesim::calib
