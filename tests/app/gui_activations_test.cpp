// The live view end to end: the embedded Fashion-MNIST model on a drawn image, rendered headlessly. The grid's
// tiles are found in the screenshot (with the grid.json sidecar saying where the grid panel drew it) and compared
// with what `deepvis forward --layers L --out DIR` reports for the same layer.
#include "compute/core/graph.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/headless_gui.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace deepvis;
using deepvis::test::run_gui_screenshot;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

// Output blobs of the model's convolutions, in graph order (read from the graph, not from the GUI).
std::vector<std::string> conv_layers() {
  const Graph g = import_onnx(kModel);
  std::vector<std::string> out;
  for (const Node& node : g.nodes) {
    if (node.kind == OpKind::Conv) out.push_back(g.blobs[static_cast<size_t>(node.output)].name);
  }
  return out;
}

// The layer's activations as the CLI computes them.
Tensor cli_activations(const std::string& image, const std::string& layer, const TempDir& dir) {
  const std::string out = dir.path("blobs");
  const auto run = run_process(
      {test::deepvis_binary(), "forward", "--model", kModel, "--input", image, "--layers", layer, "--out", out});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    if (entry.path().extension() == ".npy") return read_npy(entry.path().string());
  }
  FAIL("forward wrote no .npy");
  return {};
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing " << path);
  return nlohmann::json::parse(in);
}

// Gray pixels are tile content or background; anything else (the magenta frame of the selected tile and its
// anti-aliased fringe) is ignored.
bool is_gray(const cv::Vec3b& p) {
  return std::abs(p[0] - p[1]) <= 2 && std::abs(p[1] - p[2]) <= 2;
}
bool is_background(const cv::Vec3b& p) {
  return !is_gray(p) || (p[0] >= 250 && p[1] >= 250 && p[2] >= 250);
}

// Runs of columns (or rows) of `region` that hold some non-background pixel: the tile columns (rows) of the grid.
std::vector<cv::Range> content_runs(const cv::Mat& region, bool columns) {
  const int n = columns ? region.cols : region.rows;
  const int m = columns ? region.rows : region.cols;
  std::vector<cv::Range> runs;
  int start = -1;
  for (int i = 0; i <= n; ++i) {
    bool content = false;
    for (int j = 0; i < n && j < m && !content; ++j) {
      content = !is_background(columns ? region.at<cv::Vec3b>(j, i) : region.at<cv::Vec3b>(i, j));
    }
    if (content && start < 0) start = i;
    if (!content && start >= 0) {
      runs.emplace_back(start, i);
      start = -1;
    }
  }
  return runs;
}

struct GridOnScreen {
  cv::Point origin;  // of the grid in the screenshot
  cv::Mat region;    // the screenshot's grid rectangle
  int scale = 0;
  nlohmann::json sidecar;
};

GridOnScreen find_grid(const test::ScreenshotRun& run, const TempDir& dir) {
  GridOnScreen g;
  g.sidecar = read_json(dir.path("screenshot.grid.json"));
  INFO(g.sidecar.dump());
  REQUIRE(!g.sidecar["grid"].is_null());
  const auto& r = g.sidecar["grid"];
  const cv::Rect rect(static_cast<int>(std::lround(r["x"].get<double>())),
                      static_cast<int>(std::lround(r["y"].get<double>())),
                      static_cast<int>(std::lround(r["width"].get<double>())),
                      static_cast<int>(std::lround(r["height"].get<double>())));
  REQUIRE((rect & cv::Rect(0, 0, run.screenshot_bgr.cols, run.screenshot_bgr.rows)) == rect);
  g.origin = rect.tl();
  g.region = run.screenshot_bgr(rect).clone();
  g.scale = static_cast<int>(std::lround(r["scale"].get<double>()));
  return g;
}

}  // namespace

TEST_CASE("gui: live activations of the first convolution match the CLI's forward, tile by tile") {
  TempDir dir;
  const std::string image = dir.path("shirt.png");
  REQUIRE(cv::imwrite(image, deepvis::test::drawn_shirt_image()));
  const std::vector<std::string> convs = conv_layers();
  REQUIRE(!convs.empty());
  const std::string& layer = convs.front();

  const Tensor act = cli_activations(image, layer, dir);
  REQUIRE(act.rank() == 4);
  const int channels = static_cast<int>(act.dim(1));
  const int map_h = static_cast<int>(act.dim(2));
  const int map_w = static_cast<int>(act.dim(3));

  const auto run = run_gui_screenshot(
      {"--model", kModel, "--input", image, "--layer", layer, "--unit", "3", "--mode", "deconv"}, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  REQUIRE(!run.screenshot_bgr.empty());
  const GridOnScreen grid = find_grid(run, dir);
  CHECK(grid.sidecar["layer"] == layer);
  CHECK(grid.sidecar["unit"] == 3);
  CHECK(grid.sidecar["backward"] == "deconv");
  CHECK(grid.sidecar["model"] == "fashion_mnist");
  // Capture to screen of the frame on screen: at least its forward pass, which happened in between.
  CHECK(grid.sidecar["latency_ms"].get<double>() > grid.sidecar["times"]["forward"].get<double>());
  // Xvfb's GL is Mesa's: the grid texture comes from the host.
  CHECK(grid.sidecar["grid_texture"] == "host");
  // The status bar's stages, from capture to screen: every one of them ran for the frame on screen (a still is
  // read from its file, computed with the backward view on, and uploaded as textures before the panels drew).
  for (const char* stage : {"capture", "preprocess", "forward", "backward", "grid", "texture", "draw"}) {
    INFO(stage);
    CHECK(grid.sidecar["times"][stage].get<double>() > 0.0);
  }
  REQUIRE(grid.scale >= 2);  // room to see gaps and tiles apart

  // The grid as the pixels show it: separated by white gaps into equal tiles of the map's size.
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels))));
  const int rows = (channels + cols - 1) / cols;
  const std::vector<cv::Range> col_runs = content_runs(grid.region, true);
  const std::vector<cv::Range> row_runs = content_runs(grid.region, false);
  REQUIRE(static_cast<int>(col_runs.size()) == cols);
  REQUIRE(static_cast<int>(row_runs.size()) == rows);
  for (const cv::Range& r : col_runs) CHECK(r.size() == map_w * grid.scale);
  for (const cv::Range& r : row_runs) CHECK(r.size() == map_h * grid.scale);
  int tiles = 0;
  for (const cv::Range& rr : row_runs) {
    for (const cv::Range& cr : col_runs) {
      const cv::Mat cell = grid.region(rr, cr);
      bool content = false;
      for (int y = 0; y < cell.rows && !content; ++y) {
        for (int x = 0; x < cell.cols && !content; ++x) content = !is_background(cell.at<cv::Vec3b>(y, x));
      }
      tiles += content ? 1 : 0;
    }
  }
  CHECK(tiles == channels);

  // Brightness: per-layer normalization maps v to 255 (v - lo) / (hi - lo), so each tile's mean gray is that of
  // its channel's mean activation.
  float lo = act.at(0);
  float hi = act.at(0);
  for (int64_t i = 0; i < act.numel(); ++i) {
    lo = std::min(lo, act.at(i));
    hi = std::max(hi, act.at(i));
  }
  REQUIRE(hi > lo);
  std::vector<double> expected(static_cast<size_t>(channels));
  std::vector<double> shown(static_cast<size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    double sum = 0.0;
    for (int64_t i = 0; i < static_cast<int64_t>(map_h) * map_w; ++i) {
      sum += 255.0 * (act.at(static_cast<int64_t>(c) * map_h * map_w + i) - lo) / (hi - lo);
    }
    expected[static_cast<size_t>(c)] = sum / (map_h * map_w);
    const cv::Mat tile = grid.region(row_runs[static_cast<size_t>(c / cols)], col_runs[static_cast<size_t>(c % cols)]);
    double gray_sum = 0.0;
    int count = 0;
    for (int y = 0; y < tile.rows; ++y) {
      for (int x = 0; x < tile.cols; ++x) {
        const cv::Vec3b& p = tile.at<cv::Vec3b>(y, x);
        if (!is_gray(p)) continue;
        gray_sum += p[1];
        ++count;
      }
    }
    REQUIRE(count > tile.total() / 2);
    shown[static_cast<size_t>(c)] = gray_sum / count;
    CHECK_MESSAGE(std::fabs(shown[static_cast<size_t>(c)] - expected[static_cast<size_t>(c)]) < 3.0,
                  "tile " << c << ": shown " << shown[static_cast<size_t>(c)] << ", expected "
                          << expected[static_cast<size_t>(c)]);
  }
  const auto brightest = std::max_element(expected.begin(), expected.end()) - expected.begin();
  const auto darkest = std::min_element(expected.begin(), expected.end()) - expected.begin();
  CHECK(std::max_element(shown.begin(), shown.end()) - shown.begin() == brightest);
  CHECK(std::min_element(shown.begin(), shown.end()) - shown.begin() == darkest);
  for (size_t a = 0; a < expected.size(); ++a) {
    for (size_t b = 0; b < expected.size(); ++b) {
      if (expected[a] > expected[b] + 6.0) CHECK_MESSAGE(shown[a] > shown[b], "tiles " << a << " and " << b);
    }
  }

  // The selected unit (3) is framed in magenta, just outside its tile (the frame may reach past the grid's edge).
  const cv::Rect frame = test::find_colour(run.screenshot_bgr, cv::Vec3b(255, 0, 255), 40);
  REQUIRE(frame.area() > 0);
  const cv::Rect tile3(grid.origin.x + col_runs[3 % static_cast<size_t>(cols)].start,
                       grid.origin.y + row_runs[3 / static_cast<size_t>(cols)].start, map_w * grid.scale,
                       map_h * grid.scale);
  INFO("frame " << frame << ", tile " << tile3);
  CHECK((frame & tile3) == tile3);  // encloses the tile
  CHECK(frame.x >= tile3.x - 5);    // and hugs it
  CHECK(frame.y >= tile3.y - 5);
  CHECK(frame.br().x <= tile3.br().x + 5);
  CHECK(frame.br().y <= tile3.br().y + 5);
}

TEST_CASE("gui: a layer whose channels do not fill the grid shows one tile per channel and empty cells") {
  TempDir dir;
  const std::string image = dir.path("shirt.png");
  REQUIRE(cv::imwrite(image, deepvis::test::drawn_shirt_image()));
  const std::vector<std::string> convs = conv_layers();
  REQUIRE(convs.size() >= 2);
  const Tensor act = cli_activations(image, convs[1], dir);
  const int channels = static_cast<int>(act.dim(1));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels))));
  const int rows = (channels + cols - 1) / cols;
  REQUIRE(rows * cols > channels);  // 32 channels: 6 x 6 with 4 empty cells

  const auto run = run_gui_screenshot({"--model", kModel, "--input", image, "--layer", convs[1]}, dir);
  INFO(run.process.output);
  REQUIRE(run.process.exit_code == 0);
  const GridOnScreen grid = find_grid(run, dir);
  // Tiles by pixels: the grid's cell pitch comes from the first full row of tiles.
  const std::vector<cv::Range> col_runs = content_runs(grid.region, true);
  const std::vector<cv::Range> row_runs = content_runs(grid.region, false);
  REQUIRE(static_cast<int>(col_runs.size()) == cols);
  REQUIRE(static_cast<int>(row_runs.size()) == rows);
  int tiles = 0;
  int last_tile = -1;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const cv::Mat cell = grid.region(row_runs[static_cast<size_t>(r)], col_runs[static_cast<size_t>(c)]);
      bool content = false;
      for (int y = 0; y < cell.rows && !content; ++y) {
        for (int x = 0; x < cell.cols && !content; ++x) content = !is_background(cell.at<cv::Vec3b>(y, x));
      }
      if (content) {
        ++tiles;
        last_tile = r * cols + c;
      }
    }
  }
  CHECK(tiles == channels);
  CHECK(last_tile == channels - 1);  // row-major: the empty cells are the last ones
}
