#include "compute/vis/objective.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::vis {

namespace {

constexpr double kNormEpsilon = 1e-10;  // tf.nn.l2_normalize's default, on the squared norm

}  // namespace

Objective::Objective(ObjectiveKind kind, const Dims& layer, int64_t position, std::vector<float> direction)
    : kind_(kind), position_(position), direction_(std::move(direction)) {
  if (layer.size() < 2) throw Error("the objective needs a layer with channels, got " + to_string(layer));
  batch_ = layer[0];
  channels_ = layer[1];
  plane_ = numel(layer) / (batch_ * channels_);
  const bool uses_direction = kind_ == ObjectiveKind::Direction || kind_ == ObjectiveKind::DirectionNeuron;
  if (uses_direction && static_cast<int64_t>(direction_.size()) != channels_) {
    throw Error("the direction vector has " + std::to_string(direction_.size()) + " entries; the layer (" +
                to_string(layer) + ") has " + std::to_string(channels_) + " channels");
  }
  values_.assign(static_cast<size_t>(batch_), 0.0);
  diversity_.assign(static_cast<size_t>(batch_), 0.0);
  if (kind_ == ObjectiveKind::Diversity) {
    grams_.assign(static_cast<size_t>(batch_ * channels_ * channels_), 0.0);
    gram_norm_.assign(static_cast<size_t>(batch_), 0.0);
    cos_.assign(static_cast<size_t>(batch_ * batch_), 0.0);
    m_.assign(static_cast<size_t>(channels_ * channels_), 0.0);
    row_.assign(static_cast<size_t>(plane_), 0.0);
  }
}

void Objective::evaluate(const Tensor& acts, const std::vector<int64_t>& units, int push_dir, double diversity_weight,
                         Tensor& seed) {
  const int64_t per_item = channels_ * plane_;
  const double dir = push_dir;
  seed.fill(0.0f);
  for (int64_t k = 0; k < batch_; ++k) {
    const float* a = acts.data() + k * per_item;
    float* s = seed.data() + k * per_item;
    const int64_t u = units[static_cast<size_t>(k)];
    double value = 0.0;
    switch (kind_) {
      case ObjectiveKind::Neuron:
        value = a[u * plane_ + position_];
        s[u * plane_ + position_] = static_cast<float>(dir);
        break;
      case ObjectiveKind::Channel:
      case ObjectiveKind::Diversity: {
        double sum = 0.0;
        for (int64_t p = 0; p < plane_; ++p) sum += a[u * plane_ + p];
        value = sum / static_cast<double>(plane_);
        const auto g = static_cast<float>(dir / static_cast<double>(plane_));
        for (int64_t p = 0; p < plane_; ++p) s[u * plane_ + p] = g;
        break;
      }
      case ObjectiveKind::Direction: {
        double sum = 0.0;
        for (int64_t c = 0; c < channels_; ++c) {
          const double d = direction_[static_cast<size_t>(c)];
          const auto g = static_cast<float>(dir * d / static_cast<double>(plane_));
          for (int64_t p = 0; p < plane_; ++p) {
            sum += d * a[c * plane_ + p];
            s[c * plane_ + p] = g;
          }
        }
        value = sum / static_cast<double>(plane_);
        break;
      }
      case ObjectiveKind::DirectionNeuron:
        for (int64_t c = 0; c < channels_; ++c) {
          const double d = direction_[static_cast<size_t>(c)];
          value += d * a[c * plane_ + position_];
          s[c * plane_ + position_] = static_cast<float>(dir * d);
        }
        break;
    }
    values_[static_cast<size_t>(k)] = value;
  }
  if (kind_ == ObjectiveKind::Diversity) {
    add_diversity(acts, diversity_weight, seed);
    for (int64_t k = 0; k < batch_; ++k) {
      values_[static_cast<size_t>(k)] += dir * diversity_weight * diversity_[static_cast<size_t>(k)];
    }
  }
}

void Objective::add_diversity(const Tensor& acts, double weight, Tensor& seed) {
  const int64_t c_count = channels_, per_item = channels_ * plane_, gram_size = channels_ * channels_;
  const int64_t n = batch_;
  // Gram matrices and their (epsilon-guarded) norms.
  for (int64_t k = 0; k < n; ++k) {
    const float* a = acts.data() + k * per_item;
    double* g = grams_.data() + k * gram_size;
    double norm_sq = 0.0;
    for (int64_t i = 0; i < c_count; ++i) {
      for (int64_t j = i; j < c_count; ++j) {
        double dot = 0.0;
        for (int64_t p = 0; p < plane_; ++p) dot += static_cast<double>(a[i * plane_ + p]) * a[j * plane_ + p];
        g[i * c_count + j] = dot;
        g[j * c_count + i] = dot;
        norm_sq += (i == j ? 1.0 : 2.0) * dot * dot;
      }
    }
    gram_norm_[static_cast<size_t>(k)] = std::sqrt(std::max(norm_sq, kNormEpsilon));
  }
  // Pairwise cosine similarities and D_k.
  for (int64_t i = 0; i < n; ++i) {
    cos_[static_cast<size_t>(i * n + i)] = 1.0;
    for (int64_t j = i + 1; j < n; ++j) {
      const double* gi = grams_.data() + i * gram_size;
      const double* gj = grams_.data() + j * gram_size;
      double dot = 0.0;
      for (int64_t e = 0; e < gram_size; ++e) dot += gi[e] * gj[e];
      const double c = dot / (gram_norm_[static_cast<size_t>(i)] * gram_norm_[static_cast<size_t>(j)]);
      cos_[static_cast<size_t>(i * n + j)] = c;
      cos_[static_cast<size_t>(j * n + i)] = c;
    }
  }
  const double pairs = static_cast<double>(n - 1);
  for (int64_t k = 0; k < n; ++k) {
    double sum = 0.0;
    for (int64_t j = 0; j < n; ++j) sum += j == k ? 0.0 : cos_[static_cast<size_t>(k * n + j)];
    diversity_[static_cast<size_t>(k)] = -sum / pairs;
  }
  if (weight == 0.0) return;
  // S = sum_k D_k = -(2/(n-1)) sum_{i<j} cos_ij.  dS/dG_k = -(2/(n-1)) / |G_k| * (sum_{j!=k} Gh_j - sum_j cos_kj Gh_k)
  // with Gh = G / |G| (no projection term where the epsilon clamps the norm). dS/dA_k = 2 (dS/dG_k) A_k.
  for (int64_t k = 0; k < n; ++k) {
    const double nk = gram_norm_[static_cast<size_t>(k)];
    const double* gk = grams_.data() + k * gram_size;
    double cos_sum = 0.0;
    for (int64_t j = 0; j < n; ++j) cos_sum += j == k ? 0.0 : cos_[static_cast<size_t>(k * n + j)];
    const bool clamped = nk * nk <= kNormEpsilon;
    const double factor = -2.0 / pairs / nk;
    for (int64_t e = 0; e < gram_size; ++e) m_[static_cast<size_t>(e)] = clamped ? 0.0 : -cos_sum * gk[e] / nk;
    for (int64_t j = 0; j < n; ++j) {
      if (j == k) continue;
      const double* gj = grams_.data() + j * gram_size;
      const double inv = 1.0 / gram_norm_[static_cast<size_t>(j)];
      for (int64_t e = 0; e < gram_size; ++e) m_[static_cast<size_t>(e)] += gj[e] * inv;
    }
    const float* a = acts.data() + k * per_item;
    float* s = seed.data() + k * per_item;
    const double scale = weight * 2.0 * factor;
    for (int64_t i = 0; i < c_count; ++i) {
      const double* mi = m_.data() + i * c_count;
      std::fill(row_.begin(), row_.end(), 0.0);
      for (int64_t j = 0; j < c_count; ++j) {
        const double mij = mi[j];
        const float* aj = a + j * plane_;
        for (int64_t p = 0; p < plane_; ++p) row_[static_cast<size_t>(p)] += mij * aj[p];
      }
      for (int64_t p = 0; p < plane_; ++p)
        s[i * plane_ + p] += static_cast<float>(scale * row_[static_cast<size_t>(p)]);
    }
  }
}

}  // namespace deepvis::vis
