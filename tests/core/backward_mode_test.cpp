// The backward modes end to end: rectifier_backward by hand, a tiny Relu -> Mul graph whose input signal in each
// mode is computed by hand on both backends, and a diamond whose two gradient contributions the Net must add.
#include "compute/core/backward_mode.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

// y = Add(Relu(x), x), or with the operands swapped.
Graph diamond(const Dims& dims, bool relu_first) {
  GraphBuilder g("diamond");
  const int x = g.input("x", dims);
  const int r = g.node(OpKind::Relu, NoParams{}, {x}, "relu");
  g.node(OpKind::Add, NoParams{}, relu_first ? std::vector<int>{r, x} : std::vector<int>{x, r}, "add", "y");
  return g.build();
}

}  // namespace

TEST_CASE("backward_mode: rectifier_backward by hand") {
  using M = BackwardMode;
  // Gradient: slope * g, whatever the sign of g.
  CHECK(rectifier_backward(M::Gradient, 1.0f, 2.5f) == 2.5f);
  CHECK(rectifier_backward(M::Gradient, 1.0f, -2.5f) == -2.5f);
  CHECK(rectifier_backward(M::Gradient, 0.0f, 2.5f) == 0.0f);
  CHECK(rectifier_backward(M::Gradient, 0.0f, -2.5f) == 0.0f);
  CHECK(rectifier_backward(M::Gradient, 0.1f, -2.0f) == doctest::Approx(-0.2f));
  // Deconv: max(g, 0), ignoring the slope (the forward input) entirely.
  CHECK(rectifier_backward(M::Deconv, 0.0f, 2.5f) == 2.5f);
  CHECK(rectifier_backward(M::Deconv, 1.0f, 2.5f) == 2.5f);
  CHECK(rectifier_backward(M::Deconv, 1.0f, -2.5f) == 0.0f);
  CHECK(rectifier_backward(M::Deconv, 0.1f, 3.0f) == 3.0f);
  CHECK(rectifier_backward(M::Deconv, 0.1f, -3.0f) == 0.0f);
  // Guided: the derivative, only where the signal is positive.
  CHECK(rectifier_backward(M::Guided, 1.0f, 2.5f) == 2.5f);
  CHECK(rectifier_backward(M::Guided, 0.0f, 2.5f) == 0.0f);
  CHECK(rectifier_backward(M::Guided, 1.0f, -2.5f) == 0.0f);
  CHECK(rectifier_backward(M::Guided, 0.1f, 3.0f) == doctest::Approx(0.3f));
  CHECK(rectifier_backward(M::Guided, 0.1f, -3.0f) == 0.0f);
  // Zero signal passes as zero in every mode.
  for (M mode : {M::Gradient, M::Deconv, M::Guided}) CHECK(rectifier_backward(mode, 1.0f, 0.0f) == 0.0f);
}

TEST_CASE("backward_mode: x -> Relu -> Mul by constant, by hand on both backends") {
  GraphBuilder b("tiny");
  const int x = b.input("x", {1, 5});
  const int r = b.node(OpKind::Relu, NoParams{}, {x}, "relu");
  const int c = b.constant("c", Tensor({1, 5}, {1, 2, 3, -1, 2}));
  b.node(OpKind::Mul, NoParams{}, {r, c}, "mul", "y");
  const Graph graph = b.build();

  const Tensor input({1, 5}, {-2, -1, 1, 2, 3});
  const Tensor seed({1, 5}, {1, -1, 1, 1, -1});
  // The signal reaching the Relu's output: seed * c = (1, -2, 3, -1, -2). Relu's slope at x: (0, 0, 1, 1, 1).
  const std::vector<float> gradient = {0, 0, 3, -1, -2};  // slope * g
  const std::vector<float> deconv = {1, 0, 3, 0, 0};      // max(g, 0)
  const std::vector<float> guided = {0, 0, 3, 0, 0};      // slope * g where g > 0
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(graph, backend, input), {0, 0, 3, -2, 6});
    check_values(run_backward(graph, backend, input, seed, BackwardMode::Gradient), gradient);
    check_values(run_backward(graph, backend, input, seed, BackwardMode::Deconv), deconv);
    check_values(run_backward(graph, backend, input, seed, BackwardMode::Guided), guided);
    CHECK(finite_difference_error(graph, backend, input, seed) <= 1e-2);
  }
}

TEST_CASE("backward_mode: a diamond accumulates both contributions into x") {
  const Tensor input({1, 5}, {-2, -1, 1, 2, 3});
  const Tensor seed({1, 5}, {1, -1, 1, -1, 2});
  // grad_x = (Relu's backward of seed) + seed. Relu slope at x: (0, 0, 1, 1, 1).
  const std::vector<float> gradient = {1, -1, 2, -2, 4};  // slope*g + g
  const std::vector<float> deconv = {2, -1, 2, -1, 4};    // max(g,0) + g
  const std::vector<float> guided = {1, -1, 2, -1, 4};    // (g > 0 ? slope*g : 0) + g
  for (const auto& backend : backends()) {
    for (bool relu_first : {true, false}) {
      CAPTURE(backend->name());
      CAPTURE(relu_first);
      const Graph graph = diamond(input.dims(), relu_first);
      check_values(run_forward(graph, backend, input), {-2, -1, 2, 4, 6});
      check_values(run_backward(graph, backend, input, seed, BackwardMode::Gradient), gradient);
      check_values(run_backward(graph, backend, input, seed, BackwardMode::Deconv), deconv);
      check_values(run_backward(graph, backend, input, seed, BackwardMode::Guided), guided);
      CHECK(finite_difference_error(graph, backend, input, seed) <= 1e-2);
      // Larger random case, away from Relu's kink: finite differences only.
      Tensor x = random_tensor({2, 3, 4, 4}, 41);
      for (int64_t i = 0; i < x.numel(); ++i) x.at(i) += x.at(i) < 0 ? -0.05f : 0.05f;
      CHECK(finite_difference_error(diamond(x.dims(), relu_first), backend, x, random_tensor(x.dims(), 42)) <= 1e-2);
    }
  }
}

TEST_CASE("backward_mode: a repeated backward into the same Gradients gives the same answer") {
  // The Net reuses Gradients buffers and scratch: a second run must overwrite, not add to, the first.
  const Graph graph = diamond({1, 5}, true);
  const Tensor input({1, 5}, {-2, -1, 1, 2, 3});
  const Tensor seed({1, 5}, {1, -1, 1, -1, 2});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    Net net(graph, backend);
    net.forward(input);
    Gradients grads = net.make_gradients();
    net.backward_from(graph.outputs.front(), seed, BackwardMode::Deconv, grads);
    net.backward_from(graph.outputs.front(), seed, BackwardMode::Deconv, grads);
    check_values(grads.input(), {2, -1, 2, -1, 4});
  }
}
