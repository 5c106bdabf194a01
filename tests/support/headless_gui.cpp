#include "tests/support/headless_gui.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>

namespace deepvis::test {

ScreenshotRun run_gui_screenshot(const std::vector<std::string>& extra_args, const TempDir& dir, int frames) {
  const std::string shot = dir.path("screenshot.png");
  std::vector<std::string> argv = {
      deepvis_binary(), "--frames", std::to_string(frames), "--screenshot", shot, "--width", "1024", "--height", "700"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  const char* display = std::getenv("DISPLAY");
  const bool have_display = display && *display;
  // -a picks a free server number, so parallel test runs do not collide.
  const std::string prefix = have_display ? "" : "xvfb-run -a -s '-screen 0 1280x1024x24'";
  ScreenshotRun run;
  run.process = run_process(argv, prefix);
  run.screenshot_bgr = cv::imread(shot, cv::IMREAD_COLOR);
  return run;
}

cv::Rect find_colour(const cv::Mat& image_bgr, const cv::Vec3b& bgr, int tolerance) {
  const cv::Scalar lo(bgr[0] - tolerance, bgr[1] - tolerance, bgr[2] - tolerance);
  const cv::Scalar hi(bgr[0] + tolerance, bgr[1] + tolerance, bgr[2] + tolerance);
  cv::Mat mask;
  cv::inRange(image_bgr, lo, hi, mask);
  return cv::countNonZero(mask) == 0 ? cv::Rect() : cv::boundingRect(mask);
}

}  // namespace deepvis::test

namespace deepvis::test {

cv::Mat drawn_shirt_image() {
  cv::Mat img(112, 112, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::rectangle(img, cv::Point(36, 24), cv::Point(76, 100), cv::Scalar(220, 220, 220), cv::FILLED);
  cv::rectangle(img, cv::Point(14, 24), cv::Point(98, 50), cv::Scalar(200, 200, 200), cv::FILLED);
  cv::circle(img, cv::Point(56, 24), 10, cv::Scalar(0, 0, 0), cv::FILLED);
  return img;
}

}  // namespace deepvis::test
