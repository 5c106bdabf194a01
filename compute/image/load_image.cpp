#include "compute/image/load_image.hpp"

#include "compute/core/error.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace deepvis {

cv::Mat load_image_rgb(const std::string& path) {
  // OpenCV's imread returns an empty Mat for every failure; check the file first so the message says why.
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error("cannot read image '" + path + "': file not found");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw Error("cannot read image '" + path + "': is a directory");
  }
  if (!std::ifstream(path, std::ios::binary)) {
    throw Error("cannot read image '" + path + "': " + std::strerror(errno));
  }
  cv::Mat raw = cv::imread(path, cv::IMREAD_UNCHANGED);
  if (raw.empty()) {
    throw Error("cannot read image '" + path + "': not a decodable image (corrupt or unsupported format)");
  }
  if (raw.depth() != CV_8U) {
    // 16-bit PNG/TIFF: keep the full range by scaling to 8 bits rather than truncating.
    cv::Mat scaled;
    raw.convertTo(scaled, CV_8U, raw.depth() == CV_16U ? 1.0 / 257.0 : 255.0);
    raw = scaled;
  }
  cv::Mat rgb;
  switch (raw.channels()) {
    case 1: cv::cvtColor(raw, rgb, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(raw, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(raw, rgb, cv::COLOR_BGRA2RGB); break;
    default:
      throw Error("cannot read image '" + path + "': unsupported channel count " + std::to_string(raw.channels()));
  }
  return rgb;
}

}  // namespace deepvis
