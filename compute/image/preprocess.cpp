#include "compute/image/preprocess.hpp"

#include "compute/core/error.hpp"
#include "compute/image/face_crop.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace deepvis {

CropMode parse_crop_mode(const std::string& name) {
  if (name == "center" || name == "centre") return CropMode::Center;
  if (name == "stretch") return CropMode::Stretch;
  if (name == "face") return CropMode::Face;
  throw Error("unknown crop mode '" + name + "' (center, stretch or face)");
}

const char* crop_mode_name(CropMode mode) {
  switch (mode) {
    case CropMode::Center: return "center";
    case CropMode::Stretch: return "stretch";
    case CropMode::Face: return "face";
  }
  return "?";
}

namespace {

float channel_value(const std::vector<float>& v, size_t c, float fallback, const char* what) {
  if (v.empty()) return fallback;
  if (v.size() == 1) return v[0];
  if (c >= v.size())
    throw Error(std::string("--") + what + " has " + std::to_string(v.size()) + " values, the model has more channels");
  return v[c];
}

}  // namespace

Tensor preprocess_image(const cv::Mat& rgb, const Preprocess& p, const Dims& input_dims, bool* no_face) {
  if (input_dims.size() != 4) throw Error("the model's input is " + to_string(input_dims) + ", not an image (N,C,H,W)");
  const int64_t channels = input_dims[1];
  const int width = p.width > 0 ? p.width : static_cast<int>(input_dims[3]);
  const int height = p.height > 0 ? p.height : static_cast<int>(input_dims[2]);
  if (channels != 1 && channels != 3) {
    throw Error("the model expects " + std::to_string(channels) + " input channels; give a preprocessed .npy");
  }
  if (no_face) *no_face = false;
  cv::Mat resized;
  FaceCrop face;
  if (p.crop == CropMode::Face) {
    face = find_face_crop(rgb);
    if (!face.found && no_face) *no_face = true;
  }
  if (p.crop == CropMode::Stretch || face.found) {
    const cv::Mat region = face.found ? rgb(face.box) : rgb;
    cv::resize(region, resized, cv::Size(width, height), 0, 0, cv::INTER_AREA);
  } else {
    // Scale so the image covers the target, then take the centre.
    const double s = std::max(static_cast<double>(width) / rgb.cols, static_cast<double>(height) / rgb.rows);
    const int w = std::max(width, static_cast<int>(std::lround(rgb.cols * s)));
    const int h = std::max(height, static_cast<int>(std::lround(rgb.rows * s)));
    cv::Mat scaled;
    cv::resize(rgb, scaled, cv::Size(w, h), 0, 0, s < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
    resized = scaled(cv::Rect((w - width) / 2, (h - height) / 2, width, height));
  }
  cv::Mat pixels;
  if (channels == 1)
    cv::cvtColor(resized, pixels, cv::COLOR_RGB2GRAY);
  else if (p.bgr)
    cv::cvtColor(resized, pixels, cv::COLOR_RGB2BGR);
  else
    pixels = resized;

  Tensor t({1, channels, height, width});
  for (int64_t c = 0; c < channels; ++c) {
    const float mean = channel_value(p.mean, static_cast<size_t>(c), 0.0f, "mean");
    const float stdev = channel_value(p.stdev, static_cast<size_t>(c), 1.0f, "std");
    float* plane = t.data() + c * height * width;
    for (int y = 0; y < height; ++y) {
      const uint8_t* row = pixels.ptr<uint8_t>(y);
      for (int x = 0; x < width; ++x) {
        plane[y * width + x] = (static_cast<float>(row[x * channels + c]) * p.scale - mean) / stdev;
      }
    }
  }
  return t;
}

cv::Mat deprocess_to_rgb(const Tensor& input, const Preprocess& p) {
  const int64_t channels = input.dim(1);
  const int height = static_cast<int>(input.dim(2));
  const int width = static_cast<int>(input.dim(3));
  cv::Mat out(height, width, channels == 1 ? CV_8UC1 : CV_8UC3);
  for (int64_t c = 0; c < std::min<int64_t>(channels, 3); ++c) {
    const float mean = channel_value(p.mean, static_cast<size_t>(c), 0.0f, "mean");
    const float stdev = channel_value(p.stdev, static_cast<size_t>(c), 1.0f, "std");
    const float* plane = input.data() + c * height * width;
    // In BGR mode channel 0 is blue; write it where RGB keeps blue.
    const int64_t dst = (p.bgr && channels == 3) ? 2 - c : c;
    for (int y = 0; y < height; ++y) {
      uint8_t* row = out.ptr<uint8_t>(y);
      for (int x = 0; x < width; ++x) {
        const float v = (plane[y * width + x] * stdev + mean) / p.scale;
        row[x * out.channels() + dst] = cv::saturate_cast<uint8_t>(std::lround(v));
      }
    }
  }
  if (channels == 1) cv::cvtColor(out, out, cv::COLOR_GRAY2RGB);
  return out;
}

}  // namespace deepvis
