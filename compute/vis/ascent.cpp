#include "compute/vis/ascent.hpp"

#include "compute/core/error.hpp"
#include "compute/vis/ascent_setup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace deepvis::vis {

PixelSpace pixel_space(const Preprocess& p, int64_t channels) {
  PixelSpace s;
  for (int64_t c = 0; c < channels; ++c) {
    const auto ci = static_cast<size_t>(c);
    const float mean = p.mean.empty() ? 0.0f : p.mean.size() == 1 ? p.mean[0] : p.mean.at(ci);
    const float stdev = p.stdev.empty() ? 1.0f : p.stdev.size() == 1 ? p.stdev[0] : p.stdev.at(ci);
    s.gain.push_back(p.scale / stdev);
    s.offset.push_back(mean / p.scale);
  }
  s.bgr = p.bgr;
  return s;
}

namespace {

double l2(const float* v, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  return std::sqrt(s);
}

}  // namespace

AscentRun::AscentRun(Net& net, const AscentParams& params, const PixelSpace& space, const Tensor* start_image)
    : net_(net), params_(params), space_(space) {
  if (const std::string problem = validate(params_); !problem.empty()) throw Error(problem);
  const auto k_units = static_cast<int>(params_.push_units.size());
  if (net_.batch() != k_units) net_.set_batch(k_units);
  const AscentTarget target = resolve_ascent_target(net_, params_);
  blob_ = target.blob;
  channels_ = target.channels;
  height_ = target.height;
  width_ = target.width;
  image_size_ = channels_ * height_ * width_;
  if (static_cast<int64_t>(space_.gain.size()) != channels_) throw Error("pixel space has the wrong channel count");
  spatial_ = target.spatial;
  pos_y_ = target.pos_y;
  pos_x_ = target.pos_x;
  const Dims& out = net_.blob_dims(blob_);

  const Dims batch_dims = {k_units, channels_, height_, width_};
  input_ = Tensor(batch_dims);
  grad_pix_ = Tensor(batch_dims);
  seed_ = Tensor(out);
  grads_ = net_.make_gradients();
  regularizers_.configure(channels_, height_, width_);

  // Beyond the original: everything its options need, allocated here so that step() allocates nothing.
  objective_ = CompositeObjective(objective_of(params_), out, spatial_ ? pos_y_ * out[3] + pos_x_ : 0);
  grad_x_ = Tensor(batch_dims);
  transform_ = ImageTransform(height_, width_);
  transform_list_ = params_.transform_list();
  transform_draws_.reserve(16);
  std::seed_seq transform_seed{params_.seed, 0x7f4a7c15u};  // a stream of its own: the start stays the paper's
  transform_rng_.seed(transform_seed);
  var_size_ = image_size_;
  if (params_.param == ParamKind::Fft) {
    fft_ = FftParam(channels_, height_, width_, space_.bgr);
    var_size_ = fft_.spectrum_size();
    grad_var_.assign(static_cast<size_t>(k_units * var_size_), 0.0f);
  }
  if (params_.optimizer == OptimizerKind::Adam) adam_ = Adam(k_units * var_size_);
  delta_.assign(static_cast<size_t>(var_size_), 0.0f);
  delta_pix_.assign(static_cast<size_t>(image_size_), 0.0f);

  // Every unit starts from the same point, as separate runs with one seed would.
  x_ = ascent_start_points(params_, space_, target, start_image);
  x0_ = x_.clone();

  records_.resize(static_cast<size_t>(k_units));
  const auto cap = static_cast<size_t>(params_.max_iter);
  for (int k = 0; k < k_units; ++k) {
    UnitRecord& r = records_[static_cast<size_t>(k)];
    r.unit = params_.push_units[static_cast<size_t>(k)];
    r.best_obj = -std::numeric_limits<double>::infinity();
    for (auto* v : {&r.obj, &r.norm, &r.dist, &r.std}) v->reserve(cap);
    r.ii.reserve(cap);
    r.idxmax.reserve(cap);
    r.best_x = Tensor({channels_, height_, width_});
    r.majority_x = Tensor({channels_, height_, width_});
    r.last_x = Tensor({channels_, height_, width_});
  }
  running_ = k_units;
}

void AscentRun::update_params(const AscentParams& params) {
  // What defines the run stays: target, start, and the iteration budget already reserved.
  AscentParams next = keep_run_definition(params_, params);
  next.max_iter = std::min(params.max_iter, params_.max_iter);
  if (const std::string problem = validate(next); !problem.empty()) throw Error(problem);
  params_ = next;
  transform_list_ = params_.transform_list();
}

void AscentRun::clip_to_valid_pixels(int k) {
  float* x = x_.data() + k * image_size_;
  const int64_t plane = height_ * width_;
  // clip(x + p0, 0, 255) - p0 as a clamp of x to [-p0, 255 - p0]: the same where a bound acts, and x untouched
  // where none does. Adding and subtracting p0 in float32 would round x to the spacing of floats near p0 (8e-6
  // near 128) at every step: a relative error of 1e-4 on a pixel of 0.1, which the float64 original lacks.
  for (int64_t c = 0; c < channels_; ++c) {
    const double p0 = space_.offset[static_cast<size_t>(c)];
    const auto lo = static_cast<float>(-p0), hi = static_cast<float>(255.0 - p0);
    for (int64_t i = c * plane; i < (c + 1) * plane; ++i) x[i] = std::clamp(x[i], lo, hi);
  }
}

void AscentRun::feed_network() {
  const int64_t plane = height_ * width_;
  if (params_.transforms_on()) {
    draw_transforms(transform_list_, transform_rng_, transform_draws_);
    transform_.set(transform_draws_);
    for (int64_t k = 0; k < x_.dim(0); ++k) {
      transform_.apply(x_.data() + k * image_size_, input_.data() + k * image_size_, channels_);
    }
    for (int64_t i = 0; i < input_.numel(); ++i)
      input_.at(i) *= space_.gain[static_cast<size_t>((i / plane) % channels_)];
    return;
  }
  for (int64_t i = 0; i < x_.numel(); ++i) {
    input_.at(i) = x_.at(i) * space_.gain[static_cast<size_t>((i / plane) % channels_)];
  }
}

void AscentRun::pixel_gradient() {
  const Tensor& g_net = grads_.input();
  const int64_t pix_plane = height_ * width_;
  for (int64_t i = 0; i < g_net.numel(); ++i) {
    grad_pix_.at(i) = g_net.at(i) * space_.gain[static_cast<size_t>((i / pix_plane) % channels_)];
  }
  if (params_.transforms_on()) {
    for (int64_t k = 0; k < x_.dim(0); ++k) {
      transform_.adjoint(grad_pix_.data() + k * image_size_, grad_x_.data() + k * image_size_, channels_);
    }
  }
}

// x = (x + delta_x) * (1 - decay), for every path but the paper's (pixel, sgd), which step() keeps as it was.
void AscentRun::update(int k, double lr, const float* g_var, int ii) {
  float* d = delta_.data();
  if (params_.optimizer == OptimizerKind::Adam) {
    adam_.step(g_var, d, k * var_size_, var_size_, ii + 1, lr, params_.beta1, params_.beta2, params_.adam_eps);
  } else {
    const auto step_size = static_cast<float>(lr);
    for (int64_t i = 0; i < var_size_; ++i) d[i] = step_size * g_var[i];
  }
  const float* dx = d;
  if (params_.param == ParamKind::Fft) {
    fft_.decode(d, delta_pix_.data());
    dx = delta_pix_.data();
  }
  float* x = x_.data() + k * image_size_;
  const auto keep = static_cast<float>(1.0 - params_.decay);
  for (int64_t i = 0; i < image_size_; ++i) x[i] = (x[i] + dx[i]) * keep;
}

void AscentRun::record_forward(int k, int ii) {
  UnitRecord& r = records_[static_cast<size_t>(k)];
  const Tensor& acts = net_.blob(blob_);
  const int64_t per_item = acts.numel() / acts.dim(0);
  const int64_t c_count = acts.dim(1);
  const int64_t plane = per_item / c_count;
  const int64_t offset = spatial_ ? pos_y_ * acts.dim(3) + pos_x_ : 0;
  const float* a = acts.data() + k * per_item;
  const double obj = objective_.values()[static_cast<size_t>(k)];
  int64_t idxmax = 0;
  for (int64_t c = 1; c < c_count; ++c) {
    if (a[c * plane + offset] > a[idxmax * plane + offset]) idxmax = c;
  }
  const float* x = x_.data() + k * image_size_;
  const float* x0 = x0_.data() + k * image_size_;
  double sum = 0.0, sum_sq = 0.0, dist_sq = 0.0;
  for (int64_t i = 0; i < image_size_; ++i) {
    sum += x[i];
    sum_sq += static_cast<double>(x[i]) * x[i];
    dist_sq += (static_cast<double>(x[i]) - x0[i]) * (static_cast<double>(x[i]) - x0[i]);
  }
  const double mean = sum / static_cast<double>(image_size_);
  r.ii.push_back(ii);
  r.obj.push_back(obj);
  r.idxmax.push_back(idxmax);
  r.norm.push_back(std::sqrt(sum_sq));
  r.dist.push_back(std::sqrt(dist_sq));
  r.std.push_back(std::sqrt(std::max(0.0, sum_sq / static_cast<double>(image_size_) - mean * mean)));

  if (params_.push_dir * obj > params_.push_dir * r.best_obj || r.best_ii < 0) {
    r.best_obj = obj;
    r.best_ii = ii;
    std::copy(x, x + image_size_, r.best_x.data());
  }
  if (!r.majority_ii && idxmax == r.unit) {
    r.majority_ii = ii;
    r.majority_obj = obj;
    std::copy(x, x + image_size_, r.majority_x.data());
  }
  r.last_obj = obj;
  r.last_ii = ii;
  std::copy(x, x + image_size_, r.last_x.data());
}

// 0. keep pixels valid; 1. forward and record.
void AscentRun::forward_and_record(int ii) {
  const int k_units = units();
  for (int k = 0; k < k_units; ++k) {
    if (records_[static_cast<size_t>(k)].running) clip_to_valid_pixels(k);
  }
  feed_network();
  net_.forward(input_, blob_);
  // The kind's diversity weight is a live setting; a composed objective carries its own.
  if (params_.objective_expr.empty()) objective_.set_diversity_weight(params_.diversity_weight);
  objective_.evaluate(net_.blob(blob_), params_.push_units, params_.push_dir, seed_);
  for (int k = 0; k < k_units; ++k) {
    if (records_[static_cast<size_t>(k)].running) record_forward(k, ii);
  }
}

// 3. The learning rate of the policy, for a gradient of norm `gnorm`.
double AscentRun::learning_rate(const UnitRecord& r, double gnorm) const {
  if (params_.lr_policy == LrPolicy::Progress) {
    return std::min(params_.max_lr, params_.desired_prog / (gnorm * gnorm));
  }
  if (params_.lr_policy == LrPolicy::Progress01) {
    const double desired = std::min(params_.early_prog, params_.late_prog_mult * (1.0 - r.obj.back()));
    return std::min(params_.max_lr, desired / (gnorm * gnorm));
  }
  return params_.lr;
}

// 4b. Blur every N, then the four percentile clips, in the paper's order.
void AscentRun::regularize(float* x, const float* g, int ii) {
  if (params_.blur_every > 0 && params_.blur_radius > 0.0 && ii % params_.blur_every == 0) {
    regularizers_.gaussian_blur(x, params_.blur_radius);
  }
  if (params_.small_val_percentile > 0) regularizers_.clip_small_values(x, params_.small_val_percentile);
  if (params_.small_norm_percentile > 0) regularizers_.clip_small_norm(x, params_.small_norm_percentile);
  if (params_.px_benefit_percentile > 0) regularizers_.clip_small_benefit(x, g, params_.px_benefit_percentile, false);
  if (params_.px_abs_benefit_percentile > 0) {
    regularizers_.clip_small_benefit(x, g, params_.px_abs_benefit_percentile, true);
  }
}

void AscentRun::stop_unit(UnitRecord& r, std::string failure) {
  if (!failure.empty()) r.failure = std::move(failure);
  r.running = false;
  --running_;
}

// 2-4 for element k: its variable's gradient, the stop tests, the learning rate, the update and the regularizers.
void AscentRun::update_unit(int k, const Tensor& g_x, int ii) {
  UnitRecord& r = records_[static_cast<size_t>(k)];
  float* x = x_.data() + k * image_size_;
  const float* g = g_x.data() + k * image_size_;
  const float* g_var = g;
  const bool fft = params_.param == ParamKind::Fft;
  if (fft) {
    g_var = grad_var_.data() + k * var_size_;
    fft_.adjoint(g, grad_var_.data() + k * var_size_);
  }
  const double gnorm = l2(g_var, var_size_);
  if (gnorm == 0.0) return stop_unit(r, "gradient zero");
  if (ii == params_.max_iter - 1) return stop_unit(r, {});
  const double lr = learning_rate(r, gnorm);
  if (!fft && params_.optimizer == OptimizerKind::Sgd) {  // the paper's update, kept exactly as it was
    const auto step_size = static_cast<float>(lr);
    const auto keep = static_cast<float>(1.0 - params_.decay);
    for (int64_t i = 0; i < image_size_; ++i) x[i] = (x[i] + step_size * g[i]) * keep;
  } else {
    update(k, lr, g_var, ii);
  }
  regularize(x, g, ii);
  for (int64_t i = 0; i < image_size_; ++i) {
    if (!std::isfinite(x[i])) return stop_unit(r, "NaN in x at iteration " + std::to_string(ii));
  }
}

bool AscentRun::step() {
  if (finished()) return false;
  const int ii = iteration_;
  forward_and_record(ii);
  // 2. backward from the objective's seed (the neuron's: the push direction at the unit, one element each).
  net_.backward_from(blob_, seed_, BackwardMode::Gradient, grads_);
  pixel_gradient();
  const Tensor& g_x = params_.transforms_on() ? grad_x_ : grad_pix_;
  for (int k = 0; k < units(); ++k) {
    if (records_[static_cast<size_t>(k)].running) update_unit(k, g_x, ii);
  }
  ++iteration_;
  return !finished();
}

}  // namespace deepvis::vis
