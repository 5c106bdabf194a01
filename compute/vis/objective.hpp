#pragma once
// What the optimizer maximizes, per batch element k (one element per unit u_k), from the activations A of one
// layer (N, C, [H, W]; P positions per channel, p* the unit's position):
//   neuron           A[k, u_k, p*]                                   (the paper's objective)
//   channel          mean over p of A[k, u_k, p]
//   direction        mean over p of sum_c d_c A[k, c, p]               (Lucid's `direction`)
//   direction_neuron sum_c d_c A[k, c, p*]                             (Lucid's `direction_neuron`)
//   diversity        channel + push_dir * w * D_k, D_k = -(1/(n-1)) sum_{j != k} cos(G_k, G_j)
// where G_k = A_k A_k^T is the C x C Gram matrix of element k (A_k: C x P) and cos is the cosine similarity of the
// flattened matrices (Lucid's `diversity`, with l2_normalize's epsilon 1e-10 on |G|^2). The mean of D_k over k is
// minus the mean pairwise similarity.
// The ascent maximizes J = sum_k push_dir * value_k; evaluate() writes the seed dJ/dA on the host, for one
// Net::backward_from. For diversity, element k's seed includes its part in every other D_j, so each element
// steps along the gradient of the joint J. Relation to Lucid (channel - 1e2 * diversity, both batch means): the same
// objective up to the factor n, with w = 1e2 (n - 1).
#include "compute/core/tensor.hpp"
#include "compute/vis/ascent_params.hpp"

#include <cstdint>
#include <vector>

namespace deepvis::vis {

class Objective {
 public:
  Objective() = default;
  // `layer`: the blob's dims (N, C, ...); `position`: the unit's offset within a channel plane (0 for FC layers).
  // `direction` (direction kinds): one weight per channel. Throws deepvis::Error when its length is not C.
  // Allocates everything evaluate() needs (for diversity: N Gram matrices of C x C doubles).
  Objective(ObjectiveKind kind, const Dims& layer, int64_t position, std::vector<float> direction = {});

  // values()[k] for every batch element, and `seed` (the layer's dims) = dJ/dA, overwritten entirely.
  // `units`: the channel of each batch element. Allocates nothing.
  void evaluate(const Tensor& acts, const std::vector<int64_t>& units, int push_dir, double diversity_weight,
                Tensor& seed);

  const std::vector<double>& values() const { return values_; }
  // D_k of the last evaluate (diversity only; zeros otherwise).
  const std::vector<double>& diversity() const { return diversity_; }
  ObjectiveKind kind() const { return kind_; }

 private:
  void add_diversity(const Tensor& acts, double weight, Tensor& seed);

  ObjectiveKind kind_ = ObjectiveKind::Neuron;
  int64_t batch_ = 0, channels_ = 0, plane_ = 0, position_ = 0;
  std::vector<float> direction_;
  std::vector<double> values_, diversity_;
  std::vector<double> grams_;  // batch x C x C
  std::vector<double> gram_norm_, cos_;
  std::vector<double> m_;    // dS/dG_k for one k, C x C
  std::vector<double> row_;  // one row of (dS/dG_k) A_k
};

}  // namespace deepvis::vis
