#include "tests/support/headless_gui.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdio>

using deepvis::test::find_colour;
using deepvis::test::run_gui_screenshot;
using deepvis::test::TempDir;

namespace {

// Pure primaries do not occur in ImGui's dark theme, so each quadrant can be found by colour alone.
const cv::Vec3b kRed{0, 0, 255}, kGreen{0, 255, 0}, kBlue{255, 0, 0}, kYellow{0, 255, 255};  // BGR

cv::Mat quadrant_image(int w, int h) {
  cv::Mat img(h, w, CV_8UC3);
  img(cv::Rect(0, 0, w / 2, h / 2)).setTo(cv::Scalar(kRed));
  img(cv::Rect(w / 2, 0, w / 2, h / 2)).setTo(cv::Scalar(kGreen));
  img(cv::Rect(0, h / 2, w / 2, h / 2)).setTo(cv::Scalar(kBlue));
  img(cv::Rect(w / 2, h / 2, w / 2, h / 2)).setTo(cv::Scalar(kYellow));
  return img;
}

void check_near(int actual, int expected, int tolerance, const char* what) {
  CHECK_MESSAGE(std::abs(actual - expected) <= tolerance, what << ": " << actual << " vs " << expected);
}

}  // namespace

TEST_CASE("gui: the input panel shows the image 1:1, upright and with the right colours") {
  TempDir dir;
  const std::string input = dir.path("quadrants.png");
  REQUIRE(cv::imwrite(input, quadrant_image(160, 120)));

  const auto run = run_gui_screenshot({"--input", input}, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  REQUIRE(!run.screenshot_bgr.empty());
  CHECK(run.screenshot_bgr.cols == 1024);
  CHECK(run.screenshot_bgr.rows == 700);

  const cv::Rect red = find_colour(run.screenshot_bgr, kRed, 4);
  const cv::Rect green = find_colour(run.screenshot_bgr, kGreen, 4);
  const cv::Rect blue = find_colour(run.screenshot_bgr, kBlue, 4);
  const cv::Rect yellow = find_colour(run.screenshot_bgr, kYellow, 4);
  REQUIRE(red.area() > 0);
  REQUIRE(green.area() > 0);
  REQUIRE(blue.area() > 0);
  REQUIRE(yellow.area() > 0);

  // Each quadrant is 80x60 on screen (1:1), in the right place relative to the others.
  for (const cv::Rect& r : {red, green, blue, yellow}) {
    check_near(r.width, 80, 1, "quadrant width");
    check_near(r.height, 60, 1, "quadrant height");
  }
  check_near(green.x, red.x + 80, 1, "green is right of red");
  check_near(green.y, red.y, 1, "green is level with red");
  check_near(blue.x, red.x, 1, "blue is below red");
  check_near(blue.y, red.y + 60, 1, "blue is below red");
  check_near(yellow.x, red.x + 80, 1, "yellow is diagonal to red");
  check_near(yellow.y, red.y + 60, 1, "yellow is diagonal to red");

  // The whole panel region has the image's mean colour: no gaps or stray pixels inside it.
  const cv::Rect panel(red.x, red.y, 160, 120);
  const cv::Scalar mean = cv::mean(run.screenshot_bgr(panel));
  const cv::Scalar expected = cv::mean(quadrant_image(160, 120));
  for (int c = 0; c < 3; ++c) check_near(static_cast<int>(mean[c]), static_cast<int>(expected[c]), 3, "mean");
}

TEST_CASE("gui: with no input the window shows the built-in test pattern") {
  TempDir dir;
  const auto run = run_gui_screenshot({}, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  REQUIRE(!run.screenshot_bgr.empty());
  // The pattern's colour bars are 40 px wide and 120 px tall at 320x240.
  const cv::Rect yellow = find_colour(run.screenshot_bgr, kYellow, 2);
  check_near(yellow.width, 40, 1, "yellow bar width");
  check_near(yellow.height, 120, 1, "yellow bar height");
}

TEST_CASE("gui: a corrupt input file keeps the window running and reports the file") {
  TempDir dir;
  const std::string bad = dir.path("broken.png");
  {
    std::FILE* f = std::fopen(bad.c_str(), "wb");
    std::fputs("not a png", f);
    std::fclose(f);
  }
  const auto run = run_gui_screenshot({"--input", bad}, dir);
  CHECK(run.process.exit_code == 0);
  CHECK(run.process.output.find("broken.png") != std::string::npos);
  CHECK(run.process.output.find("not a decodable image") != std::string::npos);
  CHECK(!run.screenshot_bgr.empty());
}
