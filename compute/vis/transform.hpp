#pragma once
// Lucid-style random transforms of the image before each forward, for models of a fixed input size: every
// transform maps an H x W image to an H x W image, linearly (the fill value is 0, i.e. the mean pixel in the
// optimizer's pixel space), so the gradient flows back through the exact adjoint T^T. In order:
//   jitter  circular shift by (jy, jx), each uniform in [-jitter, jitter] (DeepDream's np.roll: no border)
//   pad     constant pad by `pad` and crop back H x W at a random offset: a shift by (py, px), each uniform in
//           [-pad, pad], the uncovered border filled with the constant (Lucid's pad + crop)
//   scale   zoom by s, uniform in [scale_min, scale_max], about the image centre, bilinear
//   rotate  by a, uniform in [-rotate, rotate] degrees (counterclockwise on screen), about the centre, bilinear
// Scale and rotate are one bilinear resampling; samples falling outside the image read the constant.
// The whole composite is a table of at most 4 (source, weight) taps per output pixel, built once per draw:
// apply() gathers, adjoint() scatters with the same taps, so <T x, y> = <x, T^T y> holds to rounding.
#include <cstdint>
#include <random>
#include <vector>

namespace deepvis::vis {

struct TransformRanges {
  int jitter = 0;
  int pad = 0;
  double scale_min = 1.0, scale_max = 1.0;
  double rotate_deg = 0.0;
};

struct TransformDraw {
  int jitter_y = 0, jitter_x = 0;
  int pad_y = 0, pad_x = 0;
  double scale = 1.0;
  double angle_deg = 0.0;
};

// One draw; only the enabled transforms consume random numbers.
TransformDraw draw_transform(const TransformRanges& ranges, std::mt19937& rng);

class ImageTransform {
 public:
  ImageTransform() = default;
  ImageTransform(int64_t height, int64_t width);  // allocates the tap table; identity until set()

  void set(const TransformDraw& draw);  // rebuilds the taps; allocates nothing
  const TransformDraw& draw() const { return draw_; }

  // out = T x and out = T^T g for `channels` planes of H x W; `out` must not alias the source.
  void apply(const float* x, float* out, int64_t channels) const;
  void adjoint(const float* g, float* out, int64_t channels) const;

 private:
  static constexpr int kTaps = 4;
  int64_t h_ = 0, w_ = 0;
  TransformDraw draw_;
  std::vector<int32_t> source_;  // per output pixel, kTaps source indices into the plane (-1: the constant)
  std::vector<float> weight_;
};

}  // namespace deepvis::vis
