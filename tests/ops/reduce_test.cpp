// Reductions (compute/ops/reduce.hpp): hand values (keepdims or not, any axes), finite differences of the backward
// on the reference and cpu backends (ReduceMax on inputs without ties), ReduceMax's even split of a tie, and the cpu
// backend against the reference in every mode (none is a rectifier).
#include "compute/ops/reduce.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Graph reduce_graph(OpKind kind, Dims axes, bool keepdims, const Dims& dims) {
  return single_node_graph(kind, ReduceParams{std::move(axes), keepdims}, dims, {});
}

constexpr OpKind kKinds[] = {OpKind::ReduceMean, OpKind::ReduceMax, OpKind::ReduceSum, OpKind::ReduceL2};

}  // namespace

TEST_CASE("reduce: hand values on both backends") {
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Tensor x({2, 3}, {1, -2, 3, 4, 5, -6});
    const Graph mean_rows = reduce_graph(OpKind::ReduceMean, {1}, true, {2, 3});
    CHECK(run_forward(mean_rows, backend, x).dims() == Dims{2, 1});
    check_values(run_forward(mean_rows, backend, x), {2.0f / 3.0f, 1.0f});
    check_values(run_forward(reduce_graph(OpKind::ReduceMax, {0}, false, {2, 3}), backend, x), {4, 5, 3});
    check_values(run_forward(reduce_graph(OpKind::ReduceSum, {0, 1}, false, {2, 3}), backend, x), {5});
    check_values(run_forward(reduce_graph(OpKind::ReduceL2, {1}, false, {2, 3}), backend, x),
                 {std::sqrt(14.0f), std::sqrt(77.0f)});
    // d mean / dx = 1/3; d L2 / dx = x / y; max: the gradient goes to the maximum, split over ties.
    check_values(run_backward(mean_rows, backend, x, Tensor({2, 1}, {3, -6}), BackwardMode::Gradient),
                 {1, 1, 1, -2, -2, -2});
    const Graph l2 = reduce_graph(OpKind::ReduceL2, {1}, true, {2, 3});
    const float r0 = std::sqrt(14.0f);
    const float r1 = std::sqrt(77.0f);
    check_values(run_backward(l2, backend, x, Tensor({2, 1}, {1, 1}), BackwardMode::Gradient),
                 {1 / r0, -2 / r0, 3 / r0, 4 / r1, 5 / r1, -6 / r1}, 1e-5);
    const Tensor tie({1, 4}, {2, 7, 7, 1});
    check_values(run_backward(reduce_graph(OpKind::ReduceMax, {1}, true, {1, 4}), backend, tie, Tensor({1, 1}, {4}),
                              BackwardMode::Gradient),
                 {0, 2, 2, 0});
  }
}

TEST_CASE("reduce: backward matches finite differences on the reference and cpu backends") {
  const Dims dims = {2, 3, 4, 5};
  for (const auto& backend : backends()) {
    for (OpKind kind : kKinds) {
      for (const Dims& axes : {Dims{1}, Dims{2, 3}, Dims{0, 2}, Dims{0, 1, 2, 3}}) {
        for (bool keepdims : {true, false}) {
          CAPTURE(backend->name());
          CAPTURE(std::string(op_name(kind)));
          CAPTURE(to_string(axes));
          const Graph g = reduce_graph(kind, axes, keepdims, dims);
          const Dims out = g.blobs[static_cast<size_t>(g.outputs[0])].dims;
          // Distinct values a step apart keep ReduceMax's maximum where it is under the finite difference.
          Tensor x = random_tensor(dims, 12);
          for (int64_t i = 0; i < x.numel(); ++i) x.at(i) += 0.05f * static_cast<float>(i % 7);
          CHECK(finite_difference_error(g, backend, x, random_tensor(out, 13), 1e-3) <= 1e-2);
        }
      }
    }
  }
}

TEST_CASE("reduce: cpu matches reference, the same in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 90;
  for (OpKind kind : kKinds) {
    for (const Dims& axes : {Dims{1}, Dims{2, 3}, Dims{0, 3}}) {
      CAPTURE(std::string(op_name(kind)));
      CAPTURE(to_string(axes));
      const Graph g = reduce_graph(kind, axes, true, {2, 64, 17, 19});
      const Tensor x = random_tensor({2, 64, 17, 19}, ++seed);
      CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-6);
      const Tensor grad_out = random_tensor(g.blobs[static_cast<size_t>(g.outputs[0])].dims, ++seed);
      const Tensor gradient = run_backward(g, ref, x, grad_out, BackwardMode::Gradient);
      for (BackwardMode mode : kModes) {
        CAPTURE(static_cast<int>(mode));
        CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), gradient) <= 1e-6);
        CHECK(max_relative_error(run_backward(g, ref, x, grad_out, mode), gradient) == 0.0);
      }
    }
  }
}
