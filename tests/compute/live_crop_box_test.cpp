// The crop box drawn on the input panel, checked against the crop preprocess_image() really applies: the source
// image encodes each pixel's own coordinates (red = x, green = y), so every pixel of the network's input says
// where in the source it was sampled from, and that must be inside the box at the place the box predicts.
#include "app/capture/frame.hpp"
#include "app/engine/engine_core.hpp"
#include "compute/core/error.hpp"
#include "compute/image/crop_box.hpp"
#include "compute/image/load_image.hpp"
#include "compute/image/preprocess.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace deepvis;

namespace {

// Red = x, green = y (both below 256), blue 0.
cv::Mat coordinate_image(int width, int height) {
  cv::Mat rgb(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x)
      rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(x), static_cast<uchar>(y), 0);
  }
  return rgb;
}

// Output pixel i of n along an axis covers [box_start + i * step, box_start + (i + 1) * step) of the source with
// step = box_size / n; a linear ramp whose pixel k (centre k + 0.5) holds k has the value (centre - 0.5) there.
// Area averaging and bilinear sampling both reproduce a ramp away from the image border, so only rounding to 8 bits
// and the border clamp of an enlargement stand between the two.
void check_axis(const Tensor& t, int plane, bool along_x, double box_start, double box_size, double tolerance) {
  const int height = static_cast<int>(t.dim(2));
  const int width = static_cast<int>(t.dim(3));
  const int n = along_x ? width : height;
  const double step = box_size / n;
  for (int i = 1; i + 1 < n; ++i) {  // the outermost samples may touch the border clamp
    const int x = along_x ? i : width / 2;
    const int y = along_x ? height / 2 : i;
    const double expected = box_start + (i + 0.5) * step - 0.5;
    const double got = t.at((static_cast<int64_t>(plane) * height + y) * width + x);
    INFO((along_x ? "x " : "y ") << i << " of " << n);
    CHECK(std::fabs(got - expected) <= tolerance);
  }
}

void check_against_preprocess(cv::Size image, cv::Size target, CropMode mode) {
  const cv::Mat rgb = coordinate_image(image.width, image.height);
  Preprocess p;
  p.crop = mode;
  const Tensor t = preprocess_image(rgb, p, Dims{1, 3, target.height, target.width});
  const cv::Rect2d box = input_crop_box(image, target, mode);
  INFO(crop_mode_name(mode) << " " << image.width << "x" << image.height << " to " << target.width << "x"
                            << target.height << ": box " << box.x << "," << box.y << " " << box.width << "x"
                            << box.height);
  CHECK(box.x >= 0.0);
  CHECK(box.y >= 0.0);
  CHECK(box.x + box.width <= image.width + 1e-9);
  CHECK(box.y + box.height <= image.height + 1e-9);
  check_axis(t, 0, true, box.x, box.width, 1.0);
  check_axis(t, 1, false, box.y, box.height, 1.0);
}

}  // namespace

TEST_CASE("live: the centre crop box is where preprocessing took the input from") {
  check_against_preprocess({240, 160}, {32, 32}, CropMode::Center);  // wide, shrunk by a whole factor
  check_against_preprocess({240, 160}, {64, 24}, CropMode::Center);  // wider target: the crop is vertical
  check_against_preprocess({150, 200}, {28, 28}, CropMode::Center);  // tall, fractional scale
  check_against_preprocess({40, 30}, {64, 64}, CropMode::Center);    // enlarged
  // By hand: 240x160 to 32x32 scales by 0.2 to 48x32 and takes x 8..40, i.e. source x 40..200, all rows.
  const cv::Rect2d box = input_crop_box({240, 160}, {32, 32}, CropMode::Center);
  CHECK(box.x == doctest::Approx(40.0));
  CHECK(box.y == doctest::Approx(0.0));
  CHECK(box.width == doctest::Approx(160.0));
  CHECK(box.height == doctest::Approx(160.0));
}

TEST_CASE("live: the stretch crop box is the whole image") {
  check_against_preprocess({240, 160}, {30, 40}, CropMode::Stretch);
  check_against_preprocess({200, 100}, {50, 50}, CropMode::Stretch);
  const cv::Rect2d box = input_crop_box({200, 100}, {50, 50}, CropMode::Stretch);
  CHECK(box == cv::Rect2d(0, 0, 200, 100));
}

TEST_CASE("live: the face crop box is the face found, else the centre crop preprocessing falls back to") {
  FaceCrop face;
  face.found = true;
  face.box = cv::Rect(30, 12, 60, 72);
  CHECK(input_crop_box({200, 150}, {48, 48}, CropMode::Face, face) == cv::Rect2d(30, 12, 60, 72));
  // A coordinate ramp has no face: preprocessing falls back to the centre crop, and so does the box.
  const FaceCrop none;
  CHECK(input_crop_box({240, 160}, {32, 32}, CropMode::Face, none) ==
        input_crop_box({240, 160}, {32, 32}, CropMode::Center));
  check_against_preprocess({240, 160}, {32, 32}, CropMode::Face);  // the cascade is installed (face_crop_test)
}

TEST_CASE("live: on a photo with a face the face crop box is exactly what preprocessing stretched to the input") {
  const cv::Mat rgb = load_image_rgb(std::string(DEEPVIS_SOURCE_DIR) + "/samples/photos/grace_hopper.jpg");
  const FaceCrop face = find_face_crop(rgb);  // scripts/setup-deps installs the cascade, as face_crop_test requires
  REQUIRE(face.found);
  const cv::Size target(48, 40);
  const cv::Rect2d box = input_crop_box(rgb.size(), target, CropMode::Face, face);
  // The box lies on the face: within the image, well inside the portrait's upper half.
  CHECK(box.width > 0.1 * rgb.cols);
  CHECK(box.y + box.height < 0.75 * rgb.rows);
  Preprocess face_mode;
  face_mode.crop = CropMode::Face;
  Preprocess stretch;
  stretch.crop = CropMode::Stretch;
  const Dims dims{1, 3, target.height, target.width};
  const Tensor whole = preprocess_image(rgb, face_mode, dims);
  const Tensor from_box = preprocess_image(rgb(cv::Rect(box)), stretch, dims);
  REQUIRE(whole.dims() == from_box.dims());
  for (int64_t i = 0; i < whole.numel(); ++i) {
    if (whole.at(i) != from_box.at(i)) FAIL("element " << i << " differs: " << whole.at(i) << " vs " << from_box.at(i));
  }
}

TEST_CASE("live: the engine's snapshot carries the crop box of the frame it computed") {
  app::EngineCore core;
  core.apply(app::LoadModel{std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx"});
  app::Frame frame;
  frame.rgb = coordinate_image(240, 160);
  frame.name = "ramp";
  frame.sequence = 1;
  const auto snap = core.process(frame);
  INFO(snap->error);
  REQUIRE(snap->has_results());
  // The Fashion-MNIST card crops by stretching: the whole 240x160 frame goes to the 28x28 input.
  CHECK(snap->input_crop == cv::Rect2d(0, 0, 240, 160));
}
