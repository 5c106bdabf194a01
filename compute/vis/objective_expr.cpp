#include "compute/vis/objective_expr.hpp"

#include "compute/core/error.hpp"

#include <cmath>
#include <sstream>

namespace deepvis::vis {

namespace {

ObjectiveTerm term(ObjectiveKind kind, std::vector<float> direction = {}, double diversity_weight = 100) {
  ObjectiveTerm t;
  t.kind = kind;
  t.direction = std::move(direction);
  t.diversity_weight = diversity_weight;
  return t;
}

}  // namespace

ObjectiveExpr ObjectiveExpr::neuron() {
  return ObjectiveExpr(term(ObjectiveKind::Neuron));
}

ObjectiveExpr ObjectiveExpr::channel() {
  return ObjectiveExpr(term(ObjectiveKind::Channel));
}

ObjectiveExpr ObjectiveExpr::direction(std::vector<float> d) {
  return ObjectiveExpr(term(ObjectiveKind::Direction, std::move(d)));
}

ObjectiveExpr ObjectiveExpr::direction_neuron(std::vector<float> d) {
  return ObjectiveExpr(term(ObjectiveKind::DirectionNeuron, std::move(d)));
}

ObjectiveExpr ObjectiveExpr::diversity(double weight) {
  return ObjectiveExpr(term(ObjectiveKind::Diversity, {}, weight));
}

ObjectiveExpr operator+(ObjectiveExpr a, const ObjectiveExpr& b) {
  a.terms_.insert(a.terms_.end(), b.terms_.begin(), b.terms_.end());
  return a;
}

ObjectiveExpr operator*(double w, ObjectiveExpr a) {
  for (ObjectiveTerm& t : a.terms_) t.weight *= w;
  return a;
}

std::string ObjectiveExpr::describe() const {
  std::ostringstream out;
  for (size_t i = 0; i < terms_.size(); ++i) {
    const ObjectiveTerm& t = terms_[i];
    const double w = std::fabs(t.weight);
    if (i == 0) {
      if (t.weight < 0) out << "-";
    } else {
      out << (t.weight < 0 ? " - " : " + ");
    }
    if (w != 1.0) out << w << " * ";
    out << objective_name(t.kind);
  }
  return out.str();
}

ObjectiveExpr objective_of(const AscentParams& params) {
  if (!params.objective_expr.empty()) return params.objective_expr;
  return ObjectiveExpr(term(params.objective, params.direction, params.diversity_weight));
}

CompositeObjective::CompositeObjective(const ObjectiveExpr& expr, const Dims& layer, int64_t position) {
  if (expr.empty()) throw Error("the objective has no terms");
  for (const ObjectiveTerm& t : expr.terms()) {
    terms_.emplace_back(t.kind, layer, position, t.direction);
    weights_.push_back(t.weight);
    diversity_weights_.push_back(t.diversity_weight);
  }
  values_.assign(static_cast<size_t>(layer.at(0)), 0.0);
  if (terms_.size() > 1) term_seed_ = Tensor(layer);
}

void CompositeObjective::evaluate(const Tensor& acts, const std::vector<int64_t>& units, int push_dir, Tensor& seed) {
  // One term of weight 1 is the term itself: no scaling, so the paper's objective stays exact.
  if (terms_.size() == 1 && weights_[0] == 1.0) {
    terms_[0].evaluate(acts, units, push_dir, diversity_weights_[0], seed);
    return;
  }
  for (size_t i = 0; i < terms_.size(); ++i) {
    Tensor& into = i == 0 ? seed : term_seed_;
    terms_[i].evaluate(acts, units, push_dir, diversity_weights_[i], into);
    const auto w = static_cast<float>(weights_[i]);
    float* s = seed.data();
    const float* t = into.data();
    if (i == 0) {
      for (int64_t j = 0; j < seed.numel(); ++j) s[j] *= w;
    } else {
      for (int64_t j = 0; j < seed.numel(); ++j) s[j] += w * t[j];
    }
    const std::vector<double>& v = terms_[i].values();
    for (size_t k = 0; k < values_.size(); ++k) values_[k] = (i == 0 ? 0.0 : values_[k]) + weights_[i] * v[k];
  }
}

const std::vector<double>& CompositeObjective::values() const {
  return terms_.size() == 1 && weights_[0] == 1.0 ? terms_[0].values() : values_;
}

}  // namespace deepvis::vis
