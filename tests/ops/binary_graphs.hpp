#pragma once
// The one-node graphs the binary op tests share (tests/ops/binary_test.cpp, binary_kinds_test.cpp).
#include "compute/core/graph_builder.hpp"

#include <vector>

namespace deepvis::test {

// x (op) c, or c (op) x when `constant_first`.
inline Graph with_constant(OpKind kind, const Dims& x_dims, const Tensor& c, bool constant_first = false) {
  GraphBuilder g("test");
  const int x = g.input("x", x_dims);
  const int k = g.constant("c", c);
  g.node(kind, NoParams{}, constant_first ? std::vector<int>{k, x} : std::vector<int>{x, k}, "op", "y");
  return g.build();
}

// Both operands are activations: a = x and b = x cropped by a Pad with negative pads to `b_dims`, so the
// second operand broadcasts and its gradient must be reduced, then flow back through the crop.
inline Graph two_activations(OpKind kind, const Dims& x_dims, const Dims& b_dims, bool cropped_first = false) {
  GraphBuilder g("test");
  const int x = g.input("x", x_dims);
  PadParams crop;
  for (size_t d = 0; d < x_dims.size(); ++d) {
    crop.pads_begin.push_back(0);
    crop.pads_end.push_back(b_dims[d] - x_dims[d]);
  }
  const int b = g.node(OpKind::Pad, crop, {x}, "crop");
  g.node(kind, NoParams{}, cropped_first ? std::vector<int>{b, x} : std::vector<int>{x, b}, "op", "y");
  return g.build();
}

inline Dims output_dims(const Graph& g) {
  return g.blobs[static_cast<size_t>(g.outputs.front())].dims;
}

}  // namespace deepvis::test
