#include "compute/vis/regularizers.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::vis {

std::vector<double> scipy_gaussian_kernel(double sigma) {
  const int radius = static_cast<int>(4.0 * sigma + 0.5);
  std::vector<double> k(static_cast<size_t>(2 * radius + 1));
  double sum = 0.0;
  for (int i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * i * i / (sigma * sigma));
    k[static_cast<size_t>(i + radius)] = v;
    sum += v;
  }
  for (double& v : k) v /= sum;
  return k;
}

double percentile_linear(float* values, int64_t n, double q) {
  if (n <= 0) throw Error("percentile of an empty set");
  const double h = (static_cast<double>(n) - 1.0) * q / 100.0;
  const auto lo = static_cast<int64_t>(std::floor(h));
  std::nth_element(values, values + lo, values + n);
  const double a = values[lo];
  if (lo + 1 >= n) return a;
  const double b = *std::min_element(values + lo + 1, values + n);
  const double t = h - static_cast<double>(lo);
  // numpy's lerp, including its form for t >= 0.5, so ties at the threshold fall the same way.
  return t >= 0.5 ? b - (b - a) * (1.0 - t) : a + (b - a) * t;
}

void Regularizers::configure(int64_t channels, int64_t height, int64_t width) {
  c_ = channels;
  h_ = height;
  w_ = width;
  plane_.resize(static_cast<size_t>(h_ * w_));
  values_.resize(static_cast<size_t>(c_ * h_ * w_));
  per_pixel_.resize(static_cast<size_t>(h_ * w_));
  line_.reserve(static_cast<size_t>(std::max(h_, w_)) + 2048);
}

namespace {

// scipy 'reflect': the edge sample is repeated (d c b a | a b c d | d c b a), periodic beyond one length.
int64_t reflect(int64_t i, int64_t n) {
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// One pass of scipy's correlate1d along a line of `n` samples with stride `stride`, in double, stored as float.
void blur_line(float* data, int64_t n, int64_t stride, const std::vector<double>& k, std::vector<float>& line) {
  const auto radius = static_cast<int64_t>(k.size() / 2);
  line.resize(static_cast<size_t>(n + 2 * radius));
  for (int64_t i = -radius; i < n + radius; ++i) line[static_cast<size_t>(i + radius)] = data[reflect(i, n) * stride];
  for (int64_t i = 0; i < n; ++i) {
    double acc = 0.0;
    for (size_t j = 0; j < k.size(); ++j) acc += k[j] * line[static_cast<size_t>(i) + j];
    data[i * stride] = static_cast<float>(acc);
  }
}

}  // namespace

void Regularizers::gaussian_blur(float* image, double sigma) {
  if (sigma <= 0.0) return;
  if (sigma != kernel_sigma_) {  // kernels change only when the slider moves
    kernel_ = scipy_gaussian_kernel(sigma);
    kernel_sigma_ = sigma;
    line_.reserve(static_cast<size_t>(std::max(h_, w_)) + kernel_.size());
  }
  for (int64_t c = 0; c < c_; ++c) {
    float* plane = image + c * h_ * w_;
    // gaussian_filter filters axis 0 (rows of the plane: down the columns) first, then axis 1.
    for (int64_t x = 0; x < w_; ++x) blur_line(plane + x, h_, w_, kernel_, line_);
    for (int64_t y = 0; y < h_; ++y) blur_line(plane + y * w_, w_, 1, kernel_, line_);
  }
}

void Regularizers::clip_small_values(float* image, double q) {
  const int64_t n = c_ * h_ * w_;
  for (int64_t i = 0; i < n; ++i) values_[static_cast<size_t>(i)] = std::fabs(image[i]);
  const double threshold = percentile_linear(values_.data(), n, q);
  for (int64_t i = 0; i < n; ++i) {
    if (std::fabs(image[i]) < threshold) image[i] = 0.0f;
  }
}

void Regularizers::clip_small_norm(float* image, double q) {
  const int64_t hw = h_ * w_;
  for (int64_t p = 0; p < hw; ++p) {
    double s = 0.0;
    for (int64_t c = 0; c < c_; ++c) s += static_cast<double>(image[c * hw + p]) * image[c * hw + p];
    per_pixel_[static_cast<size_t>(p)] = static_cast<float>(std::sqrt(s));
  }
  std::copy(per_pixel_.begin(), per_pixel_.end(), values_.begin());
  const double threshold = percentile_linear(values_.data(), hw, q);
  for (int64_t p = 0; p < hw; ++p) {
    if (per_pixel_[static_cast<size_t>(p)] < threshold) {
      for (int64_t c = 0; c < c_; ++c) image[c * hw + p] = 0.0f;
    }
  }
}

void Regularizers::clip_small_benefit(float* image, const float* gradient, double q, bool absolute) {
  const int64_t hw = h_ * w_;
  for (int64_t p = 0; p < hw; ++p) {
    double b = 0.0;
    for (int64_t c = 0; c < c_; ++c) b += static_cast<double>(gradient[c * hw + p]) * -image[c * hw + p];
    per_pixel_[static_cast<size_t>(p)] = static_cast<float>(absolute ? std::fabs(b) : b);
  }
  std::copy(per_pixel_.begin(), per_pixel_.end(), values_.begin());
  const double threshold = percentile_linear(values_.data(), hw, q);
  for (int64_t p = 0; p < hw; ++p) {
    if (per_pixel_[static_cast<size_t>(p)] < threshold) {
      for (int64_t c = 0; c < c_; ++c) image[c * hw + p] = 0.0f;
    }
  }
}

}  // namespace deepvis::vis
