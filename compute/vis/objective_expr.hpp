#pragma once
// Objectives as values (ObjectiveExpr, compute/vis/ascent_params.hpp) evaluated on a layer. AscentParams' own
// objective (its kind, direction and diversity weight) is the one-term expression objective_of(params) unless
// params.objective_expr sets another; a one-term expression of weight 1 evaluates exactly as the term alone, so
// the paper's loop is unchanged bit for bit.
#include "compute/core/tensor.hpp"
#include "compute/vis/ascent_params.hpp"
#include "compute/vis/objective.hpp"

#include <string>
#include <vector>

namespace deepvis::vis {

// The objective AscentParams describe: params.objective_expr when set, else its one kind as a single term.
ObjectiveExpr objective_of(const AscentParams& params);

// An ObjectiveExpr evaluated on one layer: values()[k] = sum_i w_i value_i,k and seed = sum_i w_i seed_i.
class CompositeObjective {
 public:
  CompositeObjective() = default;
  // As Objective's constructor, per term. Throws deepvis::Error for an empty expression or a bad direction.
  CompositeObjective(const ObjectiveExpr& expr, const Dims& layer, int64_t position);

  // As Objective::evaluate; each term's own diversity weight applies. Allocates nothing.
  void evaluate(const Tensor& acts, const std::vector<int64_t>& units, int push_dir, Tensor& seed);
  const std::vector<double>& values() const;
  // Every diversity term's weight (AscentParams::diversity_weight changes live, from the next step).
  void set_diversity_weight(double weight) {
    for (double& w : diversity_weights_) w = weight;
  }
  // The first term's kind (the only one for the objectives AscentParams describe by kind).
  ObjectiveKind kind() const { return terms_.empty() ? ObjectiveKind::Neuron : terms_.front().kind(); }

 private:
  std::vector<Objective> terms_;
  std::vector<double> weights_, diversity_weights_;
  std::vector<double> values_;
  Tensor term_seed_;  // a later term's seed before it is added (multi-term only)
};

}  // namespace deepvis::vis
