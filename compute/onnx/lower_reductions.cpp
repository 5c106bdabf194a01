// Reductions. ReduceMean, ReduceMax, ReduceSum and ReduceL2 are nodes of their own; the others are an elementwise
// op around one of those (ReduceMin = -max(-x), ReduceL1 = sum |x|, ReduceSumSquare = sum x^2, ReduceLogSum =
// log sum x), and ReduceLogSumExp and LogSoftmax subtract the max first, as every careful implementation does, so
// that exp cannot overflow.
#include "compute/onnx/lowerings.hpp"

namespace deepvis::onnx_internal {

namespace {

struct ReduceRead {
  ReduceParams params;
  bool noop = false;  // noop_with_empty_axes with no axes: the output is the input
};

ReduceRead read_reduce(NodeView& n, int64_t axes_input_from) {
  const Dims x = n.dims(0, "data");
  const Dims axes =
      n.opset() >= axes_input_from ? (n.has_input(1) ? axes_of(n, 1) : Dims{}) : n.attrs.get_ints("axes", {});
  ReduceRead r;
  r.params.keepdims = n.attrs.get_int("keepdims", 1) != 0;
  if (axes.empty()) {
    r.noop = n.attrs.get_int("noop_with_empty_axes", 0) != 0;
    for (size_t i = 0; i < x.size(); ++i) r.params.axes.push_back(static_cast<int64_t>(i));
  } else {
    r.params.axes = normalized_axes(n, axes, static_cast<int64_t>(x.size()));
  }
  return r;
}

// log(sum(exp(x - max))) + max over `p`'s axes, the max and sums kept as size-1 dims; the final Squeeze (without
// keepdims) or Add is the node's own.
void log_sum_exp(NodeView& n, const ReduceParams& p) {
  const ReduceParams kept{p.axes, true};
  const int x = n.blob(0, "data");
  const int max = n.step(OpKind::ReduceMax, kept, {x}, "max");
  const int shifted = n.step(OpKind::Sub, NoParams{}, {x, max}, "shifted");
  const int sum = n.step(OpKind::ReduceSum, kept, {smooth_step(n, OpKind::Exp, shifted, "exp")}, "sum");
  const int log = smooth_step(n, OpKind::Log, sum, "log");
  if (p.keepdims) {
    n.emit(OpKind::Add, NoParams{}, {log, max});
    return;
  }
  const int kept_result = n.step(OpKind::Add, NoParams{}, {log, max}, "kept");
  n.emit(OpKind::Squeeze, AxesParams{p.axes}, {kept_result});
}

}  // namespace

Converter reduce(OpKind kind, int64_t axes_input_from) {
  return [kind, axes_input_from](NodeView& n) {
    const ReduceRead r = read_reduce(n, axes_input_from);
    if (r.noop) {
      n.ctx.alias(n.output(), n.required_input(0, "data"), n.where());
      return;
    }
    n.emit(kind, r.params, {n.blob(0, "data")});
  };
}

Converter reduce_lowered(const std::string& op, int64_t axes_input_from) {
  return [op, axes_input_from](NodeView& n) {
    const ReduceRead r = read_reduce(n, axes_input_from);
    if (r.noop) n.fail("noop_with_empty_axes is not supported for " + op);
    const int x = n.blob(0, "data");
    if (op == "ReduceMin") {
      const int max = n.step(OpKind::ReduceMax, r.params, {smooth_step(n, OpKind::Neg, x, "negated")}, "max");
      n.emit(OpKind::Neg, SmoothParams{}, {max});
    } else if (op == "ReduceL1") {
      n.emit(OpKind::ReduceSum, r.params, {smooth_step(n, OpKind::Abs, x, "abs")});
    } else if (op == "ReduceSumSquare") {
      const int square = n.step(OpKind::Pow, NoParams{}, {x, scalar_constant_blob(n, "two", 2.0f)}, "square");
      n.emit(OpKind::ReduceSum, r.params, {square});
    } else if (op == "ReduceLogSum") {
      n.emit(OpKind::Log, SmoothParams{}, {n.step(OpKind::ReduceSum, r.params, {x}, "sum")});
    } else if (op == "ReduceLogSumExp") {
      log_sum_exp(n, r.params);
    } else {
      n.fail("no lowering for " + op);  // a table entry without code here: a deepvis bug
    }
  };
}

// LogSoftmax-13 normalizes along `axis` (default -1); LogSoftmax-1/11 over the dims from `axis` (default 1) on,
// as if the input were flattened to 2-D there.
void convert_log_softmax(NodeView& n) {
  const auto rank = static_cast<int64_t>(n.dims(0, "input").size());
  const bool coerce = n.opset() < 13;
  const int64_t axis = normalize_axis(n, n.attrs.get_int("axis", coerce ? 1 : -1), rank, false);
  ReduceParams over{{axis}, true};
  if (coerce) {
    for (int64_t a = axis + 1; a < rank; ++a) over.axes.push_back(a);
  }
  const int x = n.blob(0, "input");
  const int max = n.step(OpKind::ReduceMax, over, {x}, "max");
  const int shifted = n.step(OpKind::Sub, NoParams{}, {x, max}, "shifted");
  const int sum = n.step(OpKind::ReduceSum, over, {smooth_step(n, OpKind::Exp, shifted, "exp")}, "sum");
  n.emit(OpKind::Sub, NoParams{}, {shifted, smooth_step(n, OpKind::Log, sum, "log")});
}
}  // namespace deepvis::onnx_internal
