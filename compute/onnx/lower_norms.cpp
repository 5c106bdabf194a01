// The normalizations with statistics of the input itself, as ReduceMean, Sub, Pow, Sqrt and Div, then the
// per-channel (InstanceNormalization) or trailing-dims (LayerNormalization) scale and bias as broadcast Mul and
// Add. Every step is differentiable where the op is, so all three backward modes give the true gradient through
// the statistics too, as PyTorch's autograd does.
#include "compute/onnx/lowerings.hpp"

#include <numeric>

namespace deepvis::onnx_internal {

namespace {

// A per-channel constant [C] as [C, 1, ..., 1] so that it broadcasts over an N-D input's spatial dims.
int per_channel(NodeView& n, int i, const char* what, const Dims& x) {
  n.require_constant(i, what);
  Tensor t = n.ctx.constant_float(n.input(i), n.where(), std::string("the ") + what + " input");
  if (t.dims() != Dims{x[1]}) {
    n.fail(std::string("the ") + what + " input has dims " + to_string(t.dims()) + ", expected " +
           std::to_string(x[1]) + " (one per channel)");
  }
  Dims shape(x.size() - 1, 1);
  shape[0] = x[1];
  return n.constant(what, Tensor(shape, std::vector<float>(t.data(), t.data() + t.numel())));
}

}  // namespace

void convert_instance_norm(NodeView& n) {
  const Dims x = n.dims(0, "input");
  if (x.size() < 3) n.fail("the input must be N, C and at least one spatial dim, got " + to_string(x));
  Dims spatial(x.size() - 2);
  std::iota(spatial.begin(), spatial.end(), 2);
  const int scale = per_channel(n, 1, "scale", x);
  const int bias = per_channel(n, 2, "B", x);
  const int y =
      normalized(n, n.blob(0, "input"), spatial, n.attrs.get_float("epsilon", 1e-5f), EpsilonAt::Variance).result;
  const int scaled = n.step(OpKind::Mul, NoParams{}, {y, scale}, "scaled");
  n.emit(OpKind::Add, NoParams{}, {scaled, bias});
}

// The optional Mean and InvStdDev outputs are the statistics the lowering computes anyway (dims kept, as the spec's).
void convert_layer_norm(NodeView& n) {
  const Dims x = n.dims(0, "X");
  const auto rank = static_cast<int64_t>(x.size());
  const int64_t axis = normalize_axis(n, n.attrs.get_int("axis", -1), rank, false);
  Dims trailing(static_cast<size_t>(rank - axis));
  std::iota(trailing.begin(), trailing.end(), axis);
  // Scale and B broadcast to X's trailing dims; NumPy broadcasting aligns them from the right, as the spec does.
  const Normalized y =
      normalized(n, n.blob(0, "X"), trailing, n.attrs.get_float("epsilon", 1e-5f), EpsilonAt::Variance);
  if (!n.has_input(2)) {
    n.emit(OpKind::Mul, NoParams{}, {y.result, n.blob(1, "Scale")});
  } else {
    const int scaled = n.step(OpKind::Mul, NoParams{}, {y.result, n.blob(1, "Scale")}, "scaled");
    n.emit(OpKind::Add, NoParams{}, {scaled, n.blob(2, "B")});
  }
  if (n.proto.output_size() > 1 && !n.proto.output(1).empty()) n.ctx.define(n.proto.output(1), y.mean);
  if (n.proto.output_size() > 2 && !n.proto.output(2).empty()) {
    n.ctx.define(n.proto.output(2), n.step(OpKind::Reciprocal, SmoothParams{}, {y.deviation}, "inv_std_dev"));
  }
}

// MeanVarianceNormalization-9/13: (X - E[X]) / (sqrt(Var[X]) + 1e-9) over `axes` (default N, H, W), per the
// function body that defines it.
void convert_mean_variance_norm(NodeView& n) {
  const Dims x = n.dims(0, "X");
  const Dims axes = normalized_axes(n, n.attrs.get_ints("axes", {0, 2, 3}), static_cast<int64_t>(x.size()));
  normalized(n, n.blob(0, "X"), axes, 1e-9f, EpsilonAt::Deviation, /*last=*/true);
}

}  // namespace deepvis::onnx_internal
