#include "app/capture/camera_size.hpp"

#include "compute/core/error.hpp"

#include <cctype>

namespace deepvis::app {

namespace {

constexpr int kMaxSide = 16384;

// A run of decimal digits as a positive int no larger than kMaxSide, else -1.
int parse_side(const std::string& digits) {
  if (digits.empty() || digits.size() > 5) return -1;
  int value = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= kMaxSide ? value : -1;
}

}  // namespace

cv::Size parse_camera_size(const std::string& text) {
  if (text.empty()) return cv::Size();
  const size_t x = text.find_first_of("xX");
  const int width = x == std::string::npos ? -1 : parse_side(text.substr(0, x));
  const int height = x == std::string::npos ? -1 : parse_side(text.substr(x + 1));
  if (width < 0 || height < 0) {
    throw Error("camera size '" + text + "' is not WIDTHxHEIGHT with each side 1.." + std::to_string(kMaxSide) +
                " (e.g. 640x480)");
  }
  return cv::Size(width, height);
}

std::string camera_size_text(cv::Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

}  // namespace deepvis::app
