#include "tests/support/drawn_face.hpp"

#include <opencv2/imgproc.hpp>

namespace deepvis::test {

void draw_face(cv::Mat& gray, int cx, int cy, int s) {
  const auto at = [&](double dx, double dy) {
    return cv::Point(cx + static_cast<int>(dx * s), cy + static_cast<int>(dy * s));
  };
  const auto axes = [&](double ax, double ay) { return cv::Size(static_cast<int>(ax * s), static_cast<int>(ay * s)); };
  cv::ellipse(gray, at(0, 0), axes(0.8, 1.0), 0, 0, 360, cv::Scalar(200), -1);
  for (int side : {-1, 1}) {
    cv::ellipse(gray, at(side * 0.35, -0.38), axes(0.22, 0.06), 0, 0, 360, cv::Scalar(60), -1);
    cv::ellipse(gray, at(side * 0.35, -0.2), axes(0.17, 0.09), 0, 0, 360, cv::Scalar(40), -1);
  }
  cv::ellipse(gray, at(0, 0.1), axes(0.08, 0.2), 0, 0, 360, cv::Scalar(170), -1);
  cv::ellipse(gray, at(0, 0.25), axes(0.12, 0.05), 0, 0, 360, cv::Scalar(120), -1);
  cv::ellipse(gray, at(0, 0.55), axes(0.28, 0.08), 0, 0, 360, cv::Scalar(70), -1);
}

cv::Mat to_rgb(const cv::Mat& gray, double blur_sigma) {
  cv::Mat blurred;
  cv::GaussianBlur(gray, blurred, cv::Size(0, 0), blur_sigma);
  cv::Mat rgb;
  cv::cvtColor(blurred, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

}  // namespace deepvis::test
