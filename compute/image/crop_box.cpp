#include "compute/image/crop_box.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis {

cv::Rect2d input_crop_box(cv::Size image, cv::Size target, CropMode mode, const FaceCrop& face) {
  if (image.width <= 0 || image.height <= 0 || target.width <= 0 || target.height <= 0) return cv::Rect2d();
  if (mode == CropMode::Face && face.found) return cv::Rect2d(face.box);
  if (mode == CropMode::Stretch) return cv::Rect2d(0.0, 0.0, image.width, image.height);
  // The centre crop as preprocess_image does it: scale so the image covers the target (sides rounded to whole
  // pixels), take the target's size from the middle of the scaled image, then map that back by each axis' scale.
  const double s =
      std::max(static_cast<double>(target.width) / image.width, static_cast<double>(target.height) / image.height);
  const int w = std::max(target.width, static_cast<int>(std::lround(image.width * s)));
  const int h = std::max(target.height, static_cast<int>(std::lround(image.height * s)));
  const double sx = static_cast<double>(w) / image.width;
  const double sy = static_cast<double>(h) / image.height;
  // The crop's offset is a whole pixel (integer halving), as preprocess_image takes it.
  const int left = (w - target.width) / 2;
  const int top = (h - target.height) / 2;
  return cv::Rect2d(left / sx, top / sy, target.width / sx, target.height / sy);
}

}  // namespace deepvis
