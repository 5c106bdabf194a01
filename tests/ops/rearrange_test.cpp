// Rearrangements (compute/ops/rearrange.hpp) and Squeeze/Unsqueeze: hand values worked out from the ONNX operator
// definitions, finite differences of the backward on the reference and cpu backends (outputs that read one input
// element many times, as Expand, Tile, Gather with repeats and reflect padding do, must sum their signals), the
// cpu backend against the reference in every mode (none is a rectifier), and the backward adding in place when
// the Net asks.
#include "compute/ops/rearrange.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Graph one(OpKind kind, OpParams params, const Dims& dims) {
  return single_node_graph(kind, std::move(params), dims, {});
}

struct Case {
  std::string what;
  Graph graph;
};

std::vector<Case> cases() {
  PadParams reflect{{0, 1, 2, 0}, {0, 0, 3, 1}, 0.0f, PadMode::Reflect};
  PadParams edge{{0, 0, 1, 2}, {1, 0, 0, 2}, 0.0f, PadMode::Edge};
  PadParams crop_reflect{{0, -1, 1, 0}, {0, 0, -1, 2}, 0.0f, PadMode::Reflect};
  return {
      {"transpose nhwc", one(OpKind::Transpose, TransposeParams{{0, 2, 3, 1}}, {2, 3, 4, 5})},
      {"transpose 5-d (channel shuffle)", one(OpKind::Transpose, TransposeParams{{0, 2, 1, 3, 4}}, {1, 2, 3, 4, 2})},
      {"slice steps", one(OpKind::Slice, SliceParams{{1, -1}, {3, 0}, {1, 3}, {1, -2}}, {2, 3, 4, 5})},
      {"slice clamped", one(OpKind::Slice, SliceParams{{-100}, {100}, {2}, {3}}, {2, 3, 4, 5})},
      {"expand", one(OpKind::Expand, ExpandParams{{2, 1, 3, 4, 1}}, {3, 1, 5})},
      {"tile", one(OpKind::Tile, TileParams{{1, 2, 1, 3}}, {2, 3, 4, 5})},
      {"gather repeats", one(OpKind::Gather, GatherParams{1, {2, 0, 2, -1}, {2, 2}}, {2, 3, 4})},
      {"gather scalar", one(OpKind::Gather, GatherParams{2, {1}, {}}, {2, 3, 4, 5})},
      {"depth to space dcr", one(OpKind::DepthToSpace, BlockParams{2, false}, {2, 8, 3, 2})},
      {"depth to space crd", one(OpKind::DepthToSpace, BlockParams{2, true}, {2, 8, 3, 2})},
      {"space to depth", one(OpKind::SpaceToDepth, BlockParams{2, false}, {2, 3, 4, 6})},
      {"pad reflect", one(OpKind::Pad, reflect, {2, 3, 4, 5})},
      {"pad edge", one(OpKind::Pad, edge, {2, 3, 4, 5})},
      {"pad reflect crop", one(OpKind::Pad, crop_reflect, {2, 3, 4, 5})},
      {"pad reflect past the edge", one(OpKind::Pad, PadParams{{7}, {5}, 0.0f, PadMode::Reflect}, {3})},
      {"squeeze", one(OpKind::Squeeze, AxesParams{{1, 3}}, {2, 1, 4, 1})},
      {"unsqueeze", one(OpKind::Unsqueeze, AxesParams{{0, 3}}, {2, 3, 4})},
  };
}

}  // namespace

TEST_CASE("rearrange: hand values on both backends") {
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Tensor m({2, 3}, {1, 2, 3, 4, 5, 6});
    check_values(run_forward(one(OpKind::Transpose, TransposeParams{{1, 0}}, {2, 3}), backend, m), {1, 4, 2, 5, 3, 6});
    // Columns 2 then 0 (start -1, end -4 clamped to -1, step -2), rows from 1.
    check_values(run_forward(one(OpKind::Slice, SliceParams{{1, -1}, {5, -4}, {0, 1}, {1, -2}}, {2, 3}), backend, m),
                 {6, 4});
    check_values(run_forward(one(OpKind::Expand, ExpandParams{{2, 1}}, {1, 3}), backend, Tensor({1, 3}, {7, 8, 9})),
                 {7, 8, 9, 7, 8, 9});
    check_values(run_forward(one(OpKind::Tile, TileParams{{1, 2}}, {2, 3}), backend, m),
                 {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
    check_values(run_forward(one(OpKind::Gather, GatherParams{1, {2, -3}, {2}}, {2, 3}), backend, m), {3, 1, 6, 4});
    // numpy.pad(x, (3, 4), 'reflect') and 'edge' for x = [1, 2, 3].
    const Tensor v({3}, {1, 2, 3});
    check_values(run_forward(one(OpKind::Pad, PadParams{{3}, {4}, 0.0f, PadMode::Reflect}, {3}), backend, v),
                 {2, 3, 2, 1, 2, 3, 2, 1, 2, 3});
    check_values(run_forward(one(OpKind::Pad, PadParams{{2}, {1}, 0.0f, PadMode::Edge}, {3}), backend, v),
                 {1, 1, 1, 2, 3, 3});
    // DepthToSpace, blocksize 2, of 8 channels at one pixel into 2 channels of 2x2: output (c, i, j) reads channel
    // (i * 2 + j) * 2 + c in DCR mode and c * 4 + i * 2 + j in CRD mode.
    const Tensor depth({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7});
    check_values(run_forward(one(OpKind::DepthToSpace, BlockParams{2, false}, {1, 8, 1, 1}), backend, depth),
                 {0, 2, 4, 6, 1, 3, 5, 7});
    check_values(run_forward(one(OpKind::DepthToSpace, BlockParams{2, true}, {1, 8, 1, 1}), backend, depth),
                 {0, 1, 2, 3, 4, 5, 6, 7});
    const Tensor space({1, 1, 2, 2}, {1, 2, 3, 4});
    check_values(run_forward(one(OpKind::SpaceToDepth, BlockParams{2, false}, {1, 1, 2, 2}), backend, space),
                 {1, 2, 3, 4});
    // Tile's backward sums the copies.
    check_values(run_backward(one(OpKind::Tile, TileParams{{1, 2}}, {2, 3}), backend, m,
                              Tensor({2, 6}, {1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}), BackwardMode::Gradient),
                 {11, 22, 33, 44, 55, 66});
  }
}

TEST_CASE("rearrange: backward matches finite differences on the reference and cpu backends") {
  for (const auto& backend : backends()) {
    for (const Case& c : cases()) {
      CAPTURE(backend->name());
      CAPTURE(c.what);
      const Tensor x = random_tensor(c.graph.blobs[static_cast<size_t>(c.graph.input)].dims, 3);
      const Tensor seed = random_tensor(c.graph.blobs[static_cast<size_t>(c.graph.outputs[0])].dims, 4);
      CHECK(finite_difference_error(c.graph, backend, x, seed) <= 1e-3);
    }
  }
}

TEST_CASE("rearrange: cpu matches reference, the same in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 40;
  for (const Case& c : cases()) {
    CAPTURE(c.what);
    const Tensor x = random_tensor(c.graph.blobs[static_cast<size_t>(c.graph.input)].dims, ++seed);
    CHECK(max_relative_error(run_forward(c.graph, cpu, x), run_forward(c.graph, ref, x)) == 0.0);
    const Tensor g = random_tensor(c.graph.blobs[static_cast<size_t>(c.graph.outputs[0])].dims, ++seed);
    const Tensor gradient = run_backward(c.graph, ref, x, g, BackwardMode::Gradient);
    for (BackwardMode mode : kModes) {
      CAPTURE(static_cast<int>(mode));
      CHECK(max_relative_error(run_backward(c.graph, cpu, x, g, mode), gradient) <= 1e-6);
      CHECK(max_relative_error(run_backward(c.graph, ref, x, g, mode), gradient) == 0.0);
    }
  }
}

TEST_CASE("rearrange: a blob read by two rearrangements gets both signals (in place on the cpu backend)") {
  // y = transpose(x) + slice(transpose(x)) broadcast: x's gradient collects the Transpose's, which itself collects
  // from the Add and from the Slice.
  GraphBuilder b("test");
  const int x = b.input("x", {2, 3, 4});
  const int t = b.node(OpKind::Transpose, TransposeParams{{0, 2, 1}}, {x}, "t");
  const int s = b.node(OpKind::Slice, SliceParams{{1}, {2}, {1}, {1}}, {t}, "s");
  const int e = b.node(OpKind::Tile, TileParams{{1, 1, 1}}, {x}, "e");
  const int sum = b.node(OpKind::Add, NoParams{}, {t, s}, "sum");
  const int te = b.node(OpKind::Transpose, TransposeParams{{0, 2, 1}}, {e}, "te");
  b.node(OpKind::Mul, NoParams{}, {sum, te}, "y");
  const Graph g = b.build();
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    CHECK(finite_difference_error(g, backend, random_tensor({2, 3, 4}, 8), random_tensor({2, 4, 3}, 9)) <= 1e-2);
  }
}
