// Concat, Flatten, Reshape, Pad: hand values forward and backward, finite differences of the reference
// backward, and the cpu backend against the reference over a sweep of axes, pads and batches.
#include "compute/ops/structure.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Dims output_dims(const Graph& g) {
  return g.blobs[static_cast<size_t>(g.outputs.front())].dims;
}

// 0, 1, 2, ...: every element tells where it came from.
Tensor iota(const Dims& dims, float start = 0.0f) {
  Tensor t(dims);
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = start + static_cast<float>(i);
  return t;
}

// Concat of constants and the input, the input at `x_slot` among `others.size() + 1` inputs.
Graph concat_graph(int64_t axis, const Dims& x_dims, const std::vector<Tensor>& others, size_t x_slot) {
  GraphBuilder g("test");
  const int x = g.input("x", x_dims);
  std::vector<int> inputs;
  for (size_t i = 0; i < others.size(); ++i) inputs.push_back(g.constant("c" + std::to_string(i), others[i]));
  inputs.insert(inputs.begin() + static_cast<std::ptrdiff_t>(x_slot), x);
  g.node(OpKind::Concat, ConcatParams{axis}, inputs, "op", "y");
  return g.build();
}

// Concat whose every input is an activation: x, x scaled... here x itself repeated and a crop of x, so the
// gradient of each slot is live and accumulated by the Net.
Graph concat_of_activations(int64_t axis, const Dims& x_dims) {
  GraphBuilder g("test");
  const int x = g.input("x", x_dims);
  PadParams crop{Dims(x_dims.size(), 0), Dims(x_dims.size(), 0), 0.0f};
  crop.pads_begin[static_cast<size_t>(axis)] = -1;  // drop the first entry along the axis
  const int c = g.node(OpKind::Pad, crop, {x}, "crop");
  g.node(OpKind::Concat, ConcatParams{axis}, {x, c, x}, "op", "y");
  return g.build();
}

Graph pad_graph(const Dims& x_dims, Dims begin, Dims end, float value) {
  return single_node_graph(OpKind::Pad, PadParams{std::move(begin), std::move(end), value}, x_dims, {});
}

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

TEST_CASE("structure: Concat hand values on both backends") {
  const Tensor x({1, 2, 2}, {0, 1, 2, 3});
  const Tensor c({1, 1, 2}, {10, 11});
  const Tensor d({1, 2, 1}, {20, 21});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    {  // axis 1, the input between two constants
      const Graph g = concat_graph(1, x.dims(), {c, c}, 1);
      CHECK(output_dims(g) == Dims{1, 4, 2});
      check_values(run_forward(g, backend, x), {10, 11, 0, 1, 2, 3, 10, 11});
      check_values(run_backward(g, backend, x, iota({1, 4, 2}), BackwardMode::Gradient), {2, 3, 4, 5});
    }
    {  // the last axis
      const Graph g = concat_graph(2, x.dims(), {d}, 0);
      check_values(run_forward(g, backend, x), {0, 1, 20, 2, 3, 21});
      check_values(run_backward(g, backend, x, iota({1, 2, 3}), BackwardMode::Gradient), {0, 1, 3, 4});
    }
    {  // the batch axis
      const Graph g = concat_graph(0, x.dims(), {Tensor({1, 2, 2}, {5, 6, 7, 8})}, 1);
      check_values(run_forward(g, backend, x), {5, 6, 7, 8, 0, 1, 2, 3});
      check_values(run_backward(g, backend, x, iota({2, 2, 2}), BackwardMode::Gradient), {4, 5, 6, 7});
    }
    {  // x twice and a crop of it: gradient slots 0, 1 and 2 all reach x
      const Graph g = concat_of_activations(1, x.dims());
      check_values(run_forward(g, backend, x), {0, 1, 2, 3, 2, 3, 0, 1, 2, 3});
      // seed rows: [0 1] [2 3] | [4 5] | [6 7] [8 9]; x row 0 gets 0+6, 1+7; row 1 gets 2+4+8, 3+5+9.
      check_values(run_backward(g, backend, x, iota({1, 5, 2}), BackwardMode::Gradient), {6, 8, 14, 17});
    }
  }
}

TEST_CASE("structure: Flatten and Reshape copy on both backends") {
  const Tensor x = iota({2, 3, 2}, 1.0f);
  const Tensor seed = iota({2, 6}, -5.0f);
  std::vector<float> ordered(12);
  for (size_t i = 0; i < ordered.size(); ++i) ordered[i] = 1.0f + static_cast<float>(i);
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    {
      const Graph g = single_node_graph(OpKind::Flatten, FlattenParams{1}, x.dims(), {});
      CHECK(output_dims(g) == Dims{2, 6});
      check_values(run_forward(g, backend, x), ordered);
      check_values(run_backward(g, backend, x, seed, BackwardMode::Guided), {-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6});
    }
    {
      const Graph g = single_node_graph(OpKind::Flatten, FlattenParams{0}, x.dims(), {});
      CHECK(output_dims(g) == Dims{1, 12});
      check_values(run_forward(g, backend, x), ordered);
    }
    {  // the ONNX shape input survives as a constant second slot: ignored
      const Graph g =
          single_node_graph(OpKind::Reshape, ReshapeParams{{0, -1, 3}}, x.dims(), {Tensor({3}, {0, -1, 3})});
      CHECK(output_dims(g) == Dims{2, 2, 3});
      check_values(run_forward(g, backend, x), ordered);
      check_values(run_backward(g, backend, x, iota({2, 2, 3}, 7.0f), BackwardMode::Deconv),
                   {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
    }
  }
}

TEST_CASE("structure: Pad hand values, crops included, on both backends") {
  const Tensor x({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    {  // one row of padding above, the first column cropped, two columns of padding right
      const Graph g = pad_graph(x.dims(), {0, 0, 1, -1}, {0, 0, 0, 2}, 9.0f);
      CHECK(output_dims(g) == Dims{1, 1, 3, 4});
      check_values(run_forward(g, backend, x), {9, 9, 9, 9, 2, 3, 9, 9, 5, 6, 9, 9});
      // Backward crops the seed back to the input region; the cropped column gets nothing.
      check_values(run_backward(g, backend, x, iota({1, 1, 3, 4}), BackwardMode::Gradient), {0, 4, 5, 0, 8, 9});
    }
    {  // pads on the channel dim and the ONNX pads/value inputs kept as constant slots
      const Graph g = single_node_graph(OpKind::Pad, PadParams{{0, 1, 0, 0}, {0, 0, -1, 0}, -1.0f}, x.dims(),
                                        {Tensor({8}, {0, 1, 0, 0, 0, 0, -1, 0}), Tensor({1}, {-1.0f})});
      CHECK(output_dims(g) == Dims{1, 2, 1, 3});
      check_values(run_forward(g, backend, x), {-1, -1, -1, 1, 2, 3});
      check_values(run_backward(g, backend, x, iota({1, 2, 1, 3}), BackwardMode::Guided), {3, 4, 5, 0, 0, 0});
    }
    {  // cropped to nothing along the last dim in the middle: output row keeps only padding
      const Graph g = pad_graph(x.dims(), {0, 0, 0, 2}, {0, 0, 0, -4}, 7.0f);
      CHECK(output_dims(g) == Dims{1, 1, 2, 1});
      check_values(run_forward(g, backend, x), {7, 7});
      check_values(run_backward(g, backend, x, iota({1, 1, 2, 1}, 1.0f), BackwardMode::Gradient), {0, 0, 0, 0, 0, 0});
    }
  }
}

TEST_CASE("structure: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  const Dims dims = {2, 3, 4, 5};
  const Tensor x = random_tensor(dims, 21);
  {
    const Graph g = concat_graph(1, dims, {random_tensor({2, 2, 4, 5}, 22), random_tensor({2, 1, 4, 5}, 23)}, 1);
    CHECK(finite_difference_error(g, ref, x, random_tensor(output_dims(g), 24)) <= 1e-2);
  }
  for (int64_t axis : {0, 1, 2, 3}) {
    CAPTURE(axis);
    const Graph g = concat_of_activations(axis, dims);
    CHECK(finite_difference_error(g, ref, x, random_tensor(output_dims(g), 25)) <= 1e-2);
  }
  {
    const Graph g = single_node_graph(OpKind::Reshape, ReshapeParams{{-1, 10}}, dims, {});
    CHECK(finite_difference_error(g, ref, x, random_tensor(output_dims(g), 26)) <= 1e-2);
  }
  {
    const Graph g = pad_graph(dims, {0, 1, -1, 2}, {1, -2, 2, -1}, 0.5f);
    CHECK(finite_difference_error(g, ref, x, random_tensor(output_dims(g), 27)) <= 1e-2);
  }
}

TEST_CASE("structure: cpu matches reference, forward and backward in every mode") {
  uint32_t seed = 300;
  for (int64_t batch : {1, 2}) {
    CAPTURE(batch);
    const Dims dims = {batch, 6, 9, 11};
    for (int64_t axis : {0, 1, 2, 3}) {
      CAPTURE(axis);
      Dims other = dims;
      other[static_cast<size_t>(axis)] = 3;
      Dims another = dims;
      another[static_cast<size_t>(axis)] = 1;
      for (size_t slot : {size_t{0}, size_t{1}, size_t{2}}) {
        const Graph g =
            concat_graph(axis, dims, {random_tensor(other, seed + 1), random_tensor(another, seed + 2)}, slot);
        check_cpu_against_reference(g, seed += 3);
      }
      check_cpu_against_reference(concat_of_activations(axis, dims), seed += 2);
    }
    // A large Concat crosses the cpu kernel's threading threshold.
    check_cpu_against_reference(concat_graph(1, {batch, 64, 40, 40}, {random_tensor({batch, 32, 40, 40}, 1)}, 0),
                                seed += 2);
    for (int64_t axis : {0, 1, 2, 3, 4}) {
      CAPTURE(axis);
      check_cpu_against_reference(single_node_graph(OpKind::Flatten, FlattenParams{axis}, dims, {}), seed += 2);
    }
    check_cpu_against_reference(single_node_graph(OpKind::Reshape, ReshapeParams{{0, 3, -1}}, {batch, 96, 50, 50}, {}),
                                seed += 2);
    struct PadCase {
      Dims begin, end;
    };
    const std::vector<PadCase> pads = {
        {{0, 0, 1, 1}, {0, 0, 1, 1}},     {{0, 0, 0, 0}, {0, 0, 0, 0}},   {{0, 2, -3, 4}, {0, -1, 2, -5}},
        {{0, 0, -2, -2}, {0, 0, -3, -3}}, {{1, 0, 0, 0}, {0, 1, 0, 0}},   {{0, 0, 0, 3}, {0, 0, 0, -14}},
        {{0, -6, 0, 0}, {0, 1, 0, 0}},    {{0, 0, 5, 0}, {0, 0, -13, 0}},
    };
    for (const PadCase& p : pads) {
      CAPTURE(to_string(p.begin));
      CAPTURE(to_string(p.end));
      check_cpu_against_reference(pad_graph(dims, p.begin, p.end, 0.25f), seed += 2);
    }
    check_cpu_against_reference(pad_graph({batch, 32, 56, 56}, {0, 0, 3, 3}, {0, 0, 3, 3}, 0.0f), seed += 2);
    check_cpu_against_reference(pad_graph({batch, 5}, {0, 3}, {0, -2}, 1.0f), seed += 2);
  }
}
