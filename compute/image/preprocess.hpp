#pragma once
// From an 8-bit image to the network's input tensor: resize/crop, channel order, then
// input = (p * scale - mean) / std per channel, where p is the 0..255 pixel value.
//   Caffe style:       scale 1,     mean (104, 117, 123) in BGR order, std 1.
//   torchvision style: scale 1/255, mean (0.485, 0.456, 0.406),       std (0.229, 0.224, 0.225).
#include "compute/core/tensor.hpp"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace deepvis {

// Center: scale to cover the input, take the middle. Stretch: resize, ignoring the aspect ratio. Face: the
// largest face (compute/image/face_crop.hpp) stretched to the input; a centre crop when there is none.
enum class CropMode { Center, Stretch, Face };

struct Preprocess {
  int width = 0;   // 0: take the model's input width
  int height = 0;  // 0: take the model's input height
  CropMode crop = CropMode::Center;
  bool bgr = false;  // feed channels in B, G, R order (mean and std are given in that order too)
  float scale = 1.0f;
  std::vector<float> mean;   // one per channel; empty: zeros
  std::vector<float> stdev;  // one per channel; empty: ones
};

CropMode parse_crop_mode(const std::string& name);  // "center" | "stretch" | "face"; throws Error otherwise
const char* crop_mode_name(CropMode mode);

// `rgb` is 8-bit RGB (compute/image/load_image.hpp). `input_dims` is the model's (N, C, H, W); the result is
// (1, C, height, width). C = 1 converts to gray; C = 3 uses the colour order asked for; other C throw
// deepvis::Error (feed a preprocessed .npy instead). With CropMode::Face, `no_face` (when given) is set to whether
// no face was found and the centre crop was used instead, so the caller can say so.
Tensor preprocess_image(const cv::Mat& rgb, const Preprocess& p, const Dims& input_dims, bool* no_face = nullptr);

// The inverse for display: tensor (1, C, H, W) in network space back to 8-bit RGB (C = 1 gives gray).
cv::Mat deprocess_to_rgb(const Tensor& input, const Preprocess& p);

}  // namespace deepvis
