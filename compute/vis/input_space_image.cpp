#include "compute/vis/input_space_image.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis {

cv::Mat signed_to_bgr_image(const Tensor& signal, bool bgr_channels) {
  const int64_t channels = signal.dim(1);
  const int h = static_cast<int>(signal.dim(2));
  const int w = static_cast<int>(signal.dim(3));
  float peak = 0.0f;
  for (int64_t i = 0; i < channels * h * w; ++i) peak = std::max(peak, std::fabs(signal.at(i)));
  const float gain = peak > 0.0f ? 127.0f / peak : 0.0f;
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    auto* row = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        // Gray models fill all three; RGB data goes to BGR slots reversed.
        const int64_t src = channels >= 3 ? (bgr_channels ? c : 2 - c) : 0;
        const float v = signal.at((src * h + y) * w + x);
        row[x][c] = static_cast<uint8_t>(std::lround(std::clamp(128.0f + gain * v, 0.0f, 255.0f)));
      }
    }
  }
  return out;
}

}  // namespace deepvis
