#pragma once
// Where the network's input comes from in the source image: the rectangle preprocess_image() resizes to the
// network's input size, for drawing over the input panel. Kept next to the preprocessing and tested against it.
#include "compute/image/face_crop.hpp"
#include "compute/image/preprocess.hpp"

#include <opencv2/core/types.hpp>

namespace deepvis {

// In source pixel units, (0, 0) the image's top-left corner: the centre crop's box is fractional when the scale
// is not a whole number. `target` is the network input's width and height. Stretch: the whole image. Face: the
// face's box when one was found (`face`, as find_face_crop returned it), else the centre crop, as preprocess_image
// falls back to.
cv::Rect2d input_crop_box(cv::Size image, cv::Size target, CropMode mode, const FaceCrop& face = FaceCrop{});

}  // namespace deepvis
