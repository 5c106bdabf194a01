#pragma once
// Reading recordings back in tests: every frame OpenCV can decode, and how far two frames are apart.
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include <string>
#include <vector>

namespace deepvis::test {

// Every frame of the file that decodes, in order (none when it does not open).
inline std::vector<cv::Mat> decode_video(const std::string& path) {
  std::vector<cv::Mat> frames;
  cv::VideoCapture capture(path);
  cv::Mat f;
  while (capture.read(f) && !f.empty()) frames.push_back(f.clone());
  return frames;
}

// Mean absolute difference over the three channels of two BGR frames of one size.
inline double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const cv::Scalar m = cv::mean(d);
  return (m[0] + m[1] + m[2]) / 3.0;
}

}  // namespace deepvis::test
