// The optimizer's options beyond the paper, end to end on a small random conv model: each objective,
// transform set, the FFT parameterization and Adam climbs its objective; runs stay deterministic; contradictions
// are refused with the reason.
#include "compute/core/error.hpp"
#include "compute/vis/ascent.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace deepvis;
using vis::AscentParams;
using vis::AscentRun;
using vis::ObjectiveKind;

namespace {

Graph conv_model(int64_t channels = 3) {
  GraphBuilder g("conv");
  int x = g.input("data", {1, channels, 16, 16});
  const ConvParams conv{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  x = g.node(OpKind::Conv, conv, {x, g.constant("w1", test::random_tensor({6, channels, 3, 3}, 1, -0.2f, 0.2f))},
             "conv1");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu1");
  x = g.node(OpKind::Conv, conv, {x, g.constant("w2", test::random_tensor({8, 6, 3, 3}, 2, -0.2f, 0.2f))}, "conv2");
  g.node(OpKind::Relu, NoParams{}, {x}, "relu2");
  return g.build();
}

AscentParams base(ObjectiveKind kind, std::vector<int64_t> units = {2}) {
  AscentParams p;
  p.push_layer = "relu2";
  p.push_units = std::move(units);
  p.objective = kind;
  p.seed = 3;
  p.max_iter = 40;
  p.lr_policy = vis::LrPolicy::Progress;  // scale-free: each step aims at a fixed first-order gain
  p.desired_prog = 0.05;
  p.max_lr = 1e6;
  return p;
}

// Pixels as the run's next step would see them (p0 = 0 here): clipped to 0..255.
Tensor clipped(const Tensor& x) {
  Tensor c = x.clone();
  for (int64_t i = 0; i < c.numel(); ++i) c.at(i) = std::clamp(c.at(i), 0.0f, 255.0f);
  return c;
}

// The objective of `x` (K, C, H, W pixel space, gain 1), without transforms: what the run's image achieves.
std::vector<double> objective_of(const Graph& graph, const AscentParams& p, const Tensor& x) {
  Net net(graph, make_cpu_backend(), static_cast<int>(x.dim(0)));
  const int blob = net.blob_id(p.push_layer);
  net.forward(clipped(x), blob);
  const Dims& out = net.blob_dims(blob);
  vis::Objective o(p.objective, out, (out[2] / 2) * out[3] + out[3] / 2, p.direction);
  Tensor seed(out);
  o.evaluate(net.blob(blob), p.push_units, p.push_dir, p.diversity_weight, seed);
  return o.values();
}

struct Outcome {
  std::vector<double> start, end;  // objective per element, at the start point and at the final x
  Tensor x;
  std::vector<double> trajectory;  // element 0's recorded objective
};

Outcome optimize(const Graph& graph, const AscentParams& p) {
  Net net(graph, make_cpu_backend());
  AscentRun run(net, p, vis::pixel_space(Preprocess{}, graph.blobs[0].dims[1]));
  const Tensor x0 = run.x().clone();
  while (run.step()) {
  }
  for (int k = 0; k < run.units(); ++k) CHECK_MESSAGE(run.record(k).failure.empty(), run.record(k).failure);
  return {objective_of(graph, p, x0), objective_of(graph, p, run.x()), run.x().clone(), run.record(0).obj};
}

}  // namespace

TEST_CASE("ascent-options: channel, direction and direction_neuron objectives climb") {
  const Graph graph = conv_model();
  for (ObjectiveKind kind : {ObjectiveKind::Channel, ObjectiveKind::Direction, ObjectiveKind::DirectionNeuron}) {
    AscentParams p = base(kind, {2, 5});
    if (kind != ObjectiveKind::Channel) p.direction = {0.5f, -1.0f, 2.0f, 0.0f, 1.0f, -0.5f, 1.5f, 0.25f};
    const Outcome o = optimize(graph, p);
    CAPTURE(vis::objective_name(kind));
    for (size_t k = 0; k < o.end.size(); ++k) CHECK(o.end[k] > o.start[k] + 0.5);
    // The record is the objective itself (no transforms): element 0's last value is the final x's... one step back.
    CHECK(o.trajectory.front() == doctest::Approx(o.start[0]).epsilon(1e-4));
  }
}

TEST_CASE("ascent-options: diversity climbs and keeps a batch of one channel apart") {
  const Graph graph = conv_model();
  AscentParams p = base(ObjectiveKind::Diversity, {4, 4, 4});
  p.diversity_weight = 0.0;
  const Outcome alone = optimize(graph, p);
  p.diversity_weight = 20.0;
  const Outcome diverse = optimize(graph, p);
  const double start = std::accumulate(diverse.start.begin(), diverse.start.end(), 0.0);
  const double end = std::accumulate(diverse.end.begin(), diverse.end.end(), 0.0);
  CHECK(end > start);
  // Diversity of the final batch, measured with the same objective at weight 1: higher when it was optimized.
  AscentParams measure = p;
  measure.diversity_weight = 1.0;
  AscentParams plain = p;
  plain.diversity_weight = 0.0;
  auto diversity = [&](const Tensor& x) {
    const auto with = objective_of(graph, measure, x), without = objective_of(graph, plain, x);
    double d = 0.0;
    for (size_t k = 0; k < with.size(); ++k) d += with[k] - without[k];
    return d / static_cast<double>(with.size());
  };
  CHECK(diversity(diverse.x) > diversity(alone.x) + 0.01);
  // Elements start apart (their own start draws) and stay apart.
  CHECK(test::max_abs_error(diverse.x.reshaped({3, 768}), alone.x.reshaped({3, 768})) > 0.0);
}

TEST_CASE("ascent-options: random transforms: the image climbs without them too, and runs repeat bit for bit") {
  const Graph graph = conv_model();
  AscentParams p = base(ObjectiveKind::Channel);
  p.jitter = 2;
  p.pad = 1;
  p.scale_min = 0.9;
  p.scale_max = 1.1;
  p.rotate_deg = 10.0;
  const Outcome a = optimize(graph, p);
  CHECK(a.end[0] > a.start[0] + 0.5);
  const Outcome b = optimize(graph, p);
  CHECK(test::max_abs_error(a.x, b.x) == 0.0);
  CHECK(a.trajectory == b.trajectory);
  // The transforms did act: the run differs from the plain one.
  const Outcome plain = optimize(graph, base(ObjectiveKind::Channel));
  CHECK(test::max_abs_error(a.x, plain.x) > 0.0);
}

TEST_CASE("ascent-options: a transform list runs as the flags do for their order, and differently in another") {
  const Graph graph = conv_model();
  AscentParams flags = base(ObjectiveKind::Channel);
  flags.jitter = 2;
  flags.scale_min = 0.9;
  flags.scale_max = 1.1;
  flags.rotate_deg = 10.0;
  AscentParams listed = base(ObjectiveKind::Channel);
  listed.transforms = {vis::TransformStep::jitter(2), vis::TransformStep::scale(0.9, 1.1),
                       vis::TransformStep::rotate(10.0)};
  const Outcome a = optimize(graph, flags), b = optimize(graph, listed);
  CHECK(test::max_abs_error(a.x, b.x) == 0.0);
  CHECK(a.trajectory == b.trajectory);
  AscentParams reordered = listed;  // Lucid's habit: a second, smaller jitter after the resampling
  reordered.transforms = {vis::TransformStep::rotate(10.0), vis::TransformStep::scale(0.9, 1.1),
                          vis::TransformStep::jitter(2), vis::TransformStep::jitter(1)};
  const Outcome c = optimize(graph, reordered);
  CHECK(c.end[0] > c.start[0] + 0.5);
  CHECK(test::max_abs_error(a.x, c.x) > 0.0);
}

TEST_CASE("ascent-options: Adam on pixels and the FFT parameterization (sgd and adam) climb") {
  const Graph graph = conv_model();
  AscentParams adam = base(ObjectiveKind::Channel);
  adam.optimizer = vis::OptimizerKind::Adam;
  adam.lr_policy = vis::LrPolicy::Constant;
  adam.lr = 1.0;
  const Outcome a = optimize(graph, adam);
  CHECK(a.end[0] > a.start[0] + 0.5);

  AscentParams fft = base(ObjectiveKind::Channel);
  fft.param = vis::ParamKind::Fft;
  const Outcome f = optimize(graph, fft);
  CHECK(f.end[0] > f.start[0] + 0.5);

  AscentParams fft_adam = adam;
  fft_adam.param = vis::ParamKind::Fft;
  fft_adam.lr = 0.05;
  const Outcome fa = optimize(graph, fft_adam);
  CHECK(fa.end[0] > fa.start[0] + 0.5);
  // With fft the step is P(delta s): spatially smooth, unlike the pixel run from the same start.
  CHECK(test::max_abs_error(f.x, optimize(graph, base(ObjectiveKind::Channel)).x) > 0.0);
}

TEST_CASE("ascent-options: one FFT sgd step is x + lr P P^T g (the spectrum is implied by x)") {
  // Constant lr, no regularizers: after one step x1 = x0 + lr * P(P^T g0), g0 the pixel gradient of the objective
  // at the (clipped) start x0, computed here by a separate forward and backward.
  const Graph graph = conv_model();
  AscentParams p = base(ObjectiveKind::Channel);
  p.lr_policy = vis::LrPolicy::Constant;
  p.lr = 0.5;
  p.max_iter = 2;
  p.param = vis::ParamKind::Fft;
  Net fft_net(graph, make_cpu_backend());
  AscentRun run(fft_net, p, vis::pixel_space(Preprocess{}, 3));
  const Tensor x0 = clipped(run.x());
  run.step();

  Net net(graph, make_cpu_backend());
  const int blob = net.blob_id("relu2");
  net.forward(x0, blob);
  Tensor seed(net.blob_dims(blob));
  vis::Objective objective(ObjectiveKind::Channel, seed.dims(), 0);
  objective.evaluate(net.blob(blob), p.push_units, 1, 0.0, seed);
  Gradients grads = net.make_gradients();
  net.backward_from(blob, seed, BackwardMode::Gradient, grads);

  vis::FftParam param(3, 16, 16, false);
  std::vector<float> s(static_cast<size_t>(param.spectrum_size()));
  Tensor step(x0.dims());
  param.adjoint(grads.input().data(), s.data());
  param.decode(s.data(), step.data());
  Tensor moved(x0.dims()), expected_move(x0.dims());
  for (int64_t i = 0; i < x0.numel(); ++i) {
    moved.at(i) = run.x().at(i) - x0.at(i);
    expected_move.at(i) = static_cast<float>(p.lr) * step.at(i);
  }
  CHECK(test::max_abs_error(expected_move, Tensor(x0.dims())) > 0.1);  // a real move, not 0 = 0
  CHECK(test::max_relative_error(moved, expected_move) < 1e-3);
}

TEST_CASE("ascent-options: contradictions and model mismatches are refused with the reason") {
  const Graph graph = conv_model();
  const vis::PixelSpace space = vis::pixel_space(Preprocess{}, 3);
  Net net(graph, make_cpu_backend());
  AscentParams p = base(ObjectiveKind::Diversity, {1});
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("at least 2 units"), Error);
  p = base(ObjectiveKind::Direction);
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("needs a direction vector"), Error);
  p.direction = {1.0f, 2.0f};
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("layer (1x8x16x16) has 8 channels"), Error);
  p = base(ObjectiveKind::Neuron);
  p.direction = {1.0f};
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("needs --objective direction"), Error);
  p = base(ObjectiveKind::Neuron);
  p.optimizer = vis::OptimizerKind::Adam;  // with the progress policy of base()
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("constant --lr"), Error);
  p = base(ObjectiveKind::Neuron);
  p.scale_min = 1.2;
  p.scale_max = 1.1;
  CHECK_THROWS_WITH_AS(AscentRun(net, p, space), doctest::Contains("scale range"), Error);

  const Graph gray = conv_model(1);
  Net gray_net(gray, make_cpu_backend());
  p = base(ObjectiveKind::Neuron);
  p.param = vis::ParamKind::Fft;
  CHECK_THROWS_WITH_AS(AscentRun(gray_net, p, vis::pixel_space(Preprocess{}, 1)),
                       doctest::Contains("needs a 3-channel model"), Error);
}

TEST_CASE("ascent-options: live updates change transforms and Adam's betas, never the objective or the variable") {
  const Graph graph = conv_model();
  Net net(graph, make_cpu_backend());
  AscentParams p = base(ObjectiveKind::Channel);
  p.optimizer = vis::OptimizerKind::Adam;
  p.lr_policy = vis::LrPolicy::Constant;
  AscentRun run(net, p, vis::pixel_space(Preprocess{}, 3));
  run.step();
  CHECK(run.transform().draw().jitter_x == 0);
  AscentParams next = p;
  next.jitter = 3;
  next.beta1 = 0.5;
  next.objective = ObjectiveKind::Neuron;  // defines the run: kept
  next.param = vis::ParamKind::Fft;
  next.optimizer = vis::OptimizerKind::Sgd;
  run.update_params(next);
  CHECK(run.params().jitter == 3);
  CHECK(run.params().beta1 == 0.5);
  CHECK(run.params().objective == ObjectiveKind::Channel);
  CHECK(run.params().param == vis::ParamKind::Pixel);
  CHECK(run.params().optimizer == vis::OptimizerKind::Adam);
  bool shifted = false;
  for (int i = 0; i < 6; ++i) {
    run.step();
    shifted = shifted || run.transform().draw().jitter_x != 0 || run.transform().draw().jitter_y != 0;
  }
  CHECK(shifted);
  CHECK(run.objective().kind() == ObjectiveKind::Channel);
}
