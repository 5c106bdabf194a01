#include "compute/vis/transform.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::vis {

TransformDraw draw_transform(const TransformRanges& r, std::mt19937& rng) {
  TransformDraw d;
  if (r.jitter > 0) {
    std::uniform_int_distribution<int> shift(-r.jitter, r.jitter);
    d.jitter_y = shift(rng);
    d.jitter_x = shift(rng);
  }
  if (r.pad > 0) {
    std::uniform_int_distribution<int> shift(-r.pad, r.pad);
    d.pad_y = shift(rng);
    d.pad_x = shift(rng);
  }
  if (r.scale_max > r.scale_min) {
    d.scale = std::uniform_real_distribution<double>(r.scale_min, r.scale_max)(rng);
  } else {
    d.scale = r.scale_min;
  }
  if (r.rotate_deg > 0.0) d.angle_deg = std::uniform_real_distribution<double>(-r.rotate_deg, r.rotate_deg)(rng);
  return d;
}

ImageTransform::ImageTransform(int64_t height, int64_t width) : h_(height), w_(width) {
  source_.assign(static_cast<size_t>(h_ * w_ * kTaps), -1);
  weight_.assign(static_cast<size_t>(h_ * w_ * kTaps), 0.0f);
  set(TransformDraw{});
}

void ImageTransform::set(const TransformDraw& draw) {
  draw_ = draw;
  const bool resample = draw.scale != 1.0 || draw.angle_deg != 0.0;
  const double kPi = 3.14159265358979323846;
  const double angle = draw.angle_deg * kPi / 180.0;
  const double cos_a = std::cos(angle) / draw.scale, sin_a = std::sin(angle) / draw.scale;
  const double cy = 0.5 * static_cast<double>(h_ - 1), cx = 0.5 * static_cast<double>(w_ - 1);
  auto wrap = [](int64_t v, int64_t n) { return ((v % n) + n) % n; };
  // A pixel of the jittered, padded image (a, b) read back to an index of x, or -1 for the constant.
  auto source_of = [&](int64_t a, int64_t b) -> int32_t {
    if (a < 0 || a >= h_ || b < 0 || b >= w_) return -1;  // outside the resampled image
    a -= draw.pad_y;
    b -= draw.pad_x;
    if (a < 0 || a >= h_ || b < 0 || b >= w_) return -1;  // the pad's constant border
    return static_cast<int32_t>(wrap(a - draw.jitter_y, h_) * w_ + wrap(b - draw.jitter_x, w_));
  };
  for (int64_t i = 0; i < h_; ++i) {
    for (int64_t j = 0; j < w_; ++j) {
      int32_t* src = source_.data() + (i * w_ + j) * kTaps;
      float* wt = weight_.data() + (i * w_ + j) * kTaps;
      std::fill(src, src + kTaps, -1);
      std::fill(wt, wt + kTaps, 0.0f);
      if (!resample) {
        src[0] = source_of(i, j);
        wt[0] = 1.0f;
        continue;
      }
      // Output (i, j) samples the source at the inverse rotation and zoom about the centre.
      const double dy = static_cast<double>(i) - cy, dx = static_cast<double>(j) - cx;
      const double u = cy + sin_a * dx + cos_a * dy;
      const double v = cx + cos_a * dx - sin_a * dy;
      const double u0 = std::floor(u), v0 = std::floor(v);
      const double fu = u - u0, fv = v - v0;
      const auto a = static_cast<int64_t>(u0), b = static_cast<int64_t>(v0);
      const double taps[kTaps] = {(1 - fu) * (1 - fv), (1 - fu) * fv, fu * (1 - fv), fu * fv};
      for (int t = 0; t < kTaps; ++t) {
        src[t] = source_of(a + t / 2, b + t % 2);
        wt[t] = static_cast<float>(taps[t]);
      }
    }
  }
}

void ImageTransform::apply(const float* x, float* out, int64_t channels) const {
  const int64_t plane = h_ * w_;
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * plane;
    float* oc = out + c * plane;
    for (int64_t p = 0; p < plane; ++p) {
      const int32_t* src = source_.data() + p * kTaps;
      const float* wt = weight_.data() + p * kTaps;
      float v = 0.0f;
      for (int t = 0; t < kTaps; ++t) {
        if (src[t] >= 0) v += wt[t] * xc[src[t]];
      }
      oc[p] = v;
    }
  }
}

void ImageTransform::adjoint(const float* g, float* out, int64_t channels) const {
  const int64_t plane = h_ * w_;
  std::fill(out, out + channels * plane, 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    const float* gc = g + c * plane;
    float* oc = out + c * plane;
    for (int64_t p = 0; p < plane; ++p) {
      const int32_t* src = source_.data() + p * kTaps;
      const float* wt = weight_.data() + p * kTaps;
      for (int t = 0; t < kTaps; ++t) {
        if (src[t] >= 0) oc[src[t]] += wt[t] * gc[p];
      }
    }
  }
}

}  // namespace deepvis::vis
