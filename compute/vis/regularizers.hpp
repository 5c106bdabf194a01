#pragma once
// The regularizers of the paper's optimizer (shared/spec/deep-visualization.md §3), matched to the original's
// numerics: scipy.ndimage.gaussian_filter's blur and numpy.percentile's default interpolation.
// All operate on one image (C, H, W) in place and allocate nothing after configure().
#include <cstdint>
#include <vector>

namespace deepvis::vis {

// scipy.ndimage's sampled Gaussian: radius int(4 * sigma + 0.5), weights exp(-x^2 / (2 sigma^2)), normalized.
std::vector<double> scipy_gaussian_kernel(double sigma);

// numpy.percentile(values, q) with the default 'linear' method. Reorders `values` (selection, not a full sort).
double percentile_linear(float* values, int64_t n, double q);

class Regularizers {
 public:
  // Sizes the scratch space for images of (channels, height, width).
  void configure(int64_t channels, int64_t height, int64_t width);

  // Each (H, W) plane blurred with scipy's kernel for `sigma`, boundary mode 'reflect' (d c b a | a b c d).
  void gaussian_blur(float* image, double sigma);
  // Zero entries with |x| strictly below the q-th percentile of |x|.
  void clip_small_values(float* image, double q);
  // Zero every channel of the pixels whose L2 norm over channels is strictly below the q-th percentile of norms.
  void clip_small_norm(float* image, double q);
  // b = sum over channels of (g * -x) (or |b| when `absolute`); zero the pixels with b strictly below the q-th
  // percentile of b.
  void clip_small_benefit(float* image, const float* gradient, double q, bool absolute);

 private:
  int64_t c_ = 0, h_ = 0, w_ = 0;
  std::vector<float> plane_;   // one blurred plane before it is written back
  std::vector<float> line_;    // one padded row or column
  std::vector<float> values_;  // percentile input (destroyed by selection)
  std::vector<float> per_pixel_;
  double kernel_sigma_ = -1.0;
  std::vector<double> kernel_;
};

}  // namespace deepvis::vis
