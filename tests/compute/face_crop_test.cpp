#include "compute/image/face_crop.hpp"
#include "compute/core/error.hpp"
#include "compute/image/preprocess.hpp"
#include "tests/support/drawn_face.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

using deepvis::CropMode;
using deepvis::Error;
using deepvis::FaceCrop;
using deepvis::find_face_crop;
using deepvis::test::draw_face;
using deepvis::test::to_rgb;

namespace {

double max_abs_difference(const deepvis::Tensor& a, const deepvis::Tensor& b) {
  REQUIRE(a.dims() == b.dims());
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(a.at(i) - b.at(i))));
  return m;
}

}  // namespace

TEST_CASE("face crop: expand_face_box grows 1.2x from the top-left corner and clips to the image") {
  // x, y stay; 50 * 1.2 = 60, 40 * 1.2 = 48.
  CHECK(deepvis::expand_face_box(cv::Rect(10, 20, 50, 40), cv::Size(200, 200)) == cv::Rect(10, 20, 60, 48));
  // 7 * 1.2 = 8.4 rounds to 8; 13 * 1.2 = 15.6 rounds to 16.
  CHECK(deepvis::expand_face_box(cv::Rect(0, 0, 7, 13), cv::Size(100, 100)) == cv::Rect(0, 0, 8, 16));
  // Near the right and bottom edges the grown box is cut at the image: 150 + 60 > 200, 170 + 48 > 200.
  CHECK(deepvis::expand_face_box(cv::Rect(150, 170, 50, 40), cv::Size(200, 200)) == cv::Rect(150, 170, 50, 30));
}

TEST_CASE("face crop: the centre square is the largest square in the middle") {
  CHECK(deepvis::centre_square(cv::Size(320, 240)) == cv::Rect(40, 0, 240, 240));
  CHECK(deepvis::centre_square(cv::Size(100, 301)) == cv::Rect(0, 100, 100, 100));
  CHECK(deepvis::centre_square(cv::Size(64, 64)) == cv::Rect(0, 0, 64, 64));
}

TEST_CASE("face crop: a blank or noisy image has no face and falls back to the centre square") {
  const FaceCrop blank = find_face_crop(cv::Mat(240, 320, CV_8UC3, cv::Scalar(90, 120, 150)));
  CHECK_FALSE(blank.found);
  CHECK(blank.box == cv::Rect(40, 0, 240, 240));
  cv::Mat noise(300, 200, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
  const FaceCrop noisy = find_face_crop(noise);
  CHECK_FALSE(noisy.found);
  CHECK(noisy.box == cv::Rect(0, 50, 200, 200));
}

TEST_CASE("face crop: a drawn face off the centre is found, its box starting at the face and grown 1.2x") {
  cv::Mat gray(240, 320, CV_8UC1, cv::Scalar(90));
  const int cx = 200;
  const int cy = 110;
  const int s = 60;
  draw_face(gray, cx, cy, s);
  const FaceCrop face = find_face_crop(to_rgb(gray, 3.0));
  REQUIRE(face.found);
  // The detector's square sits on the drawn oval (x from cx - 0.8s, y from cy - s); the growth is to the right
  // and down only, so the corner stays near the face's and the box reaches past its lower right.
  CHECK(face.box.x >= cx - 3 * s / 2);
  CHECK(face.box.x <= cx - s / 2);
  CHECK(face.box.y >= cy - 3 * s / 2);
  CHECK(face.box.y <= cy - s / 2);
  CHECK(face.box.contains(cv::Point(cx, cy)));
  CHECK(face.box.width >= 2 * s);
  // Haar boxes are square and this one is not clipped; grown from the corner, its centre lies right of and
  // below the face's (grown about its centre it would stay on it).
  CHECK(face.box.width == face.box.height);
  CHECK(face.box.x + face.box.width / 2 > cx + s / 10);
  CHECK(face.box.y + face.box.height / 2 > cy + s / 10);
  CHECK(face.box.br().x <= 320);
  CHECK(face.box.br().y <= 240);
  CHECK(face.box != deepvis::centre_square(gray.size()));
}

TEST_CASE("face crop: of two faces the largest is taken") {
  cv::Mat gray(240, 400, CV_8UC1, cv::Scalar(90));
  draw_face(gray, 100, 120, 40);  // small, left
  draw_face(gray, 280, 120, 80);  // large, right
  const FaceCrop face = find_face_crop(to_rgb(gray, 3.0));
  REQUIRE(face.found);
  CHECK(face.box.contains(cv::Point(280, 120)));
  CHECK_FALSE(face.box.contains(cv::Point(100, 120)));
}

TEST_CASE("face crop: a missing or broken cascade file is an error naming it") {
  const cv::Mat image(64, 64, CV_8UC3, cv::Scalar::all(128));
  CHECK_THROWS_WITH_AS(find_face_crop(image, "/nonexistent/haar.xml"),
                       doctest::Contains("cascade '/nonexistent/haar.xml' not found"), Error);
  CHECK_THROWS_WITH_AS(find_face_crop(image, "/nonexistent/haar.xml"), doctest::Contains("opencv-data"), Error);
  deepvis::test::TempDir dir;
  {
    std::ofstream junk(dir.path("junk.xml"));
    junk << "<?xml version=\"1.0\"?>\n<opencv_storage>\n<nothing>1</nothing>\n</opencv_storage>\n";
  }
  CHECK_THROWS_WITH_AS(find_face_crop(image, dir.path("junk.xml")), doctest::Contains(dir.path("junk.xml").c_str()),
                       Error);
}

TEST_CASE("face crop: DEEPVIS_HAAR_CASCADE overrides the Debian cascade path") {
  const char* before = std::getenv("DEEPVIS_HAAR_CASCADE");
  const std::string saved = before ? before : "";
  setenv("DEEPVIS_HAAR_CASCADE", "/elsewhere/faces.xml", 1);
  CHECK(deepvis::default_face_cascade_path() == "/elsewhere/faces.xml");
  CHECK_THROWS_WITH_AS(find_face_crop(cv::Mat(32, 32, CV_8UC3, cv::Scalar::all(0))),
                       doctest::Contains("/elsewhere/faces.xml"), Error);
  unsetenv("DEEPVIS_HAAR_CASCADE");
  CHECK(deepvis::default_face_cascade_path() == "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml");
  if (before) setenv("DEEPVIS_HAAR_CASCADE", saved.c_str(), 1);
}

TEST_CASE("face crop: CropMode::Face stretches the face box to the input, else falls back to a centre crop") {
  CHECK(deepvis::parse_crop_mode("face") == CropMode::Face);
  CHECK_THROWS_WITH_AS(deepvis::parse_crop_mode("fill"), doctest::Contains("center, stretch or face"), Error);
  const deepvis::Dims dims = {1, 3, 24, 32};
  deepvis::Preprocess face_mode;
  face_mode.crop = CropMode::Face;
  face_mode.scale = 1.0f / 255;
  deepvis::Preprocess centre_mode = face_mode;
  centre_mode.crop = CropMode::Center;
  deepvis::Preprocess stretch_mode = face_mode;
  stretch_mode.crop = CropMode::Stretch;

  // No face: exactly the centre crop, and the caller is told.
  cv::Mat plain(120, 200, CV_8UC3);
  for (int y = 0; y < plain.rows; ++y) {
    for (int x = 0; x < plain.cols; ++x) plain.at<cv::Vec3b>(y, x) = cv::Vec3b(uint8_t(x), uint8_t(y * 2), 77);
  }
  bool no_face = false;
  const deepvis::Tensor fallback = deepvis::preprocess_image(plain, face_mode, dims, &no_face);
  CHECK(no_face);
  CHECK(max_abs_difference(fallback, deepvis::preprocess_image(plain, centre_mode, dims)) == 0.0);

  // A face: the same as stretching the face box alone, and not the centre crop.
  cv::Mat gray(240, 320, CV_8UC1, cv::Scalar(90));
  draw_face(gray, 200, 110, 60);
  const cv::Mat rgb = to_rgb(gray, 3.0);
  const FaceCrop face = find_face_crop(rgb);
  REQUIRE(face.found);
  no_face = true;
  const deepvis::Tensor cropped = deepvis::preprocess_image(rgb, face_mode, dims, &no_face);
  CHECK_FALSE(no_face);
  CHECK(max_abs_difference(cropped, deepvis::preprocess_image(rgb(face.box).clone(), stretch_mode, dims)) < 1e-6);
  CHECK(max_abs_difference(cropped, deepvis::preprocess_image(rgb, centre_mode, dims)) > 0.1);
}
