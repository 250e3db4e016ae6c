#include "moesim/calib/moe_layer.h"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace moesim::calib {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Measurement time_moe_layer(const MoeLayerShape& s, int threads, const MeasureOptions& options, std::vector<double>* routed) {
  const auto T = s.tokens, h = s.hidden, E = s.experts, K = s.top_k, f = s.expert_width;
  Matrix x = Matrix::Random(T, h), router = Matrix::Random(h, E) * 0.05f;
  std::vector<Matrix> w1, w3, w2;
  for (std::int64_t e = 0; e < E; ++e) {
    w1.push_back(Matrix::Random(h, f) * 0.02f);
    w3.push_back(Matrix::Random(h, f) * 0.02f);
    w2.push_back(Matrix::Random(f, h) * 0.02f);
  }
  // Skewed routing: a per-expert bias towards a Zipf popularity, as a load-imbalanced router has.
  std::vector<float> bias(static_cast<std::size_t>(E), 0.0f);
  if (s.zipf > 0)
    for (std::int64_t e = 0; e < E; ++e) bias[static_cast<std::size_t>(e)] = static_cast<float>(-4.0 * s.zipf * std::log(e + 1.0));

  Matrix logits(T, E), out(T, h), gathered(T * K, h), result(T * K, h);
  std::vector<std::int64_t> choice(static_cast<std::size_t>(T * K)), order(static_cast<std::size_t>(T * K)),
      position(static_cast<std::size_t>(T * K));  // order: block row -> copy; position: copy -> block row
  std::vector<float> weight(static_cast<std::size_t>(T * K));
  std::vector<std::int64_t> count(static_cast<std::size_t>(E)), start(static_cast<std::size_t>(E + 1));
  auto run = [&] {
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
      Matrix g = rows * w1[static_cast<std::size_t>(e)];
      const Matrix u = rows * w3[static_cast<std::size_t>(e)];
      g = (g.array() / (1.0f + (-g.array()).exp()) * u.array()).matrix();  // SwiGLU: silu(xW1) * xW3
      result.middleRows(start[static_cast<std::size_t>(e)], n).noalias() = g * w2[static_cast<std::size_t>(e)];
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

Measurement time_decode_attention(const AttentionShape& s, int threads, const MeasureOptions& options) {
  const auto B = s.batch, L = s.context, H = s.heads, G = s.kv_heads, d = s.head_dim, q_per_kv = H / G;
  std::vector<Matrix> keys, values, queries;
  for (std::int64_t i = 0; i < B * G; ++i) {
    keys.push_back(Matrix::Random(L, d));
    values.push_back(Matrix::Random(L, d));
    queries.push_back(Matrix::Random(q_per_kv, d));
  }
  std::vector<Matrix> outputs(static_cast<std::size_t>(B * G), Matrix(q_per_kv, d));
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  auto run = [&] {
    Eigen::setNbThreads(1);
#pragma omp parallel for num_threads(threads)
    for (std::int64_t i = 0; i < B * G; ++i) {
      Matrix scores = (queries[static_cast<std::size_t>(i)] * keys[static_cast<std::size_t>(i)].transpose()) * scale;
      for (Eigen::Index r = 0; r < scores.rows(); ++r) {
        const float top = scores.row(r).maxCoeff();
        scores.row(r) = (scores.row(r).array() - top).exp();
        scores.row(r) /= scores.row(r).sum();
      }
      outputs[static_cast<std::size_t>(i)].noalias() = scores * values[static_cast<std::size_t>(i)];
    }
  };
  const Measurement m = measure(run, options);
  Eigen::setNbThreads(threads);
  return m;
}

}  // namespace moesim::calib
