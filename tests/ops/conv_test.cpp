// Conv: hand-computed forward and backward-data values on tiny inputs (both backends), finite differences of the
// reference backward, the cpu backend against the reference over a sweep of params and batches, a Relu -> Conv
// chain where the backward modes differ only through the Relu, and the refusal of a weights gradient.
#include "compute/ops/conv.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

ConvParams conv_params(Dims kernel, Dims strides = {1, 1}, Dims dilations = {1, 1}, Dims pads_begin = {0, 0},
                       Dims pads_end = {0, 0}, int64_t group = 1) {
  return ConvParams{std::move(kernel),     std::move(strides),  std::move(dilations),
                    std::move(pads_begin), std::move(pads_end), group};
}

Graph conv_graph(const ConvParams& p, const Dims& x, const Tensor& w, const Tensor* b = nullptr) {
  std::vector<Tensor> constants = {w};
  if (b) constants.push_back(*b);
  return single_node_graph(OpKind::Conv, p, x, constants);
}

struct SweepCase {
  std::string name;
  int64_t c, h, w, m;
  ConvParams p;
  bool bias;
};

std::vector<SweepCase> sweep() {
  return {
      {"3x3 pad 1", 3, 9, 9, 4, conv_params({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}), true},
      {"5x5 stride 2 pads (0,1,1,0)", 3, 11, 10, 5, conv_params({5, 5}, {2, 2}, {1, 1}, {0, 1}, {1, 0}), false},
      {"3x3 dilation 2", 4, 10, 10, 3, conv_params({3, 3}, {1, 1}, {2, 2}, {2, 2}, {2, 2}), true},
      {"3x3 group 2", 4, 8, 8, 6, conv_params({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 2), true},
      {"depthwise 3x3 group 8", 8, 8, 8, 8, conv_params({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 8), false},
      {"depthwise 3x3 stride 2 multiplier 2", 8, 9, 9, 16, conv_params({3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 8),
       true},
      {"depthwise 3x3 group 32", 32, 7, 7, 32, conv_params({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 32), true},
      {"1x1", 16, 7, 7, 8, conv_params({1, 1}), true},
      // 16+ input channels: the cpu backward runs in blocked layouts (fewer channels run plain).
      {"3x3 stride 2 pads (1,0,0,1) 16 channels", 16, 9, 8, 24, conv_params({3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}),
       true},
      {"5x5 dilation 2 group 2 24 channels", 24, 11, 11, 8, conv_params({5, 5}, {1, 1}, {2, 2}, {3, 3}, {2, 4}, 2),
       false},
      {"11x11 stride 4 (AlexNet conv1)", 3, 35, 35, 8, conv_params({11, 11}, {4, 4}, {1, 1}, {2, 2}, {2, 2}), true},
      {"1x3 strides (2,1) dilations (1,2)", 5, 7, 9, 4, conv_params({1, 3}, {2, 1}, {1, 2}, {0, 2}, {0, 1}), false},
  };
}

}  // namespace

TEST_CASE("conv: forward hand values, asymmetric pads and bias") {
  // Input padded with one zero column on the left and one zero row at the bottom, then a 2x2 kernel.
  const Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor b({1}, {10});
  const Graph g = conv_graph(conv_params({2, 2}, {1, 1}, {1, 1}, {0, 1}, {1, 0}), x.dims(), w, &b);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(g, backend, x), {28, 47, 57, 46, 77, 87, 24, 33, 36}, 1e-5);
  }
}

TEST_CASE("conv: forward hand values, stride 2 and dilation 2") {
  Tensor x({1, 1, 5, 5});
  for (int64_t i = 0; i < 25; ++i) x.at(i) = static_cast<float>(i);
  const Tensor w({1, 1, 2, 2}, {1, 1, 1, 1});
  // out[i][j] = x[2i][2j] + x[2i][2j+2] + x[2i+2][2j] + x[2i+2][2j+2]
  const Graph g = conv_graph(conv_params({2, 2}, {2, 2}, {2, 2}), x.dims(), w);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(g, backend, x), {24, 32, 64, 72}, 1e-5);
  }
}

TEST_CASE("conv: forward hand values, groups and depthwise") {
  const Tensor x({1, 2, 1, 1}, {3, 5});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    // Group 2, 4 outputs: channels 0,1 see input channel 0; channels 2,3 see input channel 1.
    const Tensor w2({4, 1, 1, 1}, {1, 2, 3, 4});
    check_values(
        run_forward(conv_graph(conv_params({1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 2), x.dims(), w2), backend, x),
        {3, 6, 15, 20}, 1e-5);
    const Tensor wd({2, 1, 1, 1}, {2, -1});
    const Tensor bd({2}, {0.5f, 1});
    check_values(
        run_forward(conv_graph(conv_params({1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 2), x.dims(), wd, &bd), backend, x),
        {6.5f, -4}, 1e-5);
  }
}

TEST_CASE("conv: backward hand values are the transposed convolution") {
  const Tensor x({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w({1, 1, 2, 2}, {1, 2, 3, 4});
  const Graph g = conv_graph(conv_params({2, 2}), x.dims(), w);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    for (BackwardMode mode : kModes) {
      CAPTURE(static_cast<int>(mode));
      // One output unit: the kernel stamped at its window.
      check_values(run_backward(g, backend, x, Tensor({1, 1, 2, 2}, {0, 0, 0, 1}), mode), {0, 0, 0, 0, 1, 2, 0, 3, 4},
                   1e-5);
      // All units: overlapping stamps add up.
      check_values(run_backward(g, backend, x, Tensor({1, 1, 2, 2}, {1, 1, 1, 1}), mode), {1, 3, 2, 4, 10, 6, 3, 7, 4},
                   1e-5);
    }
  }
  // Stride 2 with a bottom/right pad: windows do not overlap, and the taps on the pad are dropped.
  const Graph gs = conv_graph(conv_params({2, 2}, {2, 2}, {1, 1}, {0, 0}, {1, 1}), x.dims(), w);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_backward(gs, backend, x, Tensor({1, 1, 2, 2}, {1, 10, 100, 1000}), BackwardMode::Gradient),
                 {1, 2, 10, 3, 4, 30, 100, 200, 1000}, 1e-5);
  }
}

TEST_CASE("conv: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  uint32_t seed = 100;
  for (const SweepCase& sc : sweep()) {
    CAPTURE(sc.name);
    const Dims xd = {2, sc.c, sc.h, sc.w};
    const Tensor w = random_tensor({sc.m, sc.c / sc.p.group, sc.p.kernel[0], sc.p.kernel[1]}, ++seed);
    const Tensor b = random_tensor({sc.m}, ++seed);
    const Graph g = conv_graph(sc.p, xd, w, sc.bias ? &b : nullptr);
    const Tensor x = random_tensor(xd, ++seed);
    const Tensor s = random_tensor(conv_output_dims(sc.p, xd, w.dims()), ++seed);
    CHECK(finite_difference_error(g, ref, x, s, 1e-2, 60) < 1e-2);
  }
}

TEST_CASE("conv: cpu matches reference, forward and backward in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 200;
  for (const SweepCase& sc : sweep()) {
    for (int64_t batch : {1, 2}) {
      CAPTURE(sc.name);
      CAPTURE(batch);
      const Dims xd = {batch, sc.c, sc.h, sc.w};
      const Tensor w = random_tensor({sc.m, sc.c / sc.p.group, sc.p.kernel[0], sc.p.kernel[1]}, ++seed);
      const Tensor b = random_tensor({sc.m}, ++seed);
      const Graph g = conv_graph(sc.p, xd, w, sc.bias ? &b : nullptr);
      const Tensor x = random_tensor(xd, ++seed);
      CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
      const Tensor s = random_tensor(conv_output_dims(sc.p, xd, w.dims()), ++seed);
      for (BackwardMode mode : kModes) {
        CAPTURE(static_cast<int>(mode));
        CHECK(max_relative_error(run_backward(g, cpu, x, s, mode), run_backward(g, ref, x, s, mode)) <= 1e-4);
      }
    }
  }
}

TEST_CASE("conv: after a relu, deconv and guided differ from gradient only through the relu") {
  // y = Conv(Relu(x)); the seed picks the top-left output, so the signal at the Relu output is the kernel stamped
  // at the top-left window: [[1, 2, 0], [-3, 4, 0], [0, 0, 0]].
  GraphBuilder gb("relu-conv");
  const int x_blob = gb.input("x", {1, 1, 3, 3});
  const int r = gb.node(OpKind::Relu, NoParams{}, {x_blob}, "relu");
  const int w = gb.constant("w", Tensor({1, 1, 2, 2}, {1, 2, -3, 4}));
  gb.node(OpKind::Conv, conv_params({2, 2}), {r, w}, "conv");
  const Graph g = gb.build();
  const Tensor x({1, 1, 3, 3}, {1, -1, 2, 2, 3, -3, 4, -4, 5});
  const Tensor s({1, 1, 2, 2}, {1, 0, 0, 0});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    // Gradient: where x > 0.
    check_values(run_backward(g, backend, x, s, BackwardMode::Gradient), {1, 0, 0, -3, 4, 0, 0, 0, 0}, 1e-5);
    // Deconv: where the signal > 0, whatever x was.
    check_values(run_backward(g, backend, x, s, BackwardMode::Deconv), {1, 2, 0, 0, 4, 0, 0, 0, 0}, 1e-5);
    // Guided: both.
    check_values(run_backward(g, backend, x, s, BackwardMode::Guided), {1, 0, 0, 0, 4, 0, 0, 0, 0}, 1e-5);
  }
}

TEST_CASE("conv: non-constant weights run forward, and their gradient is refused naming the node") {
  // The input is both X and W: y = sum(x * x).
  GraphBuilder gb("self-conv");
  const int x_blob = gb.input("x", {1, 1, 2, 2});
  gb.node(OpKind::Conv, conv_params({2, 2}), {x_blob, x_blob}, "selfconv");
  const Graph g = gb.build();
  const Tensor x({1, 1, 2, 2}, {1, 2, 3, -4});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(g, backend, x), {30}, 1e-5);
    try {
      run_backward(g, backend, x, Tensor({1, 1, 1, 1}, {1}), BackwardMode::Gradient);
      FAIL("expected deepvis::Error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("selfconv") != std::string::npos);
      CHECK(std::string(e.what()).find("non-constant Conv weights") != std::string::npos);
    }
  }
}
