#pragma once
// Every parameter of the paper's optimizer (shared/spec/deep-visualization.md §3), with the original's names,
// and the four presets of its Table 1. Below them, the options beyond the original (Lucid-style objectives,
// random transforms, FFT parameterization, Adam): their defaults keep the paper's loop exactly.
#include "compute/vis/transform.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deepvis::vis {

enum class LrPolicy { Constant, Progress, Progress01 };
enum class StartAt { MeanPlusRand, Randu, Mean, Image };
// What is maximized per batch element (see compute/vis/objective.hpp).
enum class ObjectiveKind { Neuron, Channel, Direction, DirectionNeuron, Diversity };
enum class ParamKind { Pixel, Fft };  // the optimized variable: the pixels, or a 1/f-scaled decorrelated spectrum
enum class OptimizerKind { Sgd, Adam };

// Objectives as values (Lucid's manner): a weighted sum of terms, each a kind that Objective evaluates
// (compute/vis/objective.hpp), composed by sum, scale and difference:
//   ObjectiveExpr::channel() - 0.5 * ObjectiveExpr::neuron()     2.0 * ObjectiveExpr::channel()
// The paper's objective is ObjectiveExpr::neuron(). compute/vis/objective_expr.hpp evaluates them.
struct ObjectiveTerm {
  ObjectiveKind kind = ObjectiveKind::Neuron;
  double weight = 1.0;
  std::vector<float> direction;   // the direction kinds: one weight per channel
  double diversity_weight = 100;  // Diversity: as AscentParams::diversity_weight
};

class ObjectiveExpr {
 public:
  ObjectiveExpr() = default;  // empty: AscentParams::objective_expr unset (the objective kind applies)
  explicit ObjectiveExpr(ObjectiveTerm term) : terms_{std::move(term)} {}

  static ObjectiveExpr neuron();
  static ObjectiveExpr channel();
  static ObjectiveExpr direction(std::vector<float> d);
  static ObjectiveExpr direction_neuron(std::vector<float> d);
  static ObjectiveExpr diversity(double weight);

  friend ObjectiveExpr operator+(ObjectiveExpr a, const ObjectiveExpr& b);
  friend ObjectiveExpr operator*(double w, ObjectiveExpr a);
  friend ObjectiveExpr operator-(ObjectiveExpr a, const ObjectiveExpr& b) { return std::move(a) + (-1.0 * b); }

  const std::vector<ObjectiveTerm>& terms() const { return terms_; }
  bool empty() const { return terms_.empty(); }
  // "neuron", "channel - 0.5 * neuron", ...
  std::string describe() const;

 private:
  std::vector<ObjectiveTerm> terms_;
};

// The parameters come in parts, each a value of its own that code can take alone (the loop's live changes touch
// only RegularizerParams, ScheduleParams and TransformParams); AscentParams is all of them, with every field under its
// original name, so flags, info.json and callers read it as one struct.

struct TargetParams {
  std::string push_layer;
  std::vector<int64_t> push_units;  // channels; one batch element each
  std::optional<int64_t> push_y;    // conv units: spatial position (default: the centre)
  std::optional<int64_t> push_x;
  int push_dir = 1;  // +1 maximize, -1 minimize
};

struct StartParams {
  StartAt start_at = StartAt::MeanPlusRand;
  uint32_t seed = 0;
  std::string start_image;  // StartAt::Image: an image file, preprocessed like any input
};

struct RegularizerParams {
  double decay = 0.0;
  double blur_radius = 0.0;
  int blur_every = 0;
  double small_val_percentile = 0.0;
  double small_norm_percentile = 0.0;
  double px_benefit_percentile = 0.0;
  double px_abs_benefit_percentile = 0.0;
};

struct ScheduleParams {
  LrPolicy lr_policy = LrPolicy::Constant;
  double lr = 1.0;              // constant
  double max_lr = 1e10;         // progress, progress01
  double desired_prog = 2.0;    // progress
  double early_prog = 0.03;     // progress01
  double late_prog_mult = 0.1;  // progress01
  int max_iter = 500;
};

// Beyond the original; every default below is the paper's loop, bit for bit.
struct ObjectiveParams {
  ObjectiveKind objective = ObjectiveKind::Neuron;
  std::vector<float> direction;   // Direction objectives: one weight per channel of the layer
  std::string direction_file;     // where `direction` came from, for the record
  double diversity_weight = 100;  // Diversity: weight of the mean pairwise Gram dissimilarity (Lucid's 1e2)
  // Set: the objective is this expression instead of the kind above (an API for composed objectives; the CLI's
  // flags never set it, so its info.json is as before).
  ObjectiveExpr objective_expr;
};

// The random transforms (compute/vis/transform.hpp). The flags' five fields are the list jitter, pad, scale,
// rotate, in that order; `transforms`, when set, is the list instead, in any order and with repeats (an API, like
// objective_expr: the flags never set it, so their info.json is as before).
struct TransformParams {
  int jitter = 0;          // random circular shift in [-jitter, jitter] pixels, per axis
  int pad = 0;             // constant pad by `pad`, crop back at a random offset
  double scale_min = 1.0;  // random zoom factor, uniform in [scale_min, scale_max]
  double scale_max = 1.0;
  double rotate_deg = 0.0;  // random rotation, uniform in [-rotate_deg, rotate_deg] degrees
  TransformList transforms;

  bool fields_on() const { return jitter > 0 || pad > 0 || scale_min != 1.0 || scale_max != 1.0 || rotate_deg > 0; }
  bool transforms_on() const { return !transforms.empty() || fields_on(); }
  // The list the loop applies: `transforms`, or the fields' enabled entries in their order.
  TransformList transform_list() const;
};

struct ParameterizationParams {
  ParamKind param = ParamKind::Pixel;
};

struct OptimizerParams {
  OptimizerKind optimizer = OptimizerKind::Sgd;
  double beta1 = 0.9;  // Adam
  double beta2 = 0.999;
  double adam_eps = 1e-8;
};

struct AscentParams : TargetParams,
                      StartParams,
                      RegularizerParams,
                      ScheduleParams,
                      ObjectiveParams,
                      TransformParams,
                      ParameterizationParams,
                      OptimizerParams {};

// `next` with what defines a run taken from `current`: target, direction, objective, parameterization, optimizer,
// start point and seed. What a live change may touch (regularizers, schedule, transforms) stays as in `next`.
AscentParams keep_run_definition(const AscentParams& current, AscentParams next);

// Table 1 of the paper. Throws deepvis::Error for a number outside 1..4.
AscentParams preset(int number);

const char* lr_policy_name(LrPolicy p);
const char* start_at_name(StartAt s);
LrPolicy parse_lr_policy(const std::string& name);  // throws deepvis::Error naming the value
StartAt parse_start_at(const std::string& name);
const char* objective_name(ObjectiveKind k);
const char* param_name(ParamKind k);
const char* optimizer_name(OptimizerKind k);
ObjectiveKind parse_objective(const std::string& name);  // throws deepvis::Error naming the value
ParamKind parse_param(const std::string& name);
OptimizerKind parse_optimizer(const std::string& name);

// Contradictions and out-of-range values, as one message naming the parameter; empty when valid. What depends on
// the model (a direction's length vs the layer's channels, FFT's 3 channels) is checked by AscentRun.
std::string validate(const AscentParams& p);

}  // namespace deepvis::vis
