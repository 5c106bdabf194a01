// Pooling: hand-computed reference values, finite differences of the reference backward, and the cpu backend
// against the reference over a sweep of params, forward and backward in every mode.
#include "compute/ops/pool.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

PoolParams pool(int64_t k, int64_t s, std::vector<int64_t> pads = {0, 0, 0, 0}, int64_t dilation = 1,
                bool ceil_mode = false, bool include_pad = false) {
  return PoolParams{{k, k},    {s, s},     {dilation, dilation}, {pads[0], pads[1]}, {pads[2], pads[3]},
                    ceil_mode, include_pad};
}

Tensor values(Dims dims, std::vector<float> v) {
  return Tensor(std::move(dims), v);
}

// Distinct values spaced 0.1 apart in random order: no ties, and a 1e-2 step never changes a switch.
Tensor distinct_tensor(const Dims& dims, uint32_t seed) {
  Tensor t(dims);
  std::vector<int64_t> order(static_cast<size_t>(t.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = 0.1f * static_cast<float>(order[static_cast<size_t>(i)]) - 1.0f;
  return t;
}

Graph pool_graph(OpKind kind, const PoolParams& p, const Dims& x) {
  return single_node_graph(kind, p, x, {});
}
Graph global_graph(OpKind kind, const Dims& x) {
  return single_node_graph(kind, NoParams{}, x, {});
}

Dims output_dims(const Graph& g) {
  return g.blobs[static_cast<size_t>(g.outputs.front())].dims;
}

void check_cpu_against_reference(const Graph& g, const Tensor& x, uint32_t seed) {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
  const Tensor grad_out = random_tensor(output_dims(g), seed + 7);
  for (BackwardMode mode : kModes) {
    CAPTURE(static_cast<int>(mode));
    CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), run_backward(g, ref, x, grad_out, mode)) <= 1e-4);
  }
}

}  // namespace

TEST_CASE("pool: reference MaxPool 2x2/1 on 3x3, values and switches in every mode") {
  const Graph g = pool_graph(OpKind::MaxPool, pool(2, 1), {1, 1, 3, 3});
  const Tensor x = values({1, 1, 3, 3}, {1, 5, 2,  //
                                         7, 3, 9,  //
                                         4, 8, 6});
  for (const auto& backend : {make_reference_backend(), make_cpu_backend()}) {
    CAPTURE(backend->name());
    check_values(run_forward(g, backend, x), {7, 9, 8, 9});
    // Windows' maxima sit at (1,0), (1,2), (2,1), (1,2): the 9 collects two signals.
    for (BackwardMode mode : kModes) {
      check_values(run_backward(g, backend, x, values({1, 1, 2, 2}, {1, -2, 3, 4}), mode), {0, 0, 0,  //
                                                                                            1, 0, 2,  //
                                                                                            0, 3, 0});
    }
  }
}

TEST_CASE("pool: MaxPool ties go to the first maximum in row-major window order") {
  const Graph g = pool_graph(OpKind::MaxPool, pool(2, 1), {1, 1, 2, 3});
  const Tensor x = values({1, 1, 2, 3}, {0, 1, 1,  //
                                         0, 1, 0});
  for (const auto& backend : {make_reference_backend(), make_cpu_backend()}) {
    CAPTURE(backend->name());
    check_values(run_forward(g, backend, x), {1, 1});
    for (BackwardMode mode : kModes) {
      check_values(run_backward(g, backend, x, values({1, 1, 1, 2}, {1, 10}), mode), {0, 11, 0, 0, 0, 0});
    }
  }
}

TEST_CASE("pool: reference MaxPool pads never win, dilation skips") {
  const auto ref = make_reference_backend();
  // All-negative input, 2x2/2 with one pad on each side: each window holds one real element.
  check_values(run_forward(pool_graph(OpKind::MaxPool, pool(2, 2, {1, 1, 1, 1}), {1, 1, 2, 2}), ref,
                           values({1, 1, 2, 2}, {-1, -2, -3, -4})),
               {-1, -2, -3, -4});
  // 2x2 kernel, dilation 2, on 4x4 with x[i][j] = 4i + j (taps (0,0),(0,2),(2,0),(2,2) for the first window).
  Tensor x({1, 1, 4, 4});
  for (int64_t i = 0; i < 16; ++i) x.at(i) = static_cast<float>((i * 7) % 16);  // a permutation of 0..15
  // x = [0 7 14 5; 12 3 10 1; 8 15 6 13; 4 11 2 9]
  const Graph g = pool_graph(OpKind::MaxPool, pool(2, 1, {0, 0, 0, 0}, 2), {1, 1, 4, 4});
  check_values(run_forward(g, ref, x), {14, 15, 12, 11});
  check_values(run_backward(g, ref, x, values({1, 1, 2, 2}, {1, 2, 3, 4}), BackwardMode::Gradient),
               {0, 0, 1, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0});
}

TEST_CASE("pool: reference AveragePool ceil_mode (ONNX averagepool_2d_ceil) and count_include_pad") {
  const auto ref = make_reference_backend();
  Tensor x({1, 1, 4, 4});
  for (int64_t i = 0; i < 16; ++i) x.at(i) = static_cast<float>(i + 1);
  // ONNX test data: kernel 3, stride 2, ceil_mode, no pads -> [[6, 7.5], [12, 13.5]], with either divisor rule.
  for (bool include : {false, true}) {
    const Graph g = pool_graph(OpKind::AveragePool, pool(3, 2, {0, 0, 0, 0}, 1, true, include), {1, 1, 4, 4});
    check_values(run_forward(g, ref, x), {6, 7.5f, 12, 13.5f});
  }
  // 3x3/2, pads 1, ceil_mode on 4x4 ones: 3x3 outputs; the last window covers rows 3..5, of which 3 is input and
  // 4 is padding: the include-pad divisor counts rows 3 and 4 (2), not the full 3.
  Tensor ones({1, 1, 4, 4});
  ones.fill(1.0f);
  const Graph incl = pool_graph(OpKind::AveragePool, pool(3, 2, {1, 1, 1, 1}, 1, true, true), {1, 1, 4, 4});
  REQUIRE(output_dims(incl) == Dims{1, 1, 3, 3});
  // In-input taps per window: 2, 3, 1 per axis; padded taps: 3, 3, 2.
  check_values(run_forward(incl, ref, ones),
               {4.f / 9, 6.f / 9, 2.f / 6, 6.f / 9, 1, 3.f / 6, 2.f / 6, 3.f / 6, 1.f / 4});
  // Backward of the last window alone: its single input element gets 1/4.
  Tensor seed({1, 1, 3, 3});
  seed.at(8) = 1.0f;
  Tensor want({1, 1, 4, 4});
  want.at(15) = 0.25f;
  CHECK(max_abs_error(run_backward(incl, ref, ones, seed, BackwardMode::Gradient), want) < 1e-7);
  const Graph excl = pool_graph(OpKind::AveragePool, pool(3, 2, {1, 1, 1, 1}, 1, true, false), {1, 1, 4, 4});
  check_values(run_forward(excl, ref, ones), std::vector<float>(9, 1.0f));
}

TEST_CASE("pool: reference AveragePool asymmetric pads, with and without the pads in the divisor") {
  const auto ref = make_reference_backend();
  const Tensor x = values({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Graph excl = pool_graph(OpKind::AveragePool, pool(2, 2, {0, 0, 1, 1}), {1, 1, 3, 3});
  check_values(run_forward(excl, ref, x), {3, 4.5f, 7.5f, 9});
  const Graph incl = pool_graph(OpKind::AveragePool, pool(2, 2, {0, 0, 1, 1}, 1, false, true), {1, 1, 3, 3});
  check_values(run_forward(incl, ref, x), {3, 2.25f, 3.75f, 2.25f});
  check_values(run_backward(incl, ref, x, values({1, 1, 2, 2}, {4, 8, 12, 16}), BackwardMode::Gradient),
               {1, 1, 2, 1, 1, 2, 3, 3, 4});
}

TEST_CASE("pool: reference global pools") {
  const auto ref = make_reference_backend();
  const Tensor x = values({2, 2, 2, 3}, {1,  2,  3,  4,  5,  6,   //
                                         -1, -7, -3, -2, -5, -6,  //
                                         0,  0,  9,  3,  3,  3,   //
                                         2,  2,  2,  2,  2,  8});
  const Graph avg = global_graph(OpKind::GlobalAveragePool, {2, 2, 2, 3});
  REQUIRE(output_dims(avg) == Dims{2, 2, 1, 1});
  check_values(run_forward(avg, ref, x), {3.5f, -4, 3, 3});
  const Tensor seed = values({2, 2, 1, 1}, {6, 12, -6, 3});
  Tensor gavg = run_backward(avg, ref, x, seed, BackwardMode::Gradient);
  check_values(gavg, {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, -1, -1, -1, -1, -1, -1, .5f, .5f, .5f, .5f, .5f, .5f});
  const Graph mx = global_graph(OpKind::GlobalMaxPool, {2, 2, 2, 3});
  check_values(run_forward(mx, ref, x), {6, -1, 9, 8});
  check_values(run_backward(mx, ref, x, seed, BackwardMode::Deconv),
               {0, 0, 0, 0, 0, 6, 12, 0, 0, 0, 0, 0, 0, 0, -6, 0, 0, 0, 0, 0, 0, 0, 0, 3});
}

TEST_CASE("pool: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  struct Case {
    OpKind kind;
    PoolParams p;
  };
  const Case cases[] = {
      {OpKind::MaxPool, pool(3, 2)},
      {OpKind::MaxPool, pool(3, 2, {0, 0, 0, 0}, 1, true)},
      {OpKind::MaxPool, pool(2, 1, {1, 1, 1, 1}, 2)},
      {OpKind::AveragePool, pool(3, 2, {1, 1, 1, 1}, 1, true, true)},
      {OpKind::AveragePool, pool(2, 2, {0, 0, 1, 1}, 1, false, false)},
  };
  const Dims dims = {2, 2, 6, 6};
  for (const Case& c : cases) {
    const Graph g = pool_graph(c.kind, c.p, dims);
    const Tensor x = distinct_tensor(dims, 3);
    CHECK(finite_difference_error(g, ref, x, random_tensor(output_dims(g), 4)) < 1e-2);
  }
  for (OpKind kind : {OpKind::GlobalAveragePool, OpKind::GlobalMaxPool}) {
    const Graph g = global_graph(kind, dims);
    CHECK(finite_difference_error(g, ref, distinct_tensor(dims, 5), random_tensor(output_dims(g), 6)) < 1e-2);
  }
}

TEST_CASE("pool: cpu matches the reference over a param sweep") {
  struct Case {
    std::string name;
    OpKind kind;
    PoolParams p;
    Dims x;  // at batch 1
  };
  const std::vector<Case> cases = {
      {"alexnet max 3x3/2", OpKind::MaxPool, pool(3, 2), {1, 4, 13, 13}},
      {"googlenet max 3x3/2 ceil", OpKind::MaxPool, pool(3, 2, {0, 0, 0, 0}, 1, true), {1, 4, 14, 14}},
      {"max 2x2/2", OpKind::MaxPool, pool(2, 2), {1, 3, 9, 8}},
      {"max 3x3/1 pads 1", OpKind::MaxPool, pool(3, 1, {1, 1, 1, 1}), {1, 3, 7, 7}},
      {"max 2x2/2 asymmetric pads", OpKind::MaxPool, pool(2, 2, {0, 0, 1, 1}), {1, 3, 7, 7}},
      {"max 3x3/2 dilation 2", OpKind::MaxPool, pool(3, 2, {1, 1, 1, 1}, 2), {1, 3, 11, 11}},
      {"max 3x3/2 dilation 2 ceil", OpKind::MaxPool, pool(3, 2, {0, 0, 0, 0}, 2, true), {1, 2, 12, 12}},
      {"avg 3x3/2 exclude pad", OpKind::AveragePool, pool(3, 2, {1, 1, 1, 1}), {1, 3, 9, 9}},
      {"avg 3x3/1 include pad", OpKind::AveragePool, pool(3, 1, {1, 1, 1, 1}, 1, false, true), {1, 3, 7, 7}},
      {"avg 2x2/2 asymmetric include pad", OpKind::AveragePool, pool(2, 2, {0, 0, 1, 1}, 1, false, true), {1, 3, 7, 7}},
      {"avg 3x3/2 ceil exclude pad", OpKind::AveragePool, pool(3, 2, {0, 0, 0, 0}, 1, true, false), {1, 3, 14, 14}},
      {"avg 3x3/2 ceil include pad", OpKind::AveragePool, pool(3, 2, {1, 1, 1, 1}, 1, true, true), {1, 3, 12, 12}},
      {"avg 5x5/3 ceil include pad", OpKind::AveragePool, pool(5, 3, {0, 0, 0, 0}, 1, true, true), {1, 2, 13, 13}},
      {"max window in padding", OpKind::MaxPool, pool(2, 1, {2, 2, 0, 0}), {1, 2, 5, 5}},
      {"avg window in padding", OpKind::AveragePool, pool(2, 1, {2, 2, 0, 0}), {1, 2, 5, 5}},
      {"global avg", OpKind::GlobalAveragePool, {}, {1, 5, 7, 6}},
      {"global max", OpKind::GlobalMaxPool, {}, {1, 5, 7, 6}},
      {"global max, window over 255 taps", OpKind::GlobalMaxPool, {}, {1, 2, 20, 19}},
  };
  uint32_t seed = 100;
  for (const Case& c : cases) {
    for (int64_t batch : {1, 2}) {
      CAPTURE(c.name);
      CAPTURE(batch);
      Dims dims = c.x;
      dims[0] = batch;
      const bool global = c.kind == OpKind::GlobalAveragePool || c.kind == OpKind::GlobalMaxPool;
      const Graph g = global ? global_graph(c.kind, dims) : pool_graph(c.kind, c.p, dims);
      seed += 2;
      check_cpu_against_reference(g, random_tensor(dims, seed), seed);
      // Many ties (as after a Relu): the cpu must pick the same switches as the reference.
      Tensor tied = random_tensor(dims, seed + 1);
      for (int64_t i = 0; i < tied.numel(); ++i) tied.at(i) = std::max(0.0f, std::round(tied.at(i) * 2.0f));
      check_cpu_against_reference(g, tied, seed + 1);
    }
  }
}

TEST_CASE("pool: cpu kernel is reusable across forwards (workspace follows the latest forward)") {
  const Graph g = pool_graph(OpKind::MaxPool, pool(3, 2, {0, 0, 0, 0}, 1, true), {2, 3, 10, 10});
  const auto cpu = make_cpu_backend();
  const auto ref = make_reference_backend();
  Net net(g, cpu, 2);
  Gradients grads = net.make_gradients();
  const Tensor seed = random_tensor(output_dims(g), 9);
  for (uint32_t s : {1u, 2u}) {
    const Tensor x = random_tensor({2, 3, 10, 10}, s);
    net.forward(x);
    net.backward_from(g.outputs.front(), seed, BackwardMode::Gradient, grads);
    CHECK(max_relative_error(grads.input(), run_backward(g, ref, x, seed, BackwardMode::Gradient)) <= 1e-4);
  }
}
