// Add and Mul with broadcasting: hand values, finite differences of the reference backward (constant operands
// and two activations, so both gradient slots are exercised), and the cpu backend against the reference.
#include "compute/ops/binary.hpp"
#include "tests/ops/binary_graphs.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

// Random input and seed from `seed`; forward and every backward mode within 1e-4 of the reference.
void check_cpu_against_reference(const Graph& g, uint32_t seed) {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  const Tensor x = random_tensor(g.blobs[static_cast<size_t>(g.input)].dims, seed);
  CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
  const Tensor grad_out = random_tensor(output_dims(g), seed + 1);
  for (BackwardMode mode : kModes) {
    CAPTURE(static_cast<int>(mode));
    CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), run_backward(g, ref, x, grad_out, mode)) <= 1e-4);
  }
}

}  // namespace

TEST_CASE("binary: hand values with broadcasting on both backends") {
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Tensor x({2, 3}, {1, 2, 3, 4, 5, 6});
    {  // Add of a trailing vector
      const Graph g = with_constant(OpKind::Add, x.dims(), Tensor({3}, {10, 20, 30}));
      check_values(run_forward(g, backend, x), {11, 22, 33, 14, 25, 36});
      // grad_x = seed: every output element comes from exactly one x element.
      const Tensor seed({2, 3}, {1, -2, 3, -4, 5, -6});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {1, -2, 3, -4, 5, -6});
    }
    {  // Mul by a column, constant first
      const Graph g = with_constant(OpKind::Mul, x.dims(), Tensor({2, 1}, {2, -1}), true);
      check_values(run_forward(g, backend, x), {2, 4, 6, -4, -5, -6});
      const Tensor seed({2, 3}, {1, 1, 1, 1, 2, 3});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {2, 2, 2, -1, -2, -3});
    }
    {  // both operands broadcast: (2,1) x (3)
      const Tensor col({2, 1}, {1, 2});
      const Graph g = with_constant(OpKind::Mul, col.dims(), Tensor({3}, {1, 10, 100}));
      check_values(run_forward(g, backend, col), {1, 10, 100, 2, 20, 200});
      // grad_x[i] = sum_j seed[i][j] * c[j]
      const Tensor seed({2, 3}, {1, 1, 1, 1, -1, 0.5f});
      check_values(run_backward(g, backend, col, seed, BackwardMode::Gradient), {111, 41});
    }
    {  // Add of an activation to its own broadcast crop
      // b = x[:, :1] (2,1); y = x + b; grad_x = seed + (row sums of seed in column 0).
      const Graph g = two_activations(OpKind::Add, x.dims(), {2, 1});
      check_values(run_forward(g, backend, x), {2, 3, 4, 8, 9, 10});
      const Tensor seed({2, 3}, {1, 2, 3, 4, 5, 6});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {1 + 6, 2, 3, 4 + 15, 5, 6});
    }
    {  // Mul of an activation by itself
      GraphBuilder b("test");
      const int in = b.input("x", x.dims());
      b.node(OpKind::Mul, NoParams{}, {in, in}, "op", "y");
      const Graph g = b.build();
      check_values(run_forward(g, backend, x), {1, 4, 9, 16, 25, 36});
      const Tensor seed({2, 3}, {1, 1, -1, 1, 0.5f, 2});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {2, 4, -6, 8, 5, 24});
    }
  }
}

TEST_CASE("binary: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  for (OpKind kind : {OpKind::Add, OpKind::Mul}) {
    CAPTURE(std::string(op_name(kind)));
    {  // constant operands
      const Dims x_dims = {2, 3, 4, 5};
      for (const Dims& c_dims : {Dims{1, 3, 1, 1}, Dims{5}, Dims{3, 1, 5}, Dims{2, 3, 4, 5}, Dims{1}}) {
        CAPTURE(to_string(c_dims));
        for (bool constant_first : {false, true}) {
          const Graph g = with_constant(kind, x_dims, random_tensor(c_dims, 3), constant_first);
          CHECK(finite_difference_error(g, ref, random_tensor(x_dims, 4), random_tensor(output_dims(g), 5)) <= 1e-2);
        }
      }
      // x itself broadcast: its gradient sums over the dims it was repeated along.
      const Graph g = with_constant(kind, {2, 1, 4, 1}, random_tensor({3, 1, 5}, 6));
      CHECK(finite_difference_error(g, ref, random_tensor({2, 1, 4, 1}, 7), random_tensor(output_dims(g), 8)) <= 1e-2);
    }
    {  // two activations
      const Dims x_dims = {2, 3, 4};
      for (const Dims& b_dims : {Dims{2, 1, 4}, Dims{1, 3, 1}, Dims{1, 1, 1}, Dims{2, 3, 4}}) {
        CAPTURE(to_string(b_dims));
        for (bool cropped_first : {false, true}) {
          const Graph g = two_activations(kind, x_dims, b_dims, cropped_first);
          CHECK(finite_difference_error(g, ref, random_tensor(x_dims, 9), random_tensor(x_dims, 10)) <= 1e-2);
        }
      }
    }
  }
}

TEST_CASE("binary: cpu matches reference, forward and backward in every mode") {
  uint32_t seed = 200;
  for (OpKind kind : {OpKind::Add, OpKind::Mul}) {
    for (int64_t batch : {1, 2}) {
      CAPTURE(std::string(op_name(kind)));
      CAPTURE(batch);
      // Constant second (or first) operand: same dims, per-channel, trailing, scalar, mutual broadcast.
      struct Case {
        Dims x, c;
      };
      const std::vector<Case> cases = {
          {{batch, 8, 5, 7}, {batch, 8, 5, 7}},
          {{batch, 8, 5, 7}, {1, 8, 1, 1}},
          {{batch, 8, 5, 7}, {8, 1, 1}},
          {{batch, 8, 5, 7}, {7}},
          {{batch, 8, 5, 7}, {1}},
          {{batch, 1, 5, 1}, {3, 1, 6}},
          {{batch, 3, 1, 4}, {batch, 1, 5, 1}},
          {{batch, 64, 33, 33}, {1, 64, 1, 1}},
          {{batch, 300}, {300}},
          {{batch, 1, 1, 1}, {2, 3, 4, 5}},
      };
      for (const Case& c : cases) {
        CAPTURE(to_string(c.x));
        CAPTURE(to_string(c.c));
        for (bool constant_first : {false, true}) {
          const Graph g = with_constant(kind, c.x, random_tensor(c.c, ++seed), constant_first);
          check_cpu_against_reference(g, seed += 2);
        }
      }
      // Two activations, so the broadcast operand's gradient slot is live on the cpu backend too.
      for (const Dims& b_dims : {Dims{batch, 1, 6, 1}, Dims{1, 4, 1, 1}, Dims{batch, 4, 6, 5}, Dims{1, 1, 1, 5}}) {
        CAPTURE(to_string(b_dims));
        const Dims x_dims = {batch, 4, 6, 5};
        for (bool cropped_first : {false, true}) {
          check_cpu_against_reference(two_activations(kind, x_dims, b_dims, cropped_first), seed += 2);
        }
      }
    }
  }
}

TEST_CASE("binary: an empty output on both backends") {
  // (0, 3) + (1, 3) broadcasts to (0, 3): nothing to compute, and the non-empty operand's gradient is zero.
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Graph empty = [] {
      GraphBuilder b("test");
      const int x = b.input("x", {1, 3});
      const int e = b.node(OpKind::Pad, PadParams{{0, 0}, {-1, 0}, 0.0f}, {x}, "empty");
      b.node(OpKind::Add, NoParams{}, {e, x}, "op", "y");
      return b.build();
    }();
    CHECK(output_dims(empty) == Dims{0, 3});
    const Tensor x({1, 3}, {1, 2, 3});
    CHECK(run_forward(empty, backend, x).numel() == 0);
    check_values(run_backward(empty, backend, x, Tensor({0, 3}), BackwardMode::Gradient), {0, 0, 0});
  }
}
