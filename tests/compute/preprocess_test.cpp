#include "compute/image/preprocess.hpp"
#include "compute/core/error.hpp"
#include "compute/io/npy.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

using namespace deepvis;

namespace {

// A 4x2 RGB image whose left half is (200, 100, 50) and right half (10, 20, 30).
cv::Mat two_colour_image() {
  cv::Mat rgb(2, 4, CV_8UC3, cv::Scalar(200, 100, 50));
  rgb(cv::Rect(2, 0, 2, 2)).setTo(cv::Scalar(10, 20, 30));
  return rgb;
}

}  // namespace

TEST_CASE("preprocess: Caffe style is BGR, scale 1, mean subtracted in BGR order") {
  Preprocess p;
  p.crop = CropMode::Stretch;
  p.bgr = true;
  p.mean = {104, 117, 123};
  const Tensor t = preprocess_image(two_colour_image(), p, {1, 3, 2, 4});
  REQUIRE(t.dims() == Dims{1, 3, 2, 4});
  CHECK(t.at(0) == doctest::Approx(50 - 104));       // channel 0 is blue
  CHECK(t.at(8) == doctest::Approx(100 - 117));      // channel 1 green
  CHECK(t.at(16 + 3) == doctest::Approx(10 - 123));  // channel 2 red, right half
}

TEST_CASE("preprocess: torchvision style is RGB, (p/255 - mean) / std") {
  Preprocess p;
  p.crop = CropMode::Stretch;
  p.scale = 1.0f / 255.0f;
  p.mean = {0.485f, 0.456f, 0.406f};
  p.stdev = {0.229f, 0.224f, 0.225f};
  const Tensor t = preprocess_image(two_colour_image(), p, {1, 3, 2, 4});
  CHECK(t.at(0) == doctest::Approx((200 / 255.0 - 0.485) / 0.229).epsilon(1e-5));
  CHECK(t.at(8 + 2) == doctest::Approx((20 / 255.0 - 0.456) / 0.224).epsilon(1e-5));
  CHECK(t.at(16 + 7) == doctest::Approx((30 / 255.0 - 0.406) / 0.225).epsilon(1e-5));
}

TEST_CASE("preprocess: center crop keeps the middle, stretch keeps everything") {
  cv::Mat rgb(10, 30, CV_8UC3, cv::Scalar(0, 0, 0));
  rgb(cv::Rect(10, 0, 10, 10)).setTo(cv::Scalar(255, 255, 255));  // a white middle third
  Preprocess center;
  const Tensor c = preprocess_image(rgb, center, {1, 1, 10, 10});
  for (int64_t i = 0; i < c.numel(); ++i) CHECK(c.at(i) == doctest::Approx(255));
  Preprocess stretch;
  stretch.crop = CropMode::Stretch;
  const Tensor s = preprocess_image(rgb, stretch, {1, 1, 10, 10});
  CHECK(s.at(0) == doctest::Approx(0));    // left third stays black
  CHECK(s.at(5) == doctest::Approx(255));  // middle
  CHECK(s.at(9) == doctest::Approx(0));    // right third
}

TEST_CASE("preprocess: --size overrides the model's input size, and deprocess inverts it") {
  Preprocess p;
  p.width = 8;
  p.height = 4;
  p.crop = CropMode::Stretch;
  p.scale = 1.0f / 255.0f;
  p.mean = {0.5f};
  p.stdev = {0.25f};
  const Tensor t = preprocess_image(two_colour_image(), p, {1, 3, 224, 224});
  CHECK(t.dims() == Dims{1, 3, 4, 8});
  const cv::Mat back = deprocess_to_rgb(t, p);
  CHECK(back.at<cv::Vec3b>(0, 0) == cv::Vec3b(200, 100, 50));
  CHECK(back.at<cv::Vec3b>(3, 7) == cv::Vec3b(10, 20, 30));
}

TEST_CASE("preprocess: models with other channel counts are refused with a hint") {
  CHECK_THROWS_WITH_AS(preprocess_image(two_colour_image(), Preprocess{}, {1, 4, 2, 4}),
                       doctest::Contains("4 input channels"), Error);
  CHECK_THROWS_WITH_AS(parse_crop_mode("zoom"), doctest::Contains("unknown crop mode 'zoom'"), Error);
}

TEST_CASE("npy: round trip keeps dims and values, errors name the file") {
  test::TempDir dir;
  const Tensor t = test::random_tensor({2, 3, 4, 5}, 3);
  write_npy(dir.path("t.npy"), t);
  const Tensor back = read_npy(dir.path("t.npy"));
  CHECK(back.dims() == t.dims());
  CHECK(test::max_abs_error(back, t) == 0.0);
  CHECK_THROWS_WITH_AS(read_npy(dir.path("none.npy")), doctest::Contains("none.npy"), Error);
  std::ofstream(dir.path("text.npy")) << "hello";
  CHECK_THROWS_WITH_AS(read_npy(dir.path("text.npy")), doctest::Contains("is not a .npy file"), Error);
  // Truncated data.
  std::ifstream in(dir.path("t.npy"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.path("short.npy"), std::ios::binary) << bytes.substr(0, bytes.size() - 8);
  CHECK_THROWS_WITH_AS(read_npy(dir.path("short.npy")), doctest::Contains("truncated"), Error);
  // A write into a missing folder fails cleanly and leaves no partial file behind.
  CHECK_THROWS_AS(write_npy(dir.path("no/such/dir/t.npy"), t), Error);
}

TEST_CASE("npy: files written by NumPy are read") {
  test::TempDir dir;
  const auto r = test::run_process(
      {"/usr/bin/python3", "-c",
       "import numpy as np; np.save('" + dir.path("np.npy") + "', np.arange(6, dtype=np.float32).reshape(2, 3))"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const Tensor t = read_npy(dir.path("np.npy"));
  CHECK(t.dims() == Dims{2, 3});
  CHECK(t.at(5) == 5.0f);
}
