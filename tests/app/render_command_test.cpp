// The headless GL path (EGL context, PBO uploads, textured quad into an FBO) and `deepvis render` end to end,
// checked against the documented normalization of the blob that `deepvis forward` writes.
#include "compute/io/npy.hpp"
#include "render/egl_context.hpp"
#include "render/framebuffer_capture.hpp"
#include "render/pbo_uploader.hpp"
#include "render/textured_quad.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <epoxy/gl.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

using deepvis::read_npy;
using deepvis::Tensor;
using deepvis::test::deepvis_binary;
using deepvis::test::run_process;
using deepvis::test::TempDir;

namespace {

const std::string kFixture = std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/torch/squeezenet1_1_64/";
const std::string kModel = kFixture + "model.onnx";
const std::string kInput = kFixture + "input.npy";
const std::string kLayer = "/features/features.1/Relu_output_0";  // 64 channels of 31x31

// The documented mapping, in double: round(255 * clamp((v - lo) / (hi - lo), 0, 1)); constant -> 0.
int expected_gray(double v, double lo, double hi) {
  if (!(hi > lo)) return 0;
  return static_cast<int>(std::lround(255.0 * std::clamp((v - lo) / (hi - lo), 0.0, 1.0)));
}

cv::Mat pattern(int w, int h, int type, int frame) {
  cv::Mat m(h, w, type);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < m.channels(); ++c)
        m.ptr<uint8_t>(y)[x * m.channels() + c] = static_cast<uint8_t>(x * 7 + y * 13 + c * 50 + frame * 31);
    }
  }
  return m;
}

// The blob of kLayer for kInput, through `deepvis forward`.
Tensor forward_blob(const TempDir& dir) {
  const auto r = run_process({deepvis_binary(), "forward", "--model", kModel, "--input", kInput, "--layers", kLayer,
                              "--out", dir.path("blobs")});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const Tensor blob = read_npy(dir.path("blobs/_features_features.1_Relu_output_0.npy"));
  REQUIRE(blob.dims() == deepvis::Dims{1, 64, 31, 31});
  return blob;
}

}  // namespace

TEST_CASE("render: EGL context, PBO uploads and the quad reproduce frames exactly, frame after frame") {
  deepvis::render::EglContext context;
  INFO(context.description());
  CHECK(glGetString(GL_VERSION) != nullptr);
  const int w = 37, h = 23;  // odd sizes: rows are not 4-byte aligned
  deepvis::render::OffscreenFramebuffer target(w, h);
  deepvis::render::PboUploader uploader;
  deepvis::render::TexturedQuad quad;
  for (int type : {CV_8UC1, CV_8UC3}) {
    for (int frame = 0; frame < 3; ++frame) {  // 3 frames: both PBOs used, then the first again
      const cv::Mat image = pattern(w, h, type, frame);
      uploader.upload(image);
      target.bind();
      glClearColor(1, 0, 1, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      quad.draw(uploader.texture());
      const cv::Mat bgr = deepvis::render::read_framebuffer_bgr(w, h);
      glBindFramebuffer(GL_FRAMEBUFFER, 0);
      cv::Mat expected = image;
      if (type == CV_8UC1) cv::merge(std::vector<cv::Mat>{image, image, image}, expected);
      CHECK_MESSAGE(cv::norm(bgr, expected, cv::NORM_INF) == 0, "type " << type << " frame " << frame);
    }
  }
  CHECK(uploader.texture_allocations() == 2);  // once per format, not per frame
  // A view of a larger image (row stride wider than the row) uploads the same as a packed copy.
  const cv::Mat big = pattern(w + 9, h + 4, CV_8UC3, 5);
  const cv::Mat view = big(cv::Rect(3, 2, w, h));
  uploader.upload(view);
  target.bind();
  quad.draw(uploader.texture());
  CHECK(cv::norm(deepvis::render::read_framebuffer_bgr(w, h), view, cv::NORM_INF) == 0);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
}

TEST_CASE("render: the GL-drawn PNG equals the documented per-layer normalization of the forward blob") {
  TempDir dir;
  const Tensor blob = forward_blob(dir);
  const auto r = run_process({deepvis_binary(), "render", "--model", kModel, "--input", kInput, "--layer", kLayer,
                              "--out", dir.path("grid.png"), "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  CHECK(j["renderer"].get<std::string>().find("OpenGL") != std::string::npos);  // drawn by GL, not --no-gl

  const cv::Mat png = cv::imread(dir.path("grid.png"), cv::IMREAD_UNCHANGED);
  REQUIRE(png.type() == CV_8UC1);
  // 64 tiles -> 8 x 8 grid of 31 px tiles with 1 px gaps: 8 * 31 + 7 = 255.
  REQUIRE(png.cols == 255);
  REQUIRE(png.rows == 255);
  double lo = blob.at(0), hi = blob.at(0);
  for (int64_t i = 0; i < blob.numel(); ++i) {
    lo = std::min<double>(lo, blob.at(i));
    hi = std::max<double>(hi, blob.at(i));
  }
  REQUIRE(hi > lo);
  int worst = 0, gap_pixels = 0, bad_gaps = 0, distinct_tiles = 0;
  for (int y = 0; y < 255; ++y) {
    for (int x = 0; x < 255; ++x) {
      const int v = png.at<uint8_t>(y, x);
      if (x % 32 == 31 || y % 32 == 31) {  // the gap column/row after each tile
        ++gap_pixels;
        bad_gaps += v != 255;
        continue;
      }
      const int c = (y / 32) * 8 + x / 32;  // row-major
      const double a = blob.at((static_cast<int64_t>(c) * 31 + y % 32) * 31 + x % 32);
      worst = std::max(worst, std::abs(v - expected_gray(a, lo, hi)));
    }
  }
  CHECK(worst <= 1);
  CHECK(gap_pixels == 255 * 255 - 64 * 31 * 31);
  CHECK(bad_gaps == 0);
  // Not vacuous: the tiles differ from each other and span the range.
  for (int c = 1; c < 64; ++c) {
    const cv::Rect a((c % 8) * 32, (c / 8) * 32, 31, 31), b(0, 0, 31, 31);
    distinct_tiles += cv::norm(png(a), png(b), cv::NORM_INF) > 0;
  }
  CHECK(distinct_tiles > 50);
  CHECK(j["rows"] == 8);
  CHECK(j["cols"] == 8);
}

TEST_CASE("render: per-tile and fixed modes, GL and --no-gl agree, colormaps go through GL in BGR order") {
  TempDir dir;
  const Tensor blob = forward_blob(dir);
  auto render = [&](const std::vector<std::string>& extra, const std::string& name) {
    std::vector<std::string> args = {deepvis_binary(), "render",  "--model", kModel,  "--input",
                                     kInput,           "--layer", kLayer,    "--out", dir.path(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_process(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return cv::imread(dir.path(name), cv::IMREAD_UNCHANGED);
  };

  SUBCASE("per tile") {
    const cv::Mat png = render({"--norm", "tile", "--gap", "2"}, "tile.png");
    REQUIRE(png.cols == 8 * 31 + 7 * 2);
    int worst = 0;
    for (int c = 0; c < 64; ++c) {
      const float* map = blob.data() + c * 31 * 31;
      const auto [mn, mx] = std::minmax_element(map, map + 31 * 31);
      for (int i = 0; i < 31 * 31; ++i) {
        const int v = png.at<uint8_t>((c / 8) * 33 + i / 31, (c % 8) * 33 + i % 31);
        worst = std::max(worst, std::abs(v - expected_gray(map[i], *mn, *mx)));
      }
    }
    CHECK(worst <= 1);
  }
  SUBCASE("fixed range, clamped") {
    const cv::Mat png = render({"--range", "0.5,2"}, "fixed.png");
    int worst = 0;
    for (int c = 0; c < 64; ++c) {
      for (int i = 0; i < 31 * 31; ++i) {
        const int v = png.at<uint8_t>((c / 8) * 32 + i / 31, (c % 8) * 32 + i % 31);
        worst = std::max(worst, std::abs(v - expected_gray(blob.at(c * 31 * 31 + i), 0.5, 2.0)));
      }
    }
    CHECK(worst <= 1);
  }
  SUBCASE("viridis: GL output equals the CPU atlas") {
    const cv::Mat gl = render({"--colormap", "viridis"}, "gl.png");
    const cv::Mat cpu = render({"--colormap", "viridis", "--no-gl"}, "cpu.png");
    REQUIRE(gl.type() == CV_8UC3);
    REQUIRE(cpu.type() == CV_8UC3);
    CHECK(cv::norm(gl, cpu, cv::NORM_INF) == 0);
    // The largest activation is bright yellow (red and green high in BGR), not blue: channel order kept.
    const int64_t top = std::max_element(blob.data(), blob.data() + blob.numel()) - blob.data();
    const int c = static_cast<int>(top / (31 * 31)), i = static_cast<int>(top % (31 * 31));
    const cv::Vec3b color = gl.at<cv::Vec3b>((c / 8) * 32 + i / 31, (c % 8) * 32 + i % 31);
    CHECK(color[2] > 200);
    CHECK(color[1] > 200);
    CHECK(color[0] < 100);
    // Gaps stay the neutral background (white), not a colour of the map.
    CHECK(gl.at<cv::Vec3b>(31, 5) == cv::Vec3b(255, 255, 255));
  }
  SUBCASE("gray: GL output equals the CPU atlas") {
    CHECK(cv::norm(render({}, "gl.png"), render({"--no-gl"}, "cpu.png"), cv::NORM_INF) == 0);
  }
}

TEST_CASE("render: a bad layer or bad flags exit 2 with a message") {
  TempDir dir;
  auto run = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {deepvis_binary(), "render", "--model", kModel,
                                     "--input",        kInput,   "--out",   dir.path("x.png")};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
  };
  const auto bad_layer = run({"--layer", "no_such_layer"});
  CHECK(bad_layer.exit_code == 2);
  CHECK(bad_layer.output.find("no_such_layer") != std::string::npos);
  const auto no_range = run({"--layer", kLayer, "--norm", "fixed"});
  CHECK(no_range.exit_code == 2);
  CHECK(no_range.output.find("--range") != std::string::npos);
  const auto bad_range = run({"--layer", kLayer, "--range", "2,1"});
  CHECK(bad_range.exit_code == 2);
  const auto bad_batch = run({"--layer", kLayer, "--batch-index", "1"});
  CHECK(bad_batch.exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.path("x.png")));
}

TEST_CASE("render: without --layer, the window's default: the card's layer, else the first convolution") {
  TempDir dir;
  auto layer_of = [&](const std::string& model, const std::string& input) {
    const auto r = run_process(
        {deepvis_binary(), "render", "--model", model, "--input", input, "--out", dir.path("d.png"), "--json"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    return nlohmann::json::parse(r.output.substr(r.output.find('{')))["layer"].get<std::string>();
  };
  CHECK(layer_of(kModel, kInput) == "/features/features.0/Conv_output_0");  // no card: the first convolution
  // The Fashion-MNIST card names /conv1/Conv first; its output blob (the BatchNorm folded into it) is drawn.
  const std::string source = DEEPVIS_SOURCE_DIR;
  CHECK(layer_of(source + "/models/fashion_mnist/fashion_mnist.onnx", source + "/samples/photos/coffee.png") ==
        "/bn1/BatchNormalization_output_0");
}
