#include "compute/onnx/lowerings.hpp"

#include <numeric>
#include <utility>

namespace deepvis::onnx_internal {

int smooth_step(NodeView& n, OpKind kind, int x, const std::string& suffix) {
  return n.step(kind, SmoothParams{}, {x}, suffix);
}

int scalar_constant_blob(NodeView& n, const std::string& suffix, float value) {
  return n.constant(suffix, Tensor({1}, {value}));
}

int along_axis(NodeView& n, int x, const Dims& dims, int64_t axis, Tensor matrix, const std::string& suffix,
               bool last) {
  const auto rank = static_cast<int64_t>(dims.size());
  const int64_t m = matrix.dims().at(1);
  const bool transposed = axis != rank - 1;
  const bool reshaped = rank != 2;
  // Each step is the ONNX node's own when nothing follows it.
  auto make = [&](bool final, OpKind kind, OpParams params, std::vector<int> inputs, const std::string& what) {
    return final ? n.emit(kind, std::move(params), std::move(inputs))
                 : n.step(kind, std::move(params), std::move(inputs), suffix + "/" + what);
  };
  Dims perm(dims.size());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<size_t>(axis)], perm.back());
  Dims moved = dims;
  std::swap(moved[static_cast<size_t>(axis)], moved.back());
  int cur = x;
  if (transposed) cur = n.step(OpKind::Transpose, TransposeParams{perm}, {cur}, suffix + "/to_last");
  if (reshaped) cur = n.step(OpKind::Reshape, ReshapeParams{{-1, moved.back()}}, {cur}, suffix + "/rows");
  const int weights = n.constant(suffix + "/matrix", std::move(matrix));
  cur = make(last && !reshaped && !transposed, OpKind::MatMul, NoParams{}, {cur, weights}, "matmul");
  if (reshaped) {
    // -1 for the leading dim (the batch, never the resized axis) so that a batch change re-infers it.
    Dims back = moved;
    back.back() = m;
    back[0] = -1;
    cur = make(last && !transposed, OpKind::Reshape, ReshapeParams{back}, {cur}, "unrows");
  }
  if (transposed) cur = make(last, OpKind::Transpose, TransposeParams{perm}, {cur}, "from_last");
  return cur;
}

int along_axes(NodeView& n, int x, Dims dims, std::vector<AxisMatrix> steps, bool last) {
  int cur = x;
  for (size_t k = 0; k < steps.size(); ++k) {
    const auto axis = static_cast<size_t>(steps[k].axis);
    const int64_t out = steps[k].matrix.dims().at(1);
    cur = along_axis(n, cur, dims, steps[k].axis, std::move(steps[k].matrix), "axis" + std::to_string(axis),
                     last && k + 1 == steps.size());
    dims[axis] = out;
  }
  return cur;
}

Normalized normalized(NodeView& n, int x, const Dims& axes, float epsilon, EpsilonAt at, bool last) {
  const ReduceParams over{axes, true};
  const int mean = n.step(OpKind::ReduceMean, over, {x}, "mean");
  const int centred = n.step(OpKind::Sub, NoParams{}, {x, mean}, "centred");
  const int two = scalar_constant_blob(n, "two", 2.0f);
  const int square = n.step(OpKind::Pow, NoParams{}, {centred, two}, "square");
  int variance = n.step(OpKind::ReduceMean, over, {square}, "variance");
  const int eps = scalar_constant_blob(n, "epsilon", epsilon);
  if (at == EpsilonAt::Variance) variance = n.step(OpKind::Add, NoParams{}, {variance, eps}, "plus_epsilon");
  int deviation = n.step(OpKind::Sqrt, SmoothParams{}, {variance}, "deviation");
  if (at == EpsilonAt::Deviation) deviation = n.step(OpKind::Add, NoParams{}, {deviation, eps}, "plus_epsilon");
  const int result = last ? n.emit(OpKind::Div, NoParams{}, {centred, deviation})
                          : n.step(OpKind::Div, NoParams{}, {centred, deviation}, "normalized");
  return {mean, deviation, result};
}

}  // namespace deepvis::onnx_internal
