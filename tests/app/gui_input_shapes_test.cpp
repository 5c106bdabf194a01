// Inputs other than 3 x N x N in the headless window: a grayscale 1 x 1 x 64 x 64 ResNet-18 and a non-square
// 1 x 3 x 240 x 320 one (PyTorch exports, tests/support/torch_fixtures.hpp). The window must compute the live frame
// and its backward view for them; the oracle for the grid is `deepvis forward` on the same image and layer, and
// for the backward view the model's input size.
#include "compute/io/npy.hpp"
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"
#include "tests/support/torch_fixtures.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace deepvis;
using deepvis::test::run_gui_screenshot;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

// A colour photo stand-in with structure at every scale: smooth gradients plus a bright disc.
cv::Mat test_photo(int width, int height) {
  cv::Mat img(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int dx = x - width / 3;
      const int dy = y - height / 2;
      const bool disc = dx * dx + dy * dy < (height / 4) * (height / 4);
      img.at<cv::Vec3b>(y, x) =
          disc ? cv::Vec3b(240, 240, 240)
               : cv::Vec3b(static_cast<uchar>(255 * x / width), static_cast<uchar>(255 * y / height), 90);
    }
  }
  return img;
}

Dims cli_layer_dims(const std::string& model, const std::string& image, const std::string& layer, const TempDir& dir) {
  const std::string out = dir.path("blobs");
  const auto run = run_process(
      {test::deepvis_binary(), "forward", "--model", model, "--input", image, "--layers", layer, "--out", out});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    if (entry.path().extension() == ".npy") return read_npy(entry.path().string()).dims();
  }
  FAIL("forward wrote no .npy");
  return {};
}

void check_window(const std::filesystem::path& fixture, const Dims& input_dims) {
  TempDir dir;
  const std::string model = (fixture / "model.onnx").string();
  const std::string image = dir.path("photo.png");
  REQUIRE(cv::imwrite(image, test_photo(400, 300)));

  const auto run = run_gui_screenshot({"--model", model, "--input", image, "--unit", "2", "--mode", "guided"}, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  REQUIRE(!run.screenshot_bgr.empty());
  std::ifstream in(dir.path("screenshot.grid.json"));
  REQUIRE(in.good());
  const nlohmann::json sidecar = nlohmann::json::parse(in);
  INFO(sidecar.dump());
  CHECK(sidecar["error"] == "");
  CHECK(sidecar["input_dims"].get<Dims>() == input_dims);
  CHECK(sidecar["backward"] == "guided");
  REQUIRE(!sidecar["grid"].is_null());
  // The backward view is the model's input, H x W, whatever its channels.
  CHECK(sidecar["backward_view"]["width"] == input_dims[3]);
  CHECK(sidecar["backward_view"]["height"] == input_dims[2]);
  for (const char* stage : {"preprocess", "forward", "backward", "grid"}) {
    INFO(stage);
    CHECK(sidecar["times"][stage].get<double>() > 0.0);
  }
  // The grid's tiles are the layer's maps as the CLI computes them for the same image.
  const Dims layer = cli_layer_dims(model, image, sidecar["layer"].get<std::string>(), dir);
  REQUIRE(layer.size() == 4);
  CHECK(sidecar["layout"]["channels"] == layer[1]);
  CHECK(sidecar["layout"]["tile_height"] == layer[2]);
  CHECK(sidecar["layout"]["tile_width"] == layer[3]);
}

}  // namespace

TEST_CASE("gui: a grayscale 1 x 1 x 64 x 64 model runs live, with its backward view, in the window") {
  check_window(test::torch_fixture("resnet18", "64", false, "gray"), Dims{1, 1, 64, 64});
}

TEST_CASE("gui: a non-square 1 x 3 x 240 x 320 model runs live, with its backward view, in the window") {
  check_window(test::torch_fixture("resnet18", "240x320", false), Dims{1, 3, 240, 320});
}
