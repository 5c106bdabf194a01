#pragma once
// Reading back what was drawn, for screenshots and headless tests.
#include <opencv2/core/mat.hpp>

#include <string>

namespace deepvis::render {

// Reads the currently bound read framebuffer (width x height from the origin) as a top-down BGR image,
// ready for cv::imwrite.
cv::Mat read_framebuffer_bgr(int width, int height);

// Writes the image; throws deepvis::Error naming the file when the encoder or the disk fails.
void write_image(const std::string& path, const cv::Mat& bgr);

}  // namespace deepvis::render
