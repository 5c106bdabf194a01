#include "app/engine/backward_display.hpp"

#include "compute/core/error.hpp"
#include "compute/vis/input_space_image.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace deepvis::app {

cv::Mat channel_norm(const Tensor& signal) {
  if (signal.rank() != 4)
    throw Error("backward display: expected a (1, C, H, W) signal, got " + to_string(signal.dims()));
  const int64_t channels = signal.dim(1);
  const int h = static_cast<int>(signal.dim(2));
  const int w = static_cast<int>(signal.dim(3));
  cv::Mat norm(h, w, CV_32F, cv::Scalar(0));
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int y = 0; y < h; ++y) {
    auto* row = norm.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      double sum = 0.0;
      for (int64_t c = 0; c < channels; ++c) {
        const double v = signal.at(c * plane + static_cast<int64_t>(y) * w + x);
        sum += v * v;
      }
      row[x] = static_cast<float>(std::sqrt(sum));
    }
  }
  return norm;
}

double default_blur_sigma(int width, int height) {
  return std::max(0.5, 4.0 * std::min(width, height) / 227.0);
}

cv::Mat backward_display_image(const Tensor& signal, BackwardDisplay display, bool bgr_channels) {
  if (display == BackwardDisplay::Raw) return signed_to_bgr_image(signal, bgr_channels);
  cv::Mat norm = channel_norm(signal);
  if (display == BackwardDisplay::NormBlur) {
    cv::GaussianBlur(norm, norm, cv::Size(0, 0), default_blur_sigma(norm.cols, norm.rows));
  }
  double peak = 0.0;
  cv::minMaxLoc(norm, nullptr, &peak);
  cv::Mat gray;
  norm.convertTo(gray, CV_8U, peak > 0.0 ? 255.0 / peak : 0.0);
  cv::Mat bgr;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  return bgr;
}

}  // namespace deepvis::app
