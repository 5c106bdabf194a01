#pragma once
// Runs the deepvis window headlessly: under the current display when there is one, else under xvfb-run
// (Xvfb + Mesa llvmpipe), and returns the screenshot it wrote.
#include "tests/support/process.hpp"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace deepvis::test {

struct ScreenshotRun {
  ProcessResult process;
  cv::Mat screenshot_bgr;  // empty when the run failed to write one
};

ScreenshotRun run_gui_screenshot(const std::vector<std::string>& extra_args, const TempDir& dir, int frames = 3);

// Bounding box of the pixels within `tolerance` (per channel) of `bgr`; empty rect when none.
cv::Rect find_colour(const cv::Mat& image_bgr, const cv::Vec3b& bgr, int tolerance);

}  // namespace deepvis::test

namespace deepvis::test {

// A drawn T-shirt in grays, light on black like Fashion-MNIST's images (gray, so RGB and BGR orders agree).
cv::Mat drawn_shirt_image();

}  // namespace deepvis::test
