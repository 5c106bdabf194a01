// The optimizer's loop: step sizes of each lr policy and decay against hand computation on a linear model,
// bit-for-bit determinism, the pixel-space conversion that makes presets model-independent, and bad input.
#include "compute/vis/ascent.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace deepvis;
using vis::AscentParams;
using vis::AscentRun;

namespace {

// y = W . flatten(x): the gradient of unit u w.r.t. the network input is W[u], whatever x is.
Graph linear_model(const Tensor& w) {
  GraphBuilder g("linear");
  int x = g.input("data", {1, 1, 2, 2});
  x = g.node(OpKind::Flatten, FlattenParams{1}, {x}, "flat");
  g.node(OpKind::Gemm, GemmParams{1.0f, 1.0f, false, true}, {x, g.constant("w", w)}, "fc");
  return g.build();
}

const Tensor kW({3, 4}, {0.5f, -1.0f, 2.0f, 0.25f, 1.0f, 1.0f, 1.0f, 1.0f, -0.5f, 0.0f, 0.5f, 3.0f});

// Pixels 0..255 with mean 128 and std 2: gain 0.5, p0 = 128, so the clip to valid pixels stays out of the way.
Preprocess half_gain() {
  Preprocess p;
  p.mean = {128.0f};
  p.stdev = {2.0f};
  return p;
}

AscentParams one_unit(const std::string& layer, int64_t unit) {
  AscentParams p;
  p.push_layer = layer;
  p.push_units = {unit};
  p.start_at = vis::StartAt::Mean;
  p.max_iter = 3;
  return p;
}

double g_pix_norm_sq(int64_t unit, float gain) {
  double s = 0;
  for (int i = 0; i < 4; ++i) s += std::pow(gain * kW.at(unit * 4 + i), 2.0);
  return s;
}

}  // namespace

TEST_CASE("ascent: constant lr and decay move x by (x + lr g)(1 - decay) in pixel space") {
  Net net(linear_model(kW), make_reference_backend());
  AscentParams p = one_unit("fc", 0);
  p.lr = 3.0;
  p.decay = 0.1;
  AscentRun run(net, p, vis::pixel_space(half_gain(), 1));
  REQUIRE(run.step());
  for (int i = 0; i < 4; ++i) {
    const double g = 0.5 * kW.at(i);  // d unit / d pixel = gain * W
    CHECK(run.x().at(i) == doctest::Approx((0.0 + 3.0 * g) * 0.9));
  }
  run.step();
  // The objective at ii 1 is W . (gain * x1).
  double obj = 0;
  for (int i = 0; i < 4; ++i) obj += kW.at(i) * 0.5 * (3.0 * 0.5 * kW.at(i) * 0.9);
  CHECK(run.record(0).obj.at(1) == doctest::Approx(obj));
  CHECK(run.record(0).ii == std::vector<int>{0, 1});
}

TEST_CASE("ascent: progress policy steps desired_prog / |g|^2, capped at max_lr") {
  Net net(linear_model(kW), make_reference_backend());
  AscentParams p = one_unit("fc", 2);
  p.lr_policy = vis::LrPolicy::Progress;
  p.desired_prog = 2.0;
  p.max_lr = 1e9;
  AscentRun run(net, p, vis::pixel_space(half_gain(), 1));
  run.step();
  const double lr = 2.0 / g_pix_norm_sq(2, 0.5f);
  for (int i = 0; i < 4; ++i) CHECK(run.x().at(i) == doctest::Approx(lr * 0.5 * kW.at(8 + i)));

  Net capped_net(linear_model(kW), make_reference_backend());
  p.max_lr = 0.01;
  AscentRun capped(capped_net, p, vis::pixel_space(half_gain(), 1));
  capped.step();
  CHECK(capped.x().at(3) == doctest::Approx(0.01 * 0.5 * 3.0));
}

TEST_CASE("ascent: progress01 uses min(early_prog, late_prog_mult * (1 - obj))") {
  Net net(linear_model(kW), make_reference_backend());
  AscentParams p = one_unit("fc", 1);
  p.start_at = vis::StartAt::Randu;  // obj != 0 at the start
  p.seed = 4;
  p.lr_policy = vis::LrPolicy::Progress01;
  p.early_prog = 0.03;
  p.late_prog_mult = 0.1;
  p.max_lr = 1e9;
  AscentRun run(net, p, vis::pixel_space(half_gain(), 1));
  Tensor before = run.x().clone();
  for (int i = 0; i < 4; ++i) before.at(i) = std::clamp(before.at(i) + 128.0f, 0.0f, 255.0f) - 128.0f;
  run.step();
  const double obj = run.record(0).obj.at(0);
  const double lr = std::min(0.03, 0.1 * (1.0 - obj)) / g_pix_norm_sq(1, 0.5f);
  for (int i = 0; i < 4; ++i) CHECK(run.x().at(i) == doctest::Approx(before.at(i) + lr * 0.5).epsilon(1e-5));
}

TEST_CASE("ascent: pixels stay valid: x + p0 is clipped to 0..255 before each forward") {
  Net net(linear_model(kW), make_reference_backend());
  AscentParams p = one_unit("fc", 0);
  p.lr = 10000.0;  // one step overshoots the pixel range in every entry
  AscentRun run(net, p, vis::pixel_space(half_gain(), 1));
  run.step();
  run.step();
  const auto& r = run.record(0);
  // At ii 1, x was clipped: entries with positive weight at 255 - 128, negative at 0 - 128.
  double expected = 0;
  for (int i = 0; i < 4; ++i) expected += kW.at(i) * 0.5 * (kW.at(i) > 0 ? 127.0 : -128.0);
  CHECK(r.obj.at(1) == doctest::Approx(expected));
  CHECK(r.best_ii == 1);
}

TEST_CASE("ascent: the same seed gives the same run, bit for bit") {
  GraphBuilder g("conv");
  int x = g.input("data", {1, 3, 16, 16});
  x = g.node(OpKind::Conv, ConvParams{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1},
             {x, g.constant("w", test::random_tensor({4, 3, 3, 3}, 1, -0.1f, 0.1f))}, "conv");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu");
  const Graph graph = g.build();
  auto run_once = [&] {
    Net net(graph, make_cpu_backend());
    AscentParams p = vis::preset(1);
    p.push_layer = "relu";
    p.push_units = {0, 2};
    p.seed = 11;
    p.max_iter = 25;
    AscentRun run(net, p, vis::pixel_space(Preprocess{}, 3));
    while (run.step()) {
    }
    return std::make_pair(run.x().clone(), run.record(1).obj);
  };
  const auto a = run_once();
  const auto b = run_once();
  CHECK(test::max_abs_error(a.first, b.first) == 0.0);
  CHECK(a.second == b.second);
}

TEST_CASE("ascent: a preset behaves the same for a Caffe-style model and a mean/std-normalized one") {
  // Model A takes Caffe input (pixels minus M); model B is A behind a layer that maps torchvision-normalized
  // input back to A's, so both compute the same function of the pixels. The same preset must give the same
  // pixel trajectory on both once each is given its own preprocessing.
  const float means[3] = {104.0f, 117.0f, 123.0f};
  const float stds[3] = {0.229f, 0.224f, 0.225f};
  const Tensor w = test::random_tensor({5, 3, 3, 3}, 3, -0.05f, 0.05f);
  auto build = [&](bool normalized) {
    GraphBuilder g("model");
    int x = g.input("data", {1, 3, 12, 12});
    if (normalized) {
      Tensor scale({1, 3, 1, 1}, {255 * stds[0], 255 * stds[1], 255 * stds[2]});
      x = g.node(OpKind::Mul, NoParams{}, {x, g.constant("s", scale)}, "to_pixels");  // + 255 m - M = 0 here
    }
    x = g.node(OpKind::Conv, ConvParams{{3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1}, {x, g.constant("w", w)}, "conv");
    x = g.node(OpKind::Relu, NoParams{}, {x}, "relu");
    return g.build();
  };
  Preprocess caffe;
  caffe.mean = {means[0], means[1], means[2]};
  Preprocess torchvision;
  torchvision.scale = 1.0f / 255.0f;
  torchvision.mean = {means[0] / 255, means[1] / 255, means[2] / 255};
  torchvision.stdev = {stds[0], stds[1], stds[2]};

  auto trajectory = [&](bool normalized, const Preprocess& pre) {
    Net net(build(normalized), make_reference_backend());
    AscentParams p = vis::preset(3);
    p.push_layer = "conv";
    p.push_units = {1};
    p.seed = 2;
    p.max_iter = 30;
    AscentRun run(net, p, vis::pixel_space(pre, 3));
    while (run.step()) {
    }
    return std::make_pair(run.x().clone(), run.record(0).obj);
  };
  const auto a = trajectory(false, caffe);
  const auto b = trajectory(true, torchvision);
  CHECK(test::max_relative_error(b.first, a.first) <= 1e-4);
  for (size_t i = 0; i < a.second.size(); ++i) CHECK(b.second[i] == doctest::Approx(a.second[i]).epsilon(1e-4));
  CHECK(a.second.back() > a.second.front());  // and it did climb
}

TEST_CASE("ascent: bad targets and contradictory parameters are refused with the reason") {
  Net net(linear_model(kW), make_reference_backend());
  const vis::PixelSpace space = vis::pixel_space(half_gain(), 1);
  AscentParams p = one_unit("fc", 7);
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("has no unit 7"), Error);
  p = one_unit("nothing", 0);
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("no layer named 'nothing'"), Error);
  p = one_unit("fc", 0);
  p.push_y = 2;
  p.push_x = 2;
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("no spatial positions"), Error);
  p = one_unit("fc", 0);
  p.blur_radius = 1.0;
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("blur every"), Error);
  p = one_unit("fc", 0);
  p.start_image = "cat.png";
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("--start-at image"), Error);
}

TEST_CASE("ascent: a non-finite x stops the unit, names the iteration, and keeps the best so far") {
  Net net(linear_model(kW), make_reference_backend());
  AscentParams p = one_unit("fc", 2);
  p.lr = 1e39;  // beyond float: the step is infinite
  p.max_iter = 10;
  AscentRun run(net, p, vis::pixel_space(half_gain(), 1));
  while (run.step()) {
  }
  const auto& r = run.record(0);
  CHECK(r.failure == "NaN in x at iteration 0");
  CHECK(r.best_ii == 0);
  CHECK(std::isfinite(r.best_x.at(0)));
  CHECK(run.iteration() == 1);
}
