// Sub, Div, Min, Max, Pow and PRelu (compute/ops/binary.hpp): hand values, finite differences on the reference and
// cpu backends (inputs kept off the kinks and out of the domains' edges), the cpu backend against the reference in
// every mode, and PRelu's rectifier rule in Deconv and Guided modes.
#include "compute/ops/binary.hpp"
#include "tests/ops/binary_graphs.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

// Values in [lo, hi) no closer than 0.05 to zero: off PRelu's kink, and Div's and Pow's operands stay usable.
Tensor off_zero(const Dims& dims, uint32_t seed, float lo, float hi) {
  Tensor t = random_tensor(dims, seed, lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (std::fabs(t.at(i)) < 0.05f) t.at(i) = t.at(i) < 0 ? -0.05f : 0.05f;
  }
  return t;
}

// The constant operand of each kind: kept away from the variable's range where the op has a kink there.
Tensor constant_for(OpKind kind, const Dims& dims, uint32_t seed) {
  switch (kind) {
    case OpKind::Div: return random_tensor(dims, seed, 0.5f, 2.0f);
    case OpKind::Pow: return random_tensor(dims, seed, -1.5f, 2.5f);
    case OpKind::Min:
    case OpKind::Max: {  // +-2: never tied with x in [-1, 1]
      Tensor t = random_tensor(dims, seed);
      for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = t.at(i) < 0 ? -2.0f : 2.0f;
      return t;
    }
    case OpKind::PRelu: return random_tensor(dims, seed, 0.05f, 0.5f);
    default: return random_tensor(dims, seed);
  }
}

Tensor input_for(OpKind kind, const Dims& dims, uint32_t seed) {
  return kind == OpKind::Pow ? random_tensor(dims, seed, 0.5f, 2.0f) : off_zero(dims, seed, -1.0f, 1.0f);
}

constexpr OpKind kKinds[] = {OpKind::Sub, OpKind::Div, OpKind::Min, OpKind::Max, OpKind::Pow, OpKind::PRelu};

}  // namespace

TEST_CASE("binary kinds: hand values forward and backward on both backends") {
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Tensor x({2, 3}, {1, -2, 3, -4, 5, 6});
    const Tensor seed({2, 3}, {1, 1, 1, 1, 1, 1});
    {
      const Graph g = with_constant(OpKind::Sub, x.dims(), Tensor({3}, {1, 2, 3}), true);  // c - x
      check_values(run_forward(g, backend, x), {0, 4, 0, 5, -3, -3});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {-1, -1, -1, -1, -1, -1});
    }
    {
      const Graph g = with_constant(OpKind::Div, x.dims(), Tensor({2, 1}, {2, -4}));
      check_values(run_forward(g, backend, x), {0.5f, -1, 1.5f, 1, -1.25f, -1.5f});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient),
                   {0.5f, 0.5f, 0.5f, -0.25f, -0.25f, -0.25f});
    }
    {  // x / c with x constant: d/dc (k / c) = -k / c^2, summed over the broadcast column
      const Tensor c({2, 1}, {2, -1});
      const Graph g = with_constant(OpKind::Div, c.dims(), Tensor({3}, {1, 2, 4}), true);
      check_values(run_forward(g, backend, c), {0.5f, 1, 2, -1, -2, -4});
      check_values(run_backward(g, backend, c, seed, BackwardMode::Gradient), {-7.0f / 4.0f, -7.0f});
    }
    {  // a tie splits the gradient: max(3, 3) sends half to each operand
      const Graph g = with_constant(OpKind::Max, x.dims(), Tensor({3}, {0, 0, 3}));
      check_values(run_forward(g, backend, x), {1, 0, 3, 0, 5, 6});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {1, 0, 0.5f, 0, 1, 1});
    }
    {
      const Graph g = with_constant(OpKind::Min, x.dims(), Tensor({1}, {2}));
      check_values(run_forward(g, backend, x), {1, -2, 2, -4, 2, 2});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {1, 1, 0, 1, 0, 0});
    }
    {  // x^2 and x^0.5
      const Tensor p({2, 2}, {1, 4, 9, 2});
      const Graph g = with_constant(OpKind::Pow, p.dims(), Tensor({2}, {2, 0.5f}));
      check_values(run_forward(g, backend, p), {1, 2, 81, std::sqrt(2.0f)}, 1e-5);
      check_values(run_backward(g, backend, p, Tensor({2, 2}, {1, 1, 1, 1}), BackwardMode::Gradient),
                   {2, 0.25f, 18, 0.5f / std::sqrt(2.0f)}, 1e-5);
    }
    {  // per-channel slope, as torch exports it: (C, 1, 1)
      const Tensor act({1, 2, 1, 2}, {-1, 2, -3, 4});
      const Graph g = with_constant(OpKind::PRelu, act.dims(), Tensor({2, 1, 1}, {0.25f, 0.5f}));
      check_values(run_forward(g, backend, act), {-0.25f, 2, -1.5f, 4});
      const Tensor s({1, 2, 1, 2}, {2, -1, -2, 3});
      check_values(run_backward(g, backend, act, s, BackwardMode::Gradient), {0.5f, -1, -1, 3});
      // A rectifier: Deconv passes max(signal, 0) whatever the input; Guided the derivative of the positive signal.
      check_values(run_backward(g, backend, act, s, BackwardMode::Deconv), {2, 0, 0, 3});
      check_values(run_backward(g, backend, act, s, BackwardMode::Guided), {0.5f, 0, 0, 3});
    }
  }
}

TEST_CASE("binary kinds: backward matches finite differences on the reference and cpu backends") {
  for (const auto& backend : backends()) {
    for (OpKind kind : kKinds) {
      CAPTURE(backend->name());
      CAPTURE(std::string(op_name(kind)));
      const Dims x_dims = {2, 3, 4, 5};
      const std::vector<Dims> constants = kind == OpKind::PRelu
                                              ? std::vector<Dims>{{3, 1, 1}, {1}, {2, 3, 4, 5}}
                                              : std::vector<Dims>{{1, 3, 1, 1}, {5}, {2, 3, 4, 5}, {1}};
      for (const Dims& c_dims : constants) {
        CAPTURE(to_string(c_dims));
        for (bool constant_first : {false, true}) {
          if (kind == OpKind::PRelu && constant_first) continue;  // X is PRelu's first operand
          if (kind == OpKind::Pow && constant_first) continue;    // c^x: covered by the cpu comparison below
          const Graph g = with_constant(kind, x_dims, constant_for(kind, c_dims, 3), constant_first);
          const Tensor x =
              constant_first && kind == OpKind::Div ? random_tensor(x_dims, 4, 0.5f, 2.0f) : input_for(kind, x_dims, 4);
          CHECK(finite_difference_error(g, backend, x, random_tensor(output_dims(g), 5), 1e-3) <= 1e-2);
        }
      }
      if (kind == OpKind::PRelu) continue;
      // Two activations: the broadcast operand's gradient is reduced, then flows back through the crop (Min and
      // Max see exact ties there, split evenly, which is their derivative along x).
      const Graph g = two_activations(kind, {2, 3, 4}, {1, 3, 1});
      const Tensor x = kind == OpKind::Div || kind == OpKind::Pow ? random_tensor({2, 3, 4}, 9, 0.5f, 2.0f)
                                                                  : random_tensor({2, 3, 4}, 9);
      CHECK(finite_difference_error(g, backend, x, random_tensor({2, 3, 4}, 10), 1e-3) <= 1e-2);
    }
  }
}

TEST_CASE("binary kinds: cpu matches reference, forward and backward in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 700;
  for (OpKind kind : kKinds) {
    CAPTURE(std::string(op_name(kind)));
    const std::vector<std::pair<Dims, Dims>> cases = {{{2, 8, 5, 7}, {2, 8, 5, 7}},
                                                      {{2, 8, 5, 7}, {8, 1, 1}},
                                                      {{2, 8, 5, 7}, {1}},
                                                      {{1, 64, 33, 33}, {64, 1, 1}},
                                                      {{2, 3, 1, 4}, {2, 1, 5, 1}}};
    for (const auto& [x_dims, c_dims] : cases) {
      if (kind == OpKind::PRelu && broadcast_dims(x_dims, c_dims) != x_dims) continue;
      CAPTURE(to_string(x_dims));
      CAPTURE(to_string(c_dims));
      for (bool constant_first : {false, true}) {
        if (kind == OpKind::PRelu && constant_first) continue;
        // c^x needs a positive base.
        const Tensor c = kind == OpKind::Pow && constant_first ? random_tensor(c_dims, ++seed, 0.5f, 2.0f)
                                                               : constant_for(kind, c_dims, ++seed);
        const Graph g = with_constant(kind, x_dims, c, constant_first);
        const Tensor x = constant_first && kind == OpKind::Div ? random_tensor(x_dims, ++seed, 0.5f, 2.0f)
                                                               : input_for(kind, x_dims, ++seed);
        CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-5);
        const Tensor grad_out = random_tensor(output_dims(g), ++seed);
        for (BackwardMode mode : kModes) {
          CAPTURE(static_cast<int>(mode));
          CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), run_backward(g, ref, x, grad_out, mode)) <=
                1e-5);
        }
      }
    }
  }
}
