// The optimizer on the GPU (compute/vis/cuda/device_ascent.hpp) against the host loop (compute/vis/ascent.hpp), the
// oracle: the same trajectory for 100 steps of each of the paper's presets from start_at=mean, a batch of units
// on a conv layer, a regularizer change mid-run, and CUDA-graph replay against kernel-by-kernel launches. Skips,
// saying why, without a GPU; the option check runs everywhere.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/cuda/device_ascent.hpp"
#include "tests/support/gpu_support.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

// torchvision's preprocessing (0..1 pixels, ImageNet mean and std) in the optimizer's pixel space.
vis::PixelSpace imagenet_space() {
  const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
  vis::PixelSpace s;
  for (int c = 0; c < 3; ++c) {
    s.gain.push_back((1.0f / 255.0f) / stdev[c]);
    s.offset.push_back(mean[c] * 255.0f);
  }
  return s;
}

// The trained Fashion-MNIST model with its card's preprocessing (0..1 pixels, mean 0.28604, std 0.353024): at the
// mean its gradients are not zero (a random-weight net's can be), so "from the mean" has a trajectory to follow.
Graph fashion_mnist() {
  return import_onnx((test::source_root() / "models/fashion_mnist/fashion_mnist.onnx").string());
}

vis::PixelSpace fashion_space() {
  vis::PixelSpace s;
  s.gain.push_back((1.0f / 255.0f) / 0.353024f);
  s.offset.push_back(0.28604f * 255.0f);
  return s;
}

Graph squeezenet() {
  return import_onnx((test::source_root() / "tests/fixtures/torch/squeezenet1_1_64/model.onnx").string());
}

// The name of the n-th Relu's output: a conv layer with spatial positions.
std::string relu_output(const Graph& g, int n) {
  for (const Node& node : g.nodes) {
    if (node.kind == OpKind::Relu && n-- == 0) return g.blobs[static_cast<size_t>(node.output)].name;
  }
  return {};
}

struct Compared {
  double obj = 0.0;     // max |obj difference| over the trajectory / max |obj|
  double x = 0.0;       // mean |x difference| / mean |x| at the end
  double x_max = 0.0;   // max |x difference| / max |x|
  int argmax_diff = 0;  // iterations whose argmax unit differs
};

// max |a - b| over the trajectory / max |a|
double trajectory_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 1e-12, diff = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    scale = std::max(scale, std::fabs(a[i]));
    diff = std::max(diff, std::fabs(a[i] - b[i]));
  }
  return diff / scale;
}

// mean |a - b| / mean |a|
double mean_difference(const Tensor& a, const Tensor& b) {
  double sum_diff = 0.0, sum_abs = 1e-12;
  for (int64_t i = 0; i < a.numel(); ++i) {
    sum_diff += std::fabs(static_cast<double>(a.at(i)) - b.at(i));
    sum_abs += std::fabs(static_cast<double>(a.at(i)));
  }
  return sum_diff / sum_abs;
}

Compared compare(vis::AscentRun& host, cuda::DeviceAscentRun& dev) {
  Compared c;
  for (int k = 0; k < host.units(); ++k) {
    const vis::UnitRecord& h = host.record(k);
    const vis::UnitRecord& d = dev.record(k);
    REQUIRE(h.obj.size() == d.obj.size());
    for (size_t i = 0; i < h.obj.size(); ++i) {
      if (h.idxmax[i] != d.idxmax[i]) ++c.argmax_diff;
    }
    c.obj = std::max(c.obj, trajectory_difference(h.obj, d.obj));
  }
  const Tensor dx = dev.x();
  c.x = mean_difference(host.x(), dx);
  c.x_max = test::max_relative_error(dx, host.x());
  return c;
}

}  // namespace

TEST_CASE("cuda ascent: options beyond the paper's loop are named, so callers can run the host loop") {
  vis::AscentParams p = vis::preset(3);
  CHECK(cuda::DeviceAscentRun::unsupported(p).empty());
  p.param = vis::ParamKind::Fft;
  CHECK(cuda::DeviceAscentRun::unsupported(p) == "the fft parameterization");
  p = vis::preset(1);
  p.optimizer = vis::OptimizerKind::Adam;
  CHECK(cuda::DeviceAscentRun::unsupported(p) == "the adam optimizer");
  p = vis::preset(1);
  p.jitter = 4;
  CHECK(cuda::DeviceAscentRun::unsupported(p) == "random transforms");
  p = vis::preset(1);
  p.objective = vis::ObjectiveKind::Channel;
  CHECK(cuda::DeviceAscentRun::unsupported(p).find("channel") != std::string::npos);
  p = vis::preset(3);
  p.blur_radius = 40.0;
  CHECK(cuda::DeviceAscentRun::unsupported(p).find("blur radius") != std::string::npos);
}

// Presets 2 and 3 take constant steps of lr 100 pixels (Caffe's units) on a model fed 0..1 pixels: x slams
// between the pixel bounds, and float32 rounding differences grow until the images differ while the objective
// stays close: the host run again with the network input scaled by 1 + 2^-22, 1 - 2^-22 and 1 + 2^-21
// (rounding-level changes) moves its own image by 0.1-0.4 of its mean. An image bound at that scale would pass an
// unrelated image of similar magnitude, so for presets 2 and 3 only the objective trajectory is asserted (within
// 4x the host's own sensitivity, capped at 1e-2), and the image difference is reported, not asserted. Presets 1
// and 4 (progress schedules) are stable: trajectory and image within 1e-3.
TEST_CASE("cuda ascent: the GPU loop follows the host loop for 100 steps of each preset from the mean") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = fashion_mnist();
  const std::string logits = graph.blobs[static_cast<size_t>(graph.outputs.front())].name;
  for (int number = 1; number <= 4; ++number) {
    CAPTURE(number);
    vis::AscentParams p = vis::preset(number);
    p.max_iter = 100;
    p.start_at = vis::StartAt::Mean;
    p.push_layer = logits;
    p.push_units = {3};
    Net cpu_net(graph, make_cpu_backend());
    Net gpu_net(graph, test::gpu());
    vis::AscentRun host(cpu_net, p, fashion_space());
    cuda::DeviceAscentRun dev(gpu_net, p, fashion_space());
    while (host.step()) {
    }
    dev.run();
    CHECK(host.iteration() == 100);
    CHECK(dev.iteration() == host.iteration());
    CHECK(dev.graphed());
    const Compared c = compare(host, dev);
    // The host's own sensitivity: the largest change that any of three rounding-level nudges of the input scale
    // makes to its trajectory.
    Compared self;
    for (const float nudge : {1.0f + 1.0f / 4194304.0f, 1.0f - 1.0f / 4194304.0f, 1.0f + 1.0f / 2097152.0f}) {
      Net nudged_net(graph, make_cpu_backend());
      vis::PixelSpace nudged = fashion_space();
      nudged.gain[0] *= nudge;
      vis::AscentRun host2(nudged_net, p, nudged);
      while (host2.step()) {
      }
      self.x = std::max(self.x, mean_difference(host.x(), host2.x()));
      self.obj = std::max(self.obj, trajectory_difference(host.record(0).obj, host2.record(0).obj));
    }
    MESSAGE("preset " << number << " (" << dev.launch_note() << "): GPU vs host: objective trajectory " << c.obj
                      << ", x mean " << c.x << ", x max " << c.x_max << ", argmax differs at " << c.argmax_diff
                      << " of 100; the host nudged by one rounding: objective " << self.obj << ", x mean " << self.x
                      << "; final objective " << host.record(0).last_obj);
    if (number == 1 || number == 4) {
      CHECK(c.obj <= 1e-3);
      CHECK(c.x <= 1e-3);
    } else {
      CHECK(c.obj <= std::min(1e-2, std::max(1e-3, 4 * self.obj)));
    }
    CHECK(c.argmax_diff <= 2);
  }
}

TEST_CASE("cuda ascent: a batch of units at a conv position, with the per-pixel clips, matches the host batch") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = squeezenet();
  for (int number : {1, 4}) {
    CAPTURE(number);
    vis::AscentParams p = vis::preset(number);
    p.max_iter = 60;
    p.start_at = vis::StartAt::MeanPlusRand;
    p.seed = 11;
    p.push_layer = relu_output(graph, 3);
    p.push_units = {0, 5, 9};
    Net cpu_net(graph, make_cpu_backend());
    Net gpu_net(graph, test::gpu());
    vis::AscentRun host(cpu_net, p, imagenet_space());
    cuda::DeviceAscentRun dev(gpu_net, p, imagenet_space());
    while (host.step()) {
    }
    dev.run();
    const Compared c = compare(host, dev);
    MESSAGE("batch of 3 at " << p.push_layer << ", preset " << number << ": objective " << c.obj << ", x mean " << c.x
                             << ", x max " << c.x_max);
    CHECK(c.obj <= 1e-3);
    CHECK(c.x <= 1e-3);
  }
}

TEST_CASE("cuda ascent: a regularizer change mid-run applies from the next step, as on the host") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = fashion_mnist();
  vis::AscentParams p = vis::preset(1);  // the progress schedule: stable, so the two loops agree closely
  p.max_iter = 80;
  p.start_at = vis::StartAt::Mean;
  p.push_layer = graph.blobs[static_cast<size_t>(graph.outputs.front())].name;
  p.push_units = {7};
  // Units that stop early (a zero gradient) would make the comparison empty: both loops run all 80 steps.
  Net cpu_net(graph, make_cpu_backend());
  Net gpu_net(graph, test::gpu());
  vis::AscentRun host(cpu_net, p, fashion_space());
  cuda::DeviceAscentRun dev(gpu_net, p, fashion_space());
  for (int i = 0; i < 40; ++i) host.step();
  dev.run(40);
  vis::AscentParams changed = p;
  changed.decay = 0.01;
  changed.blur_radius = 0.8;
  changed.blur_every = 2;
  changed.small_val_percentile = 30;  // a clip the first capture did not hold: the step is captured again
  host.update_params(changed);
  dev.update_params(changed);
  while (host.step()) {
  }
  dev.run();
  CHECK(host.iteration() == 80);
  CHECK(dev.iteration() == 80);
  const Compared c = compare(host, dev);
  MESSAGE("change at step 40: objective " << c.obj << ", x mean " << c.x << " (" << dev.launch_note() << ")");
  CHECK(c.obj <= 1e-3);
  CHECK(c.x <= 1e-3);
  // The change mattered: the untouched run ends elsewhere.
  Net other_net(graph, test::gpu());
  cuda::DeviceAscentRun unchanged(other_net, p, fashion_space());
  unchanged.run();
  CHECK(test::max_relative_error(unchanged.x(), dev.x()) > 1e-2);
}

TEST_CASE("cuda ascent: CUDA graph replay gives what kernel-by-kernel launches give") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = squeezenet();
  vis::AscentParams p = vis::preset(1);
  p.max_iter = 50;
  p.push_layer = relu_output(graph, 3);
  p.push_units = {3, 4};
  Net a_net(graph, test::gpu());
  Net b_net(graph, test::gpu());
  cuda::DeviceAscentRun graphed(a_net, p, imagenet_space());
  cuda::DeviceAscentRun eager(b_net, p, imagenet_space(), nullptr, {false, 50});
  CHECK(graphed.graphed());
  CHECK_FALSE(eager.graphed());
  graphed.run();
  while (eager.step()) {
  }
  const double err = test::max_relative_error(graphed.x(), eager.x());
  MESSAGE("graph vs eager: x relative error " << err);
  CHECK(err <= 1e-5);
  CHECK(graphed.record(1).obj.size() == eager.record(1).obj.size());
}

#endif  // DEEPVIS_HAVE_CUDA
