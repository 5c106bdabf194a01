// The engine's per-frame work (EngineCore) on the embedded Fashion-MNIST model, checked against the engine API
// called directly: the grid's layout and normalization recomputed by hand, the backward seed built by hand, and
// the top-5 recomputed from the output.
#include "app/engine/engine_core.hpp"
#include "app/capture/frame.hpp"
#include "app/engine/backward_display.hpp"
#include "app/engine/top_predictions.hpp"
#include "compute/core/backend.hpp"
#include "compute/core/net.hpp"
#include "compute/image/face_crop.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/model/model_card.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/drawn_face.hpp"
#include "tests/support/op_check.hpp"

#include "tests/support/headless_gui.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

using namespace deepvis;
using namespace deepvis::app;
using deepvis::test::max_relative_error;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

Frame make_frame(const cv::Mat& rgb, uint64_t sequence) {
  Frame f;
  f.rgb = rgb;
  f.name = "shirt";
  f.sequence = sequence;
  return f;
}

// The oracle: the model run through the engine API directly, preprocessed as its card says.
struct Reference {
  Net net;
  Preprocess preprocess;
  Tensor input;

  explicit Reference(const cv::Mat& rgb) : net(import_onnx(kModel), make_cpu_backend(), 1) {
    preprocess = apply_card_preprocess(read_model_card(model_card_path(kModel)).preprocess, Preprocess{});
    input = preprocess_image(rgb, preprocess, net.input_dims());
    net.forward(input);
  }
};

// The first convolution's output blob, by walking the graph (not through the engine under test).
std::string first_conv_layer() {
  const Graph g = import_onnx(kModel);
  for (const Node& node : g.nodes) {
    if (node.kind == OpKind::Conv) return g.blobs[static_cast<size_t>(node.output)].name;
  }
  FAIL("the model has no convolution");
  return "";
}

double max_abs(const Tensor& t) {
  double m = 0.0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, static_cast<double>(std::fabs(t.at(i))));
  return m;
}

}  // namespace

TEST_CASE("engine: a frame gives the selected layer's grid, laid out square and normalized per layer") {
  const cv::Mat rgb = deepvis::test::drawn_shirt_image();
  const std::string layer = first_conv_layer();
  EngineCore core;
  core.apply(LoadModel{kModel});
  core.apply(SelectLayer{layer});
  const auto snap = core.process(make_frame(rgb, 1));
  INFO(snap->error);
  REQUIRE(snap->has_results());
  CHECK(snap->settings.layer == layer);
  CHECK(snap->frame_sequence == 1);

  Reference ref(rgb);
  const Tensor& act = ref.net.blob(ref.net.blob_id(layer));
  REQUIRE(snap->activations.dims() == act.dims());
  CHECK(max_relative_error(snap->activations, act) < 1e-6);

  // Layout by hand: 16 channels of 28 x 28 -> 4 x 4 tiles, 1 px apart.
  const int channels = static_cast<int>(act.dim(1));
  const int h = static_cast<int>(act.dim(2));
  const int w = static_cast<int>(act.dim(3));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(channels))));
  const int rows = (channels + cols - 1) / cols;
  REQUIRE(snap->grid_bgr.cols == cols * w + (cols - 1));
  REQUIRE(snap->grid_bgr.rows == rows * h + (rows - 1));

  // Per-layer normalization by hand: one range for the whole layer.
  float lo = act.at(0);
  float hi = act.at(0);
  for (int64_t i = 0; i < act.numel(); ++i) {
    lo = std::min(lo, act.at(i));
    hi = std::max(hi, act.at(i));
  }
  REQUIRE(hi > lo);
  int mismatches = 0;
  for (int c = 0; c < channels; ++c) {
    const int x0 = (c % cols) * (w + 1);
    const int y0 = (c / cols) * (h + 1);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const float v = act.at((static_cast<int64_t>(c) * h + y) * w + x);
        const auto expected = static_cast<int>(std::floor(255.0 * (v - lo) / (hi - lo) + 0.5));
        const cv::Vec3b px = snap->grid_bgr.at<cv::Vec3b>(y0 + y, x0 + x);
        if (std::abs(px[0] - expected) > 1 || px[0] != px[1] || px[1] != px[2]) ++mismatches;
      }
    }
  }
  CHECK(mismatches == 0);
  // Gaps are white.
  CHECK(snap->grid_bgr.at<cv::Vec3b>(0, w) == cv::Vec3b(255, 255, 255));

  // The selected unit's tile is its own map from the atlas.
  const cv::Mat tile = snap->grid_bgr(cv::Rect(0, 0, w, h));
  CHECK(cv::norm(tile, snap->unit_bgr, cv::NORM_INF) == 0.0);
  CHECK(snap->times.forward > 0.0);
  CHECK(snap->times.capture == 0.0);  // make_frame says nothing about its capture

  // Asking for the GPU grid path changes nothing on a net computing on the CPU: the host atlas as before.
  core.apply(UseDeviceGrid{true});
  const auto on_cpu = core.process(make_frame(rgb, 3));
  CHECK(on_cpu->device_layer == nullptr);
  REQUIRE(on_cpu->has_results());
  CHECK(cv::norm(on_cpu->grid_bgr, snap->grid_bgr, cv::NORM_INF) == 0.0);
  core.apply(UseDeviceGrid{false});

  // The capture thread's time for a frame is the status bar's first stage.
  Frame timed = make_frame(rgb, 2);
  timed.capture_ms = 3.25;
  CHECK(core.process(timed)->times.capture == 3.25);
}

TEST_CASE("engine: the backward view seeds the selected unit's own activation map, in the mode asked for") {
  const cv::Mat rgb = deepvis::test::drawn_shirt_image();
  const std::string layer = first_conv_layer();
  const int unit = 3;
  EngineCore core;
  core.apply(LoadModel{kModel});
  core.apply(SelectLayer{layer});
  core.apply(SelectUnit{unit});
  core.apply(SetBackward{BackwardView::Deconv});
  const auto deconv = core.process(make_frame(rgb, 1));
  INFO(deconv->error);
  REQUIRE(!deconv->backward_input.empty());
  REQUIRE(!deconv->backward_bgr.empty());

  // The seed by hand: channel `unit` keeps its activations, every other channel zero.
  Reference ref(rgb);
  const int blob = ref.net.blob_id(layer);
  const Tensor& act = ref.net.blob(blob);
  const int64_t plane = act.dim(2) * act.dim(3);
  Tensor seed(act.dims());
  for (int64_t i = unit * plane; i < (unit + 1) * plane; ++i) seed.at(i) = act.at(i);
  REQUIRE(max_abs(seed) > 0.0);  // the unit responds to the shirt, so the check below means something
  Gradients grads = ref.net.make_gradients();
  ref.net.backward_from(blob, seed, BackwardMode::Deconv, grads);
  CHECK(max_relative_error(deconv->backward_input, grads.input()) < 1e-5);

  // A seed of ones over the channel (the usual mistake) gives another image.
  Tensor ones(act.dims());
  for (int64_t i = unit * plane; i < (unit + 1) * plane; ++i) ones.at(i) = 1.0f;
  Gradients other = ref.net.make_gradients();
  ref.net.backward_from(blob, ones, BackwardMode::Deconv, other);
  CHECK(max_relative_error(deconv->backward_input, other.input()) > 1e-2);

  // Gradient mode flows the exact derivative: the oracle's gradient, not the deconv image.
  core.apply(SetBackward{BackwardView::Gradient});
  const auto gradient = core.process(make_frame(rgb, 2));
  ref.net.backward_from(blob, seed, BackwardMode::Gradient, grads);
  CHECK(max_relative_error(gradient->backward_input, grads.input()) < 1e-5);

  core.apply(SetBackward{BackwardView::Off});
  const auto off = core.process(make_frame(rgb, 3));
  CHECK(off->backward_input.empty());
  CHECK(off->backward_bgr.empty());
}

TEST_CASE("engine: the top-5 carries the card's labels, sorted, with softmax probabilities") {
  const cv::Mat rgb = deepvis::test::drawn_shirt_image();
  EngineCore core;
  core.apply(LoadModel{kModel});
  const auto snap = core.process(make_frame(rgb, 1));
  REQUIRE(snap->top5.size() == 5);

  Reference ref(rgb);
  const Tensor& out = ref.net.blob(ref.net.graph().outputs.front());
  std::vector<std::string> labels;
  {
    std::ifstream in(std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.labels.txt");
    for (std::string line; std::getline(in, line);) labels.push_back(line);
  }
  double sum = 0.0;
  for (int64_t i = 0; i < out.numel(); ++i) sum += std::exp(static_cast<double>(out.at(i)));
  int64_t best = 0;
  for (int64_t i = 1; i < out.numel(); ++i) best = out.at(i) > out.at(best) ? i : best;
  CHECK(snap->top5[0].index == best);
  for (size_t r = 0; r < snap->top5.size(); ++r) {
    const Prediction& p = snap->top5[r];
    CHECK(p.label == labels.at(static_cast<size_t>(p.index)));
    CHECK(p.value == doctest::Approx(out.at(p.index)));
    CHECK(p.probability == doctest::Approx(std::exp(static_cast<double>(out.at(p.index))) / sum).epsilon(1e-4));
    if (r > 0) CHECK(snap->top5[r - 1].value >= p.value);
  }
}

TEST_CASE("engine: units are clamped, unknown layers are reported and the selection is kept") {
  const std::string layer = first_conv_layer();
  EngineCore core;
  core.apply(LoadModel{kModel});
  REQUIRE(core.model());
  CHECK(core.model()->layers[static_cast<size_t>(core.model()->find_layer(core.settings().layer))].op == "Conv");
  core.apply(SelectLayer{layer});
  core.apply(SelectUnit{999});
  CHECK(core.settings().unit == 15);  // 16 channels
  core.apply(SelectUnit{-4});
  CHECK(core.settings().unit == 0);

  core.apply(SelectLayer{"no_such_layer"});
  CHECK(core.settings().layer == layer);
  const auto snap = core.process(make_frame(deepvis::test::drawn_shirt_image(), 1));
  CHECK(snap->error.find("no_such_layer") != std::string::npos);
  CHECK(snap->has_results());
  CHECK(snap->commands_applied == 5);

  // A fully connected layer is drawn too, one tile per unit.
  const std::string fc = core.model()->layers.back().name;
  core.apply(SelectLayer{fc});
  const auto fc_snap = core.process(make_frame(deepvis::test::drawn_shirt_image(), 2));
  REQUIRE(fc_snap->has_results());
  CHECK(fc_snap->layout.channels == 10);
  CHECK(fc_snap->layout.map_height == 1);
}

TEST_CASE("engine: a model that fails to load is reported, and frames still pass through") {
  EngineCore core;
  core.apply(LoadModel{"/nonexistent/model.onnx"});
  const auto snap = core.process(make_frame(deepvis::test::drawn_shirt_image(), 7));
  CHECK(snap->model == nullptr);
  CHECK(snap->error.find("/nonexistent/model.onnx") != std::string::npos);
  CHECK(snap->error_count == 1);
  CHECK(snap->frame_sequence == 7);
  CHECK(snap->input_rgb.cols == 112);
  CHECK(!snap->has_results());
}

TEST_CASE("engine: backward display forms: raw around gray, per-pixel channel norm, and its blur") {
  // Two channels, 1 x 3 pixels: norms 5, 0, 2.5 (3-4-5 triangle, scaled).
  const Tensor signal({1, 2, 1, 3}, {3.0f, 0.0f, -1.5f, 4.0f, 0.0f, 2.0f});
  const cv::Mat norm = channel_norm(signal);
  CHECK(norm.at<float>(0, 0) == doctest::Approx(5.0));
  CHECK(norm.at<float>(0, 1) == doctest::Approx(0.0));
  CHECK(norm.at<float>(0, 2) == doctest::Approx(2.5));

  const cv::Mat shown = backward_display_image(signal, BackwardDisplay::Norm, false);
  REQUIRE(shown.type() == CV_8UC3);
  CHECK(shown.at<cv::Vec3b>(0, 0) == cv::Vec3b(255, 255, 255));
  CHECK(shown.at<cv::Vec3b>(0, 1) == cv::Vec3b(0, 0, 0));
  CHECK(static_cast<int>(shown.at<cv::Vec3b>(0, 2)[0]) == 128);  // 2.5 / 5 * 255 = 127.5, rounded half up

  // Blurring spreads a single bright pixel to its neighbours; the peak stays the maximum.
  Tensor dot({1, 1, 5, 5});
  dot.at(12) = -3.0f;
  const cv::Mat blurred = backward_display_image(dot, BackwardDisplay::NormBlur, false);
  CHECK(blurred.at<cv::Vec3b>(2, 2)[0] == 255);
  CHECK(blurred.at<cv::Vec3b>(2, 3)[0] > 0);
  CHECK(blurred.at<cv::Vec3b>(2, 3)[0] < 255);
  CHECK(backward_display_image(dot, BackwardDisplay::Norm, false).at<cv::Vec3b>(2, 3)[0] == 0);

  // Raw: a gray model's channel maps around 128 (gray tensor: one channel fills all three).
  const Tensor gray({1, 1, 1, 2}, {-2.0f, 1.0f});
  const cv::Mat raw = backward_display_image(gray, BackwardDisplay::Raw, false);
  CHECK(static_cast<int>(raw.at<cv::Vec3b>(0, 0)[1]) == 1);    // 128 - 127
  CHECK(static_cast<int>(raw.at<cv::Vec3b>(0, 1)[1]) == 192);  // 128 + 63.5, rounded

  // Silence gives black norms, not a division by zero.
  const cv::Mat silent = backward_display_image(Tensor({1, 3, 2, 2}), BackwardDisplay::NormBlur, false);
  CHECK(cv::countNonZero(silent.reshape(1)) == 0);
}

TEST_CASE("engine: top_predictions orders by value, breaks ties by index, and keeps softmax outputs as they are") {
  const Tensor logits({1, 4}, {1.0f, 3.0f, 2.0f, 3.0f});
  const std::vector<std::string> labels = {"a", "b", "c"};
  const auto top = top_predictions(logits, 3, &labels, false);
  REQUIRE(top.size() == 3);
  CHECK(top[0].index == 1);
  CHECK(top[1].index == 3);
  CHECK(top[2].index == 2);
  CHECK(top[0].label == "b");
  CHECK(top[1].label.empty());  // no label for index 3
  const double sum = std::exp(1.0) + 2 * std::exp(3.0) + std::exp(2.0);
  CHECK(top[0].probability == doctest::Approx(std::exp(3.0) / sum));
  CHECK(top[2].probability == doctest::Approx(std::exp(2.0) / sum));

  const Tensor probs({1, 3}, {0.2f, 0.5f, 0.3f});
  const auto kept = top_predictions(probs, 5, nullptr, true);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].probability == doctest::Approx(0.5));
  CHECK(kept[2].probability == doctest::Approx(0.2));
}

TEST_CASE("engine: a new still gets a whole-frame face search, a video frame follows the face it had") {
  // A small face on the left, then the same plus a larger one on the right: find_face_crop takes the larger.
  cv::Mat left_only(260, 400, CV_8UC1, cv::Scalar(90));
  deepvis::test::draw_face(left_only, 100, 125, 44);
  cv::Mat both = left_only.clone();
  deepvis::test::draw_face(both, 280, 125, 80);
  const cv::Mat first = deepvis::test::to_rgb(left_only, 3.0);
  const cv::Mat second = deepvis::test::to_rgb(both, 3.0);
  // Which face a crop is of: its centre left or right of the middle (faces at x 100 and 280).
  auto on_right = [](const cv::Rect2d& box) { return box.x + box.width / 2 > 190; };
  const deepvis::FaceCrop whole = deepvis::find_face_crop(second);
  REQUIRE(whole.found);
  REQUIRE(on_right(cv::Rect2d(whole.face)));

  ModelOptions options;  // as `--crop face` gives it
  options.preprocess.crop = CropMode::Face;
  for (const bool still : {true, false}) {
    CAPTURE(still);
    EngineCore core(options);
    core.apply(LoadModel{kModel});
    Frame a = make_frame(first, 1);
    a.still = still;
    REQUIRE_FALSE(on_right(core.process(a)->input_crop));
    Frame b = make_frame(second, 2);
    b.still = still;
    const auto snap = core.process(b);
    INFO(snap->error);
    REQUIRE(snap->has_results());
    // Another image of a folder is cropped as `deepvis forward --crop face` would; a video's next frame keeps
    // following its face (the larger one is taken at the next whole-frame look, tests/compute/face_tracker_test).
    CHECK(on_right(snap->input_crop) == still);
  }
}

TEST_CASE("engine: a crop mode chosen in the window replaces the model's, and none restores it") {
  EngineCore core;
  core.apply(LoadModel{kModel});
  REQUIRE(core.model());
  CHECK(core.model()->crop == deepvis::CropMode::Stretch);  // the Fashion-MNIST card's
  const cv::Mat wide(40, 80, CV_8UC3, cv::Scalar(120, 60, 30));
  const auto crop_of = [&](uint64_t sequence) {
    const auto snap = core.process(make_frame(wide, sequence));
    INFO(snap->error);
    REQUIRE(snap->has_results());
    return snap->input_crop;
  };
  CHECK(crop_of(1) == cv::Rect2d(0, 0, 80, 40));  // stretched: the whole frame
  core.apply(SetCrop{deepvis::CropMode::Center});
  CHECK(core.settings().crop == deepvis::CropMode::Center);
  CHECK(crop_of(2) == cv::Rect2d(20, 0, 40, 40));  // the centre square
  core.apply(SetCrop{std::nullopt});
  CHECK(crop_of(3) == cv::Rect2d(0, 0, 80, 40));
}
