#pragma once
// Display forms of an input-space signal (gradient, deconv, guided backprop), as the original toolbox showed them.
#include "compute/core/tensor.hpp"

#include <opencv2/core/mat.hpp>

namespace deepvis {

// Signed values mapped around gray: 128 + 127 * v / max|v| per entry, all channels scaled together.
// `bgr_channels` says the tensor's channels are in B, G, R order. Returns an 8-bit BGR image (for imwrite).
cv::Mat signed_to_bgr_image(const Tensor& signal, bool bgr_channels);

}  // namespace deepvis
