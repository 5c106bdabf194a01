#include "compute/image/load_image.hpp"
#include "compute/core/error.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgcodecs.hpp>

#include <cstdio>

using deepvis::Error;
using deepvis::load_image_rgb;
using deepvis::test::TempDir;

TEST_CASE("load_image_rgb returns RGB order, not OpenCV's BGR") {
  TempDir dir;
  cv::Mat bgr(4, 6, CV_8UC3, cv::Scalar(10, 20, 200));  // B=10 G=20 R=200
  REQUIRE(cv::imwrite(dir.path("red.png"), bgr));
  const cv::Mat rgb = load_image_rgb(dir.path("red.png"));
  REQUIRE(rgb.type() == CV_8UC3);
  CHECK(rgb.cols == 6);
  CHECK(rgb.rows == 4);
  CHECK(rgb.at<cv::Vec3b>(2, 3) == cv::Vec3b(200, 20, 10));
}

TEST_CASE("load_image_rgb converts grayscale and 16-bit images") {
  TempDir dir;
  REQUIRE(cv::imwrite(dir.path("gray.png"), cv::Mat(3, 3, CV_8UC1, cv::Scalar(77))));
  CHECK(load_image_rgb(dir.path("gray.png")).at<cv::Vec3b>(1, 1) == cv::Vec3b(77, 77, 77));
  REQUIRE(cv::imwrite(dir.path("deep.png"), cv::Mat(3, 3, CV_16UC1, cv::Scalar(257 * 100))));
  CHECK(load_image_rgb(dir.path("deep.png")).at<cv::Vec3b>(0, 0) == cv::Vec3b(100, 100, 100));
}

TEST_CASE("load_image_rgb names the file and the reason on failure") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(load_image_rgb(dir.path("missing.png")), doctest::Contains("missing.png': file not found"),
                       Error);
  const std::string corrupt = dir.path("corrupt.jpg");
  std::FILE* f = std::fopen(corrupt.c_str(), "wb");
  std::fputs("\xff\xd8 truncated jpeg", f);
  std::fclose(f);
  CHECK_THROWS_WITH_AS(load_image_rgb(corrupt), doctest::Contains("corrupt.jpg': not a decodable image"), Error);
  CHECK_THROWS_WITH_AS(load_image_rgb(dir.path("")), doctest::Contains("is a directory"), Error);
}
