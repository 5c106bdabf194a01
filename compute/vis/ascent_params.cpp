#include "compute/vis/ascent_params.hpp"

#include "compute/core/error.hpp"

#include <cmath>

namespace deepvis::vis {

AscentParams keep_run_definition(const AscentParams& current, AscentParams next) {
  // A run is defined by its target, objective, parameterization, optimizer kind and start. The diversity weight
  // (inside the objective's part) is a live setting, so it stays as in `next`; so do Adam's betas.
  const double diversity_weight = next.diversity_weight;
  static_cast<TargetParams&>(next) = current;
  static_cast<ObjectiveParams&>(next) = current;
  static_cast<ParameterizationParams&>(next) = current;
  static_cast<StartParams&>(next) = current;
  next.optimizer = current.optimizer;
  next.diversity_weight = diversity_weight;
  return next;
}

TransformList TransformParams::transform_list() const {
  if (!transforms.empty()) return transforms;
  TransformList list;
  if (jitter > 0) list.push_back(TransformStep::jitter(jitter));
  if (pad > 0) list.push_back(TransformStep::pad(pad));
  if (scale_min != 1.0 || scale_max != 1.0) list.push_back(TransformStep::scale(scale_min, scale_max));
  if (rotate_deg > 0) list.push_back(TransformStep::rotate(rotate_deg));
  return list;
}

AscentParams preset(int number) {
  AscentParams p;
  switch (number) {
    case 1:
      p.decay = 0.0;
      p.blur_radius = 0.5;
      p.blur_every = 4;
      p.small_norm_percentile = 50;
      p.max_iter = 500;
      p.lr_policy = LrPolicy::Progress;
      p.max_lr = 100.0;
      p.desired_prog = 2.0;
      break;
    case 2:
      p.decay = 0.3;
      p.small_norm_percentile = 20;
      p.max_iter = 750;
      p.lr_policy = LrPolicy::Constant;
      p.lr = 100.0;
      break;
    case 3:
      p.decay = 0.0001;
      p.blur_radius = 1.0;
      p.blur_every = 4;
      p.max_iter = 1000;
      p.lr_policy = LrPolicy::Constant;
      p.lr = 100.0;
      break;
    case 4:
      p.blur_radius = 0.5;
      p.blur_every = 4;
      p.px_abs_benefit_percentile = 90;
      p.max_iter = 1000;
      p.lr_policy = LrPolicy::Progress;
      p.max_lr = 1e8;
      p.desired_prog = 2.0;
      break;
    default: throw Error("--preset " + std::to_string(number) + ": the paper defines presets 1 to 4");
  }
  return p;
}

const char* lr_policy_name(LrPolicy p) {
  switch (p) {
    case LrPolicy::Progress: return "progress";
    case LrPolicy::Progress01: return "progress01";
    case LrPolicy::Constant:
    default: return "constant";
  }
}

const char* start_at_name(StartAt s) {
  switch (s) {
    case StartAt::Randu: return "randu";
    case StartAt::Mean: return "mean";
    case StartAt::Image: return "image";
    case StartAt::MeanPlusRand:
    default: return "mean_plus_rand";
  }
}

LrPolicy parse_lr_policy(const std::string& name) {
  if (name == "constant") return LrPolicy::Constant;
  if (name == "progress") return LrPolicy::Progress;
  if (name == "progress01") return LrPolicy::Progress01;
  throw Error("--lr-policy '" + name + "': expected constant, progress or progress01");
}

StartAt parse_start_at(const std::string& name) {
  if (name == "mean_plus_rand") return StartAt::MeanPlusRand;
  if (name == "randu") return StartAt::Randu;
  if (name == "mean") return StartAt::Mean;
  if (name == "image") return StartAt::Image;
  throw Error("--start-at '" + name + "': expected mean_plus_rand, randu, mean or image");
}

const char* objective_name(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::Channel: return "channel";
    case ObjectiveKind::Direction: return "direction";
    case ObjectiveKind::DirectionNeuron: return "direction_neuron";
    case ObjectiveKind::Diversity: return "diversity";
    case ObjectiveKind::Neuron:
    default: return "neuron";
  }
}

const char* param_name(ParamKind k) {
  return k == ParamKind::Fft ? "fft" : "pixel";
}
const char* optimizer_name(OptimizerKind k) {
  return k == OptimizerKind::Adam ? "adam" : "sgd";
}

ObjectiveKind parse_objective(const std::string& name) {
  if (name == "neuron") return ObjectiveKind::Neuron;
  if (name == "channel") return ObjectiveKind::Channel;
  if (name == "direction") return ObjectiveKind::Direction;
  if (name == "direction_neuron") return ObjectiveKind::DirectionNeuron;
  if (name == "diversity") return ObjectiveKind::Diversity;
  throw Error("--objective '" + name + "': expected neuron, channel, direction, direction_neuron or diversity");
}

ParamKind parse_param(const std::string& name) {
  if (name == "pixel") return ParamKind::Pixel;
  if (name == "fft") return ParamKind::Fft;
  throw Error("--param '" + name + "': expected pixel or fft");
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::Sgd;
  if (name == "adam") return OptimizerKind::Adam;
  throw Error("--optimizer '" + name + "': expected sgd or adam");
}

namespace {

// The options beyond the original paper.
std::string validate_extensions(const AscentParams& p) {
  const bool direction = p.objective == ObjectiveKind::Direction || p.objective == ObjectiveKind::DirectionNeuron;
  if (direction && p.direction.empty()) return "--objective direction needs a direction vector (--direction FILE.npy)";
  if (!direction && !p.direction.empty()) return "a direction vector needs --objective direction or direction_neuron";
  if (direction) {
    double norm_sq = 0.0;
    for (float d : p.direction) {
      if (!std::isfinite(d)) return "the direction vector has a non-finite entry";
      norm_sq += static_cast<double>(d) * d;
    }
    if (norm_sq == 0.0) return "the direction vector is all zeros";
  }
  if (p.objective == ObjectiveKind::Diversity && p.push_units.size() < 2) {
    return "--objective diversity compares batch elements: it needs at least 2 units (--units)";
  }
  if (!(p.diversity_weight >= 0.0) || !std::isfinite(p.diversity_weight)) return "diversity weight must be >= 0";
  if (p.jitter < 0) return "jitter must be non-negative";
  if (p.pad < 0) return "pad must be non-negative";
  if (!(p.scale_min > 0.0) || !(p.scale_max >= p.scale_min) || !std::isfinite(p.scale_max)) {
    return "scale range must be 0 < a <= b";
  }
  if (!(p.rotate_deg >= 0.0) || p.rotate_deg > 180.0) return "rotate must be in [0, 180] degrees";
  if (!p.transforms.empty() && p.fields_on()) {
    return "give the transforms as a list or as jitter, pad, scale and rotate, not both";
  }
  if (std::string problem = validate(p.transforms); !problem.empty()) return problem;
  if (p.optimizer == OptimizerKind::Adam) {
    if (p.lr_policy != LrPolicy::Constant) {
      return "--optimizer adam steps with a constant --lr; the progress policies are for sgd";
    }
    if (!(p.beta1 >= 0.0 && p.beta1 < 1.0) || !(p.beta2 >= 0.0 && p.beta2 < 1.0)) return "Adam betas must be in [0, 1)";
    if (!(p.adam_eps > 0.0)) return "Adam eps must be positive";
  }
  return {};
}

}  // namespace

std::string validate(const AscentParams& p) {
  auto percent = [](double v) { return v >= 0.0 && v < 100.0; };
  if (p.push_units.empty()) return "no unit to optimize";
  if (p.push_dir != 1 && p.push_dir != -1) return "push direction must be +1 or -1";
  if (p.push_y.has_value() != p.push_x.has_value()) return "give both Y and X of the unit, or neither";
  if (p.max_iter < 1) return "max_iter must be at least 1";
  if (p.decay < 0.0 || p.decay >= 1.0) return "decay must be in [0, 1)";
  if (p.blur_radius < 0.0) return "blur radius must be non-negative";
  if (p.blur_every < 0) return "blur every must be non-negative";
  if (p.blur_radius > 0.0 && p.blur_every == 0) return "a blur radius needs blur every > 0";
  if (!percent(p.small_val_percentile) || !percent(p.small_norm_percentile) || !percent(p.px_benefit_percentile) ||
      !percent(p.px_abs_benefit_percentile)) {
    return "percentiles must be in [0, 100)";
  }
  if (p.lr <= 0.0 || p.max_lr <= 0.0 || p.desired_prog <= 0.0) return "learning rates must be positive";
  if (p.start_at == StartAt::Image && p.start_image.empty()) return "--start-at image needs --start-image FILE";
  if (p.start_at != StartAt::Image && !p.start_image.empty()) return "--start-image needs --start-at image";
  return validate_extensions(p);
}

}  // namespace deepvis::vis
