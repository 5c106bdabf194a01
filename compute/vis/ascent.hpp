#pragma once
// The paper's regularized gradient ascent as a step machine: construct, then call step() until it returns false.
// The live GUI calls step() between frames and may change regularizers between steps; the CLI loops.
//
// Input scaling: the presets' numbers (learning rates, noise of 10, pixel range 0..255) are in Caffe's units,
// pixels 0..255 minus the mean. deepvis therefore optimizes in that "pixel space" for every model: with the
// model's preprocessing input = (p * scale - mean) / std, the state is x = p - p0 with p0 = mean / scale (the
// pixel value the network sees as 0), the network is fed gain * x with gain = scale / std per channel, and the
// gradient is taken in pixel space, d/dx = gain * d/dinput. A Caffe model (scale 1, std 1) gets exactly the
// original's behaviour, and the same preset behaves the same for a model fed 0..1 or mean/std-normalized input.
//
// Beyond the original (all off by default; then the loop is the paper's, bit for bit), one step is:
//   0. clip x to valid pixels (as the paper)
//   1. draw this step's random transform T (params.transform_list(): by default jitter, pad, scale, rotate; one
//      draw shared by the batch, so a unit in a batch runs as it would alone); forward gain * T(x); the objective
//      gives a value per element and the seed dJ/d(layer) (compute/vis/objective.hpp); record
//   2. one backward; g_x = T^T (gain * d/dinput), the pixel-space gradient
//   3. the optimized variable v is x (pixel) or a spectrum s with x = P(s) (fft, compute/vis/fft_param.hpp);
//      g_v = g_x or P^T g_x. "gradient zero" and the lr policies use |g_v|.
//   4. delta_v = lr * g_v (sgd) or Adam's step (constant lr); x = (x + delta_x) * (1 - decay) with delta_x =
//      delta_v or P(delta_v); then the paper's blur and percentile clips on x (benefit clips with g_x).
// With fft, x stays the state and s = P^+ x is implied: P is linear and P P^+ = I, so stepping s and decoding
// equals x += P(delta_s); the pixel-space regularizers act on the decoded image as with pixel, and Adam's moments
// live in spectrum space. P has Lucid's scale, made for Adam (lr ~0.05): a constant sgd lr acts through P P^T,
// whose mean gain is ~2400x a pixel step's at 64 x 64 (mostly low frequencies), so the presets' constant lr 100
// overshoots; the progress policies are scale-free. Records (obj, best, last) are of the objective's value on the
// transformed image; idxmax and majority still compare the unit's channel at its position. With the diversity objective
// and a random start, every element after the first draws its own start (identical elements cannot separate).
#include "compute/core/net.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/vis/adam.hpp"
#include "compute/vis/ascent_params.hpp"
#include "compute/vis/fft_param.hpp"
#include "compute/vis/objective.hpp"
#include "compute/vis/objective_expr.hpp"
#include "compute/vis/regularizers.hpp"
#include "compute/vis/transform.hpp"

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace deepvis::vis {

struct PixelSpace {
  std::vector<float> gain;    // per channel: scale / std
  std::vector<float> offset;  // per channel: p0 = mean / scale
  bool bgr = false;           // channels are B, G, R (the FFT parameterization's colour matrix needs the order)
};

PixelSpace pixel_space(const Preprocess& p, int64_t channels);

// Everything recorded for one unit, with the original's names.
struct UnitRecord {
  int64_t unit = 0;
  std::vector<int> ii;
  std::vector<double> obj;
  std::vector<int64_t> idxmax;
  std::vector<double> norm, dist, std;
  double best_obj = 0.0;
  int best_ii = -1;
  Tensor best_x;  // (C, H, W) in pixel space
  std::optional<double> majority_obj;
  std::optional<int> majority_ii;
  Tensor majority_x;
  double last_obj = 0.0;
  int last_ii = -1;
  Tensor last_x;
  std::string failure;  // "gradient zero" or "NaN in x" when the unit stopped early
  bool running = true;

  std::string meta_result() const { return majority_ii ? "majority success" : "majority failure"; }
};

class AscentRun {
 public:
  // `net` is re-planned for a batch of params.push_units.size(). `start_image` (1, C, H, W, network space) is used
  // when params.start_at is Image. Throws deepvis::Error for a bad layer, unit or position, or invalid params.
  AscentRun(Net& net, const AscentParams& params, const PixelSpace& space, const Tensor* start_image = nullptr);

  // One iteration for every unit still running; false once every unit has finished.
  bool step();
  bool finished() const { return iteration_ >= params_.max_iter || running_ == 0; }
  int iteration() const { return iteration_; }  // the next ii to run

  // Regularizers, schedule, transforms, the diversity weight and Adam's betas take effect from the next step; the
  // target, start point, objective kind, parameterization and optimizer need a new run.
  void update_params(const AscentParams& params);
  const AscentParams& params() const { return params_; }

  int units() const { return static_cast<int>(records_.size()); }
  const UnitRecord& record(int k) const { return records_.at(static_cast<size_t>(k)); }
  const Tensor& x() const { return x_; }  // (K, C, H, W) pixel space
  const PixelSpace& space() const { return space_; }
  int target_blob() const { return blob_; }
  const CompositeObjective& objective() const { return objective_; }
  const ImageTransform& transform() const { return transform_; }  // the last step's draw

 private:
  void clip_to_valid_pixels(int k);
  void feed_network();
  void forward_and_record(int ii);
  double learning_rate(const UnitRecord& r, double gnorm) const;
  void regularize(float* x, const float* g, int ii);
  void update_unit(int k, const Tensor& g_x, int ii);
  void stop_unit(UnitRecord& r, std::string failure);
  void record_forward(int k, int ii);
  void pixel_gradient();
  void update(int k, double lr, const float* g_var, int ii);

  Net& net_;
  AscentParams params_;
  PixelSpace space_;
  int blob_ = -1;
  int64_t channels_ = 0, height_ = 0, width_ = 0, image_size_ = 0;
  int64_t pos_y_ = 0, pos_x_ = 0;  // unit position for conv layers
  bool spatial_ = false;
  Tensor x_, x0_, input_, grad_pix_, grad_x_, seed_;
  Gradients grads_;
  Regularizers regularizers_;
  CompositeObjective objective_;
  ImageTransform transform_;
  TransformList transform_list_;  // params_.transform_list(), kept so that step() allocates nothing
  std::vector<StepDraw> transform_draws_;
  std::mt19937 transform_rng_;
  FftParam fft_;
  Adam adam_;
  int64_t var_size_ = 0;                  // floats of the optimized variable per element
  std::vector<float> grad_var_;           // fft: P^T g_x per element
  std::vector<float> delta_, delta_pix_;  // one element's step
  std::vector<UnitRecord> records_;
  int iteration_ = 0;
  int running_ = 0;
};

}  // namespace deepvis::vis
