// Softmax: hand values (axis, opset < 13 coercion, large inputs), the exact backward in every mode, finite
// differences of the reference backward, and the cpu backend against the reference.
#include "compute/ops/softmax.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Graph softmax_graph(const Dims& dims, int64_t axis, bool coerce_2d = false) {
  return single_node_graph(OpKind::Softmax, SoftmaxParams{axis, coerce_2d}, dims, {});
}

}  // namespace

TEST_CASE("softmax: hand values on both backends") {
  const float ln2 = std::log(2.0f);
  const float ln3 = std::log(3.0f);
  const float ln5 = std::log(5.0f);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    {  // exp = 1, 2, 5
      const Tensor x({1, 3}, {0, ln2, ln5});
      check_values(run_forward(softmax_graph(x.dims(), 1), backend, x), {0.125f, 0.25f, 0.625f}, 1e-5);
    }
    {  // huge inputs: only a max-subtracting softmax stays finite
      const Tensor x({1, 2}, {1000.0f, 1000.0f + ln3});
      check_values(run_forward(softmax_graph(x.dims(), 1), backend, x), {0.25f, 0.75f}, 1e-5);
    }
    {  // axis 0 of (2,2): down the columns
      const Tensor x({2, 2}, {0, ln3, ln3, 0});
      check_values(run_forward(softmax_graph(x.dims(), 0), backend, x), {0.25f, 0.75f, 0.75f, 0.25f}, 1e-5);
    }
    {  // a middle axis of (1,2,2): pairs (x[0][0][j], x[0][1][j])
      const Tensor x({1, 2, 2}, {0, 0, ln3, ln2});
      check_values(run_forward(softmax_graph(x.dims(), 1), backend, x), {0.25f, 1.0f / 3, 0.75f, 2.0f / 3}, 1e-5);
      // opset < 13: the same axis coerces to 2-D, one softmax over all four entries (exp = 1, 1, 3, 2)
      check_values(run_forward(softmax_graph(x.dims(), 1, true), backend, x), {1.0f / 7, 1.0f / 7, 3.0f / 7, 2.0f / 7},
                   1e-5);
    }
  }
}

TEST_CASE("softmax: hand-computed backward, the same in every mode") {
  // y = (0.25, 0.75), g = (1, 0): sum(g*y) = 0.25, grad_x = y * (g - 0.25) = (0.1875, -0.1875).
  const Tensor x({1, 2}, {0.0f, std::log(3.0f)});
  const Tensor g({1, 2}, {1.0f, 0.0f});
  // With negative signal too: g = (-2, 2): sum = 1, grad_x = (0.25 * -3, 0.75 * 1).
  const Tensor g2({1, 2}, {-2.0f, 2.0f});
  for (const auto& backend : backends()) {
    for (BackwardMode mode : kModes) {
      CAPTURE(backend->name());
      CAPTURE(static_cast<int>(mode));
      check_values(run_backward(softmax_graph(x.dims(), 1), backend, x, g, mode), {0.1875f, -0.1875f}, 1e-5);
      check_values(run_backward(softmax_graph(x.dims(), 1), backend, x, g2, mode), {-0.75f, 0.75f}, 1e-5);
    }
  }
}

TEST_CASE("softmax: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  const Dims dims = {2, 3, 4, 5};
  const Tensor x = random_tensor(dims, 31, -2.0f, 2.0f);
  const Tensor seed = random_tensor(dims, 32);
  for (int64_t axis : {0, 1, 2, 3}) {
    for (bool coerce : {false, true}) {
      CAPTURE(axis);
      CAPTURE(coerce);
      CHECK(finite_difference_error(softmax_graph(dims, axis, coerce), ref, x, seed) <= 1e-2);
    }
  }
}

TEST_CASE("softmax: cpu matches reference, forward and backward in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 400;
  for (int64_t batch : {1, 2}) {
    for (const Dims& tail : {Dims{1000}, Dims{7, 6, 5}, Dims{16, 13, 13}, Dims{3}}) {
      Dims dims = {batch};
      dims.insert(dims.end(), tail.begin(), tail.end());
      for (int64_t axis = 0; axis < static_cast<int64_t>(dims.size()); ++axis) {
        for (bool coerce : {false, true}) {
          CAPTURE(to_string(dims));
          CAPTURE(axis);
          CAPTURE(coerce);
          const Graph g = softmax_graph(dims, axis, coerce);
          const Tensor x = random_tensor(dims, ++seed, -5.0f, 5.0f);
          CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
          const Tensor grad_out = random_tensor(dims, ++seed);
          for (BackwardMode mode : kModes) {
            CAPTURE(static_cast<int>(mode));
            CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode),
                                     run_backward(g, ref, x, grad_out, mode)) <= 1e-4);
          }
        }
      }
    }
  }
}
