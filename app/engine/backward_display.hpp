#pragma once
// The display forms of a backward view's input-space signal, as the original toolbox offered them:
//   raw:       signed values mapped around gray, 128 + 127 * v / max|v| (compute/vis/input_space_image.hpp);
//   norm:      per pixel the L2 norm over channels, n / max(n), as gray;
//   norm-blur: that norm blurred with a Gaussian (sigma from default_blur_sigma) before dividing by its max.
// An all-zero signal gives gray 128 (raw) or black (norm forms).
#include "app/engine/engine_settings.hpp"
#include "compute/core/tensor.hpp"

#include <opencv2/core/mat.hpp>

namespace deepvis::app {

// Per-pixel L2 norm over the channels of `signal` (1, C, H, W), as an H x W CV_32F image.
cv::Mat channel_norm(const Tensor& signal);

// The original blurred with sigma 4 at 227 px inputs; keep the same fraction of the image at other sizes.
double default_blur_sigma(int width, int height);

// 8-bit BGR display image of `signal` (1, C, H, W). `bgr_channels`: the tensor's channels are in B, G, R order.
cv::Mat backward_display_image(const Tensor& signal, BackwardDisplay display, bool bgr_channels);

}  // namespace deepvis::app
