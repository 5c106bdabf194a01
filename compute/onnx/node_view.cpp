#include "compute/onnx/node_view.hpp"

#include <algorithm>

namespace deepvis::onnx_internal {

float scalar_constant(NodeView& n, int i, const char* what) {
  const Tensor t = n.ctx.constant_float(n.input(i), n.where(), what);
  if (t.numel() != 1) n.fail(std::string(what) + " must hold one value, it has dims " + to_string(t.dims()));
  return t.at(0);
}

int64_t normalize_axis(const NodeView& n, int64_t axis, int64_t rank, bool inclusive_end) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank || (a == rank && !inclusive_end)) {
    n.fail("axis " + std::to_string(axis) + " is out of range for a " + std::to_string(rank) + "-D input");
  }
  return a;
}

Dims axes_of(NodeView& n, int slot) {
  if (n.has_input(slot)) return n.ctx.constant_int64(n.input(slot), n.where(), "the axes input");
  return n.attrs.get_ints("axes", {});
}

Dims normalized_axes(const NodeView& n, const Dims& axes, int64_t rank) {
  Dims out;
  for (int64_t a : axes) out.push_back(normalize_axis(n, a, rank, false));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) n.fail("an axis is listed twice");
  return out;
}

}  // namespace deepvis::onnx_internal
