// ONNX node -> deepvis Node, one function per op. Attribute-vs-input differences between opsets are resolved
// here, as are auto_pad (to explicit pads) and constant shapes/pads/bounds (folded into params).
#include "compute/core/dims_math.hpp"
#include "compute/onnx/lowerings.hpp"
#include "compute/onnx/node_view.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

namespace deepvis::onnx_internal {

namespace {

void require_4d(const NodeView& n, const Dims& x, const char* what) {
  if (x.size() != 4) {
    n.fail(std::string("only 2-D ") + what + " is supported (a 4-D N,C,H,W input); the input is " +
           std::to_string(x.size()) + "-D (" + to_string(x) + ")");
  }
}

// --- Conv and pooling windows ---

struct Window {
  Dims strides, dilations, pads_begin, pads_end;
};

Dims pair_attr(const NodeView& n, const std::string& attr, const Dims& fallback) {
  Dims v = n.attrs.get_ints(attr, fallback);
  if (v.size() != 2) {
    n.fail("attribute '" + attr + "' has " + std::to_string(v.size()) + " values; a 2-D op needs 2");
  }
  for (int64_t x : v) {
    if (x < 1) n.fail("attribute '" + attr + "' must be positive, got " + std::to_string(x));
  }
  return v;
}

// ONNX pads are [x1_begin, x2_begin, x1_end, x2_end]; auto_pad SAME_* pads so that out = ceil(in / stride), the
// odd pixel going at the end (UPPER) or the beginning (LOWER).
Window read_window(const NodeView& n, const Dims& x, const Dims& kernel, bool has_dilations) {
  Window w;
  w.strides = pair_attr(n, "strides", {1, 1});
  w.dilations = has_dilations ? pair_attr(n, "dilations", {1, 1}) : Dims{1, 1};
  const std::string auto_pad = n.attrs.get_string("auto_pad", "NOTSET");
  w.pads_begin = {0, 0};
  w.pads_end = {0, 0};
  if (auto_pad == "NOTSET" || auto_pad.empty()) {
    const Dims pads = n.attrs.get_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4) {
      n.fail("attribute 'pads' has " + std::to_string(pads.size()) +
             " values; a 2-D op needs 4 (top, left, bottom, right)");
    }
    for (int64_t p : pads) {
      if (p < 0) n.fail("attribute 'pads' has a negative value " + std::to_string(p));
    }
    w.pads_begin = {pads[0], pads[1]};
    w.pads_end = {pads[2], pads[3]};
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < 2; ++i) {
      const int64_t in = x[2 + i];
      const int64_t stride = w.strides[i];
      const int64_t out = in / stride + (in % stride != 0 ? 1 : 0);
      int64_t total = 0;
      try {  // kernel_shape, strides and dilations may be any positive int64
        const int64_t extent = dims_add(dims_mul(kernel[i] - 1, w.dilations[i]), 1);
        total = std::max<int64_t>(0, dims_add(dims_add(dims_mul(out - 1, stride), extent), -in));
      } catch (const Error& e) {
        n.fail("auto_pad " + auto_pad + ": " + e.what());
      }
      const int64_t small = total / 2;
      w.pads_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      w.pads_end[i] = total - w.pads_begin[i];
    }
  } else if (auto_pad != "VALID") {
    n.fail("attribute 'auto_pad' is '" + auto_pad + "', expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  return w;
}

void convert_conv(NodeView& n) {
  const Dims x = n.dims(0, "X");
  require_4d(n, x, "convolution");
  n.require_constant(1, "weights");
  const Dims w = n.dims(1, "weights");
  if (w.size() != 4) n.fail("the weights must be 4-D (M, C/group, kH, kW), got " + to_string(w));
  const Dims kernel = {w[2], w[3]};
  if (n.attrs.has("kernel_shape") && n.attrs.require_ints("kernel_shape") != kernel) {
    n.fail("attribute 'kernel_shape' differs from the weights' spatial dims " + to_string(kernel));
  }
  const Window win = read_window(n, x, kernel, true);
  ConvParams p{kernel, win.strides, win.dilations, win.pads_begin, win.pads_end, n.attrs.get_int("group", 1)};
  std::vector<int> inputs = {n.blob(0, "X"), n.blob(1, "weights")};
  if (n.has_input(2)) {
    n.require_constant(2, "bias");
    inputs.push_back(n.blob(2, "bias"));
  }
  n.emit(OpKind::Conv, p, inputs);
}

void convert_pool(NodeView& n, OpKind kind) {
  const Dims x = n.dims(0, "X");
  if (kind == OpKind::AveragePool && x.size() != 4) {
    lower_average_pool(n, x);
    return;
  }
  require_4d(n, x, "pooling");
  const bool max = kind == OpKind::MaxPool;
  if (max) n.require_only_first_output("indices");
  const Dims kernel = n.attrs.require_ints("kernel_shape");
  if (kernel.size() != 2) {
    n.fail("attribute 'kernel_shape' has " + std::to_string(kernel.size()) + " values; only 2-D pooling is supported");
  }
  for (int64_t k : kernel) {
    if (k < 1) n.fail("attribute 'kernel_shape' must be positive");
  }
  const Window win = read_window(n, x, kernel, max);
  PoolParams p;
  p.kernel = kernel;
  p.strides = win.strides;
  p.dilations = win.dilations;
  p.pads_begin = win.pads_begin;
  p.pads_end = win.pads_end;
  p.ceil_mode = n.attrs.get_int("ceil_mode", 0) != 0;
  p.count_include_pad = !max && n.attrs.get_int("count_include_pad", 0) != 0;
  n.emit(kind, p, {n.blob(0, "X")});
}

void convert_global_pool(NodeView& n, OpKind kind) {
  require_4d(n, n.dims(0, "X"), "pooling");
  n.emit(kind, NoParams{}, {n.blob(0, "X")});
}

// --- activations ---

void convert_clip(NodeView& n) {
  ClipParams p;
  if (n.opset() < 11) {  // Clip-6: bounds are attributes
    p.min = n.attrs.get_float("min", p.min);
    p.max = n.attrs.get_float("max", p.max);
  } else {  // Clip-11+: optional constant inputs
    if (n.has_input(1)) p.min = scalar_constant(n, 1, "the min input");
    if (n.has_input(2)) p.max = scalar_constant(n, 2, "the max input");
  }
  n.emit(OpKind::Clip, p, {n.blob(0, "input")});
}

// --- normalization ---

void convert_batchnorm(NodeView& n) {
  const Dims x = n.dims(0, "X");
  if (x.size() < 2) n.fail("the input must have a channel dim, got " + to_string(x));
  if (n.opset() < 9 && n.attrs.get_int("spatial", 1) == 0) {
    n.fail("spatial=0 (per-activation statistics) is not supported");
  }
  if (n.opset() >= 14 && n.attrs.get_int("training_mode", 0) != 0) {
    n.fail("training_mode=1 is not supported; deepvis runs inference only");
  }
  n.require_only_first_output("training statistics");
  static const char* const kNames[] = {"X", "scale", "B", "mean", "var"};
  std::vector<int> inputs = {n.blob(0, "X")};
  for (int i = 1; i <= 4; ++i) {
    n.require_constant(i, kNames[i]);
    const Dims d = n.dims(i, kNames[i]);
    if (d != Dims{x[1]}) {
      n.fail(std::string("the ") + kNames[i] + " input has dims " + to_string(d) + ", expected " +
             std::to_string(x[1]) + " (one per channel)");
    }
    inputs.push_back(n.blob(i, kNames[i]));
  }
  n.emit(OpKind::BatchNorm, BatchNormParams{n.attrs.get_float("epsilon", 1e-5f)}, inputs);
}

void convert_lrn(NodeView& n) {
  LrnParams p;
  p.size = n.attrs.require_int("size");
  if (p.size < 1) n.fail("attribute 'size' must be positive");
  p.alpha = n.attrs.get_float("alpha", p.alpha);
  p.beta = n.attrs.get_float("beta", p.beta);
  p.bias = n.attrs.get_float("bias", p.bias);
  n.emit(OpKind::Lrn, p, {n.blob(0, "X")});
}

// --- linear ---

void convert_gemm(NodeView& n) {
  // Gemm-7+ broadcasts C unidirectionally; the `broadcast` attribute of older opsets does not exist here.
  GemmParams p;
  p.alpha = n.attrs.get_float("alpha", 1.0f);
  p.beta = n.attrs.get_float("beta", 1.0f);
  p.trans_a = n.attrs.get_int("transA", 0) != 0;
  p.trans_b = n.attrs.get_int("transB", 0) != 0;
  std::vector<int> inputs = {n.blob(0, "A"), n.blob(1, "B")};
  if (n.has_input(2)) inputs.push_back(n.blob(2, "C"));
  n.emit(OpKind::Gemm, p, inputs);
}

// --- structure ---

void convert_concat(NodeView& n) {
  if (n.proto.input_size() < 1) n.fail("has no inputs");
  const int64_t rank = static_cast<int64_t>(n.dims(0, "first").size());
  ConcatParams p{normalize_axis(n, n.attrs.require_int("axis"), rank, false)};
  std::vector<int> inputs;
  inputs.reserve(static_cast<size_t>(n.proto.input_size()));
  for (int i = 0; i < n.proto.input_size(); ++i) inputs.push_back(n.blob(i, "data"));
  n.emit(OpKind::Concat, p, inputs);
}

void convert_flatten(NodeView& n) {
  const int64_t rank = static_cast<int64_t>(n.dims(0, "input").size());
  FlattenParams p{normalize_axis(n, n.attrs.get_int("axis", 1), rank, true)};
  n.emit(OpKind::Flatten, p, {n.blob(0, "input")});
}

void convert_reshape(NodeView& n) {
  const Dims x = n.dims(0, "data");
  // Reshape-1 to 4 take the shape as an attribute.
  Dims shape = n.opset() < 5 ? n.attrs.require_ints("shape")
                             : n.ctx.constant_int64(n.required_input(1, "shape"), n.where(), "the shape input");
  if (n.opset() >= 14 && n.attrs.get_int("allowzero", 0) != 0 &&
      std::find(shape.begin(), shape.end(), 0) != shape.end()) {
    n.fail("allowzero=1 with a 0 in the shape is not supported");
  }
  // Batch rule: CNN exporters write Reshape(x, [1, -1]) or [1, 9216], baking the export batch into the shape.
  // When the shape's first entry equals the input's dim 0 at import (the export batch), it becomes 0 (ONNX "copy
  // this dim"), so the net still works after Net::set_batch(B). At the import batch the result is unchanged.
  if (!shape.empty() && !x.empty() && shape[0] == x[0] && shape[0] > 0) shape[0] = 0;
  n.emit(OpKind::Reshape, ReshapeParams{shape}, {n.blob(0, "data")});
}

// Pad-18's axes input: pads lists begins then ends for those axes; the others get none.
Dims pads_over_axes(NodeView& n, const Dims& pads, const Dims& x) {
  const Dims axes = n.ctx.constant_int64(n.input(3), n.where(), "the axes input");
  if (pads.size() != 2 * axes.size()) {
    n.fail("pads has " + std::to_string(pads.size()) + " values for " + std::to_string(axes.size()) + " axes");
  }
  const auto rank = static_cast<int64_t>(x.size());
  Dims full(2 * x.size(), 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto a = static_cast<size_t>(normalize_axis(n, axes[k], rank, false));
    full[a] = pads[k];
    full[a + x.size()] = pads[k + axes.size()];
  }
  return full;
}

void convert_pad(NodeView& n) {
  const Dims x = n.dims(0, "data");
  const std::string mode = n.attrs.get_string("mode", "constant");
  PadParams p;
  if (mode == "reflect") {
    p.mode = PadMode::Reflect;
  } else if (mode == "edge") {
    p.mode = PadMode::Edge;
  } else if (mode != "constant") {
    n.fail("mode '" + mode + "' is not supported (constant, reflect and edge are)");
  }
  Dims pads;
  if (n.opset() < 11) {  // Pad-2: pads and value are attributes
    pads = n.attrs.require_ints("pads");
    p.value = n.attrs.get_float("value", 0.0f);
  } else {  // Pad-11+: pads and constant_value are (constant) inputs
    pads = n.ctx.constant_int64(n.required_input(1, "pads"), n.where(), "the pads input");
    if (n.has_input(2)) p.value = scalar_constant(n, 2, "the constant_value input");
    if (n.has_input(3)) pads = pads_over_axes(n, pads, x);  // Pad-18: pads for the listed axes only
  }
  if (p.mode != PadMode::Constant) {
    for (int64_t d : x) {
      if (d == 0) n.fail("reflect and edge padding need every input dim non-empty, the input is " + to_string(x));
    }
  }
  if (pads.size() != 2 * x.size()) {
    n.fail("pads has " + std::to_string(pads.size()) + " values, a " + std::to_string(x.size()) + "-D input needs " +
           std::to_string(2 * x.size()));
  }
  // Some exporters emit a Pad of zeros (before an AveragePool, say). It is an Identity: eliminated like one, so
  // it neither shows as a layer nor forces its neighbours into plain memory (compute/cpu/layout_plan.hpp).
  if (std::all_of(pads.begin(), pads.end(), [](int64_t v) { return v == 0; })) {
    n.ctx.alias(n.output(), n.required_input(0, "data"), n.where());
    return;
  }
  p.pads_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(x.size()));
  p.pads_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(x.size()), pads.end());
  n.emit(OpKind::Pad, p, {n.blob(0, "data")});
}

// --- elementwise with broadcasting ---

// Sum, Mean, Min and Max take any number of inputs: a chain of binary nodes, the last one named after the ONNX node
// (Mean's chain ends in a Mul by 1/n).
void convert_variadic(NodeView& n, OpKind kind, bool mean) {
  const int count = n.proto.input_size();
  if (count < 1) n.fail("has no inputs");
  if (count == 1 && !mean) {
    n.ctx.alias(n.output(), n.required_input(0, "data_0"), n.where());
    return;
  }
  int acc = n.blob(0, "data_0");
  const int last = mean ? count : count - 1;  // inputs combined by intermediate nodes
  for (int i = 1; i < last; ++i) {
    const std::string step = n.name + "/" + std::to_string(i);
    try {
      acc = n.ctx.builder.node(kind, NoParams{}, {acc, n.blob(i, "data")}, step, step);
    } catch (const Error& e) {
      n.fail(e.what());
    }
  }
  if (mean) {
    const int scale = n.ctx.builder.constant(n.name + "/scale", Tensor({1}, {1.0f / static_cast<float>(count)}));
    n.emit(OpKind::Mul, NoParams{}, {acc, scale});
  } else {
    n.emit(kind, NoParams{}, {acc, n.blob(count - 1, "data")});
  }
}

Converter binary(OpKind kind) {
  return [kind](NodeView& n) { n.emit(kind, NoParams{}, {n.blob(0, "A"), n.blob(1, "B")}); };
}

// --- rearrangements and shape changes ---

void convert_transpose(NodeView& n) {
  const Dims x = n.dims(0, "data");
  Dims perm = n.attrs.get_ints("perm", {});
  if (perm.empty()) {
    for (size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  }
  n.emit(OpKind::Transpose, TransposeParams{perm}, {n.blob(0, "data")});
}

void convert_slice(NodeView& n) {
  const Dims x = n.dims(0, "data");
  const auto rank = static_cast<int64_t>(x.size());
  SliceParams p;
  Dims axes;
  if (n.opset() < 10) {  // Slice-1: attributes
    p.starts = n.attrs.require_ints("starts");
    p.ends = n.attrs.require_ints("ends");
    axes = n.attrs.get_ints("axes", {});
  } else {
    p.starts = n.ctx.constant_int64(n.required_input(1, "starts"), n.where(), "the starts input");
    p.ends = n.ctx.constant_int64(n.required_input(2, "ends"), n.where(), "the ends input");
    if (n.has_input(3)) axes = n.ctx.constant_int64(n.input(3), n.where(), "the axes input");
    if (n.has_input(4)) p.steps = n.ctx.constant_int64(n.input(4), n.where(), "the steps input");
  }
  if (axes.empty()) {
    for (size_t i = 0; i < p.starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (p.steps.empty()) p.steps.assign(axes.size(), 1);
  if (p.starts.size() != axes.size() || p.ends.size() != axes.size() || p.steps.size() != axes.size()) {
    n.fail("starts, ends, axes and steps differ in length");
  }
  for (int64_t a : axes) p.axes.push_back(normalize_axis(n, a, rank, false));
  normalized_axes(n, p.axes, rank);  // rejects an axis listed twice; p.axes keeps the order starts/ends follow
  for (int64_t step : p.steps) {
    if (step == 0) n.fail("a step is 0");
  }
  n.emit(OpKind::Slice, p, {n.blob(0, "data")});
}

// Split becomes one Slice per output along the axis.
void convert_split(NodeView& n) {
  const Dims x = n.dims(0, "input");
  const auto rank = static_cast<int64_t>(x.size());
  const int64_t axis = normalize_axis(n, n.attrs.get_int("axis", 0), rank, false);
  const int64_t dim = x[static_cast<size_t>(axis)];
  const int outputs = n.proto.output_size();
  Dims parts;
  if (n.opset() >= 13 && n.has_input(1)) {
    parts = n.ctx.constant_int64(n.input(1), n.where(), "the split input");
  } else if (n.opset() < 13) {
    parts = n.attrs.get_ints("split", {});
  }
  if (parts.empty()) {  // equal parts; Split-18 lets the last be smaller
    const int64_t chunk = (dim + outputs - 1) / outputs;
    for (int k = 0; k < outputs; ++k) parts.push_back(std::max<int64_t>(0, std::min(chunk, dim - k * chunk)));
    if (n.opset() < 18 && dim % outputs != 0) {
      n.fail("dim " + std::to_string(dim) + " does not split into " + std::to_string(outputs) + " equal parts");
    }
  }
  if (static_cast<int>(parts.size()) != outputs) {
    n.fail("split lists " + std::to_string(parts.size()) + " parts for " + std::to_string(outputs) + " outputs");
  }
  int64_t total = 0;
  for (int64_t v : parts) {
    if (v < 0) n.fail("a split part is negative");
    if (v > dim - total) n.fail("the parts add up to more than the axis's " + std::to_string(dim));  // not overflow
    total += v;
  }
  if (total != dim) n.fail("the parts add up to " + std::to_string(total) + ", the axis has " + std::to_string(dim));
  const int data = n.blob(0, "input");
  int64_t start = 0;
  for (int k = 0; k < outputs; ++k) {
    const std::string& out = n.proto.output(k);
    const int64_t end = start + parts[static_cast<size_t>(k)];
    SliceParams p{{start}, {end}, {axis}, {1}};
    start = end;
    if (out.empty()) continue;
    try {
      n.ctx.define(out, n.ctx.builder.node(OpKind::Slice, p, {data}, n.name + "/" + std::to_string(k), out));
    } catch (const Error& e) {
      n.fail(e.what());
    }
  }
}

void convert_squeeze(NodeView& n) {
  const Dims x = n.dims(0, "data");
  Dims axes = axes_of(n, 1);
  if (axes.empty()) {
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] == 1) axes.push_back(static_cast<int64_t>(i));
    }
  }
  n.emit(OpKind::Squeeze, AxesParams{normalized_axes(n, axes, static_cast<int64_t>(x.size()))}, {n.blob(0, "data")});
}

void convert_unsqueeze(NodeView& n) {
  const Dims x = n.dims(0, "data");
  const Dims axes = axes_of(n, 1);
  if (axes.empty()) n.fail("has no axes");
  const auto rank = static_cast<int64_t>(x.size() + axes.size());
  n.emit(OpKind::Unsqueeze, AxesParams{normalized_axes(n, axes, rank)}, {n.blob(0, "data")});
}

void convert_expand(NodeView& n) {
  const Dims shape = n.ctx.constant_int64(n.required_input(1, "shape"), n.where(), "the shape input");
  n.emit(OpKind::Expand, ExpandParams{shape}, {n.blob(0, "input")});
}

void convert_tile(NodeView& n) {
  const Dims repeats = n.ctx.constant_int64(n.required_input(1, "repeats"), n.where(), "the repeats input");
  n.emit(OpKind::Tile, TileParams{repeats}, {n.blob(0, "input")});
}

void convert_gather(NodeView& n) {
  const Dims x = n.dims(0, "data");
  n.require_constant(1, "indices");
  GatherParams p;
  p.axis = normalize_axis(n, n.attrs.get_int("axis", 0), static_cast<int64_t>(x.size()), false);
  p.indices = n.ctx.constant_int64(n.input(1), n.where(), "the indices input");
  p.indices_dims = n.dims(1, "indices");
  n.emit(OpKind::Gather, p, {n.blob(0, "data")});
}

Converter block(OpKind kind) {
  return [kind](NodeView& n) {
    BlockParams p;
    p.blocksize = n.attrs.require_int("blocksize");
    if (p.blocksize < 1) n.fail("attribute 'blocksize' must be positive");
    if (kind == OpKind::DepthToSpace) {
      const std::string mode = n.attrs.get_string("mode", "DCR");
      if (mode != "DCR" && mode != "CRD") n.fail("mode '" + mode + "' is neither DCR nor CRD");
      p.crd = mode == "CRD";
    }
    n.emit(kind, p, {n.blob(0, "input")});
  };
}

// --- softmax ---

void convert_softmax(NodeView& n) {
  const int64_t rank = static_cast<int64_t>(n.dims(0, "input").size());
  // Softmax-1/11 coerce the input to 2-D at axis (default 1); Softmax-13 normalizes along axis (default -1).
  const bool coerce = n.opset() < 13;
  const int64_t axis = n.attrs.get_int("axis", coerce ? 1 : -1);
  SoftmaxParams p{normalize_axis(n, axis, rank, false), coerce};
  n.emit(OpKind::Softmax, p, {n.blob(0, "input")});
}

// --- eliminated at import ---

void convert_dropout(NodeView& n) {
  n.require_only_first_output("mask");
  if (n.opset() >= 12 && n.has_input(2)) {
    if (!n.ctx.is_constant(n.input(2))) n.fail("training_mode must be a constant false");
    if (scalar_constant(n, 2, "the training_mode input") != 0.0f) {
      n.fail("training_mode=true is not supported; deepvis runs inference only");
    }
  }
  n.ctx.alias(n.output(), n.required_input(0, "data"), n.where());
}

// Every activation is float32 already; a Cast of one to float (exporters write them around statistics, and
// the expanded LayerNormalization casts to and from its stash type) is an Identity. Casts of constants are folded
// at import (fold_constants.cpp); a Cast of an activation to any other type would change what it computes.
void convert_cast(NodeView& n) {
  const int64_t to = n.attrs.require_int("to");
  if (to != onnx::TensorProto::FLOAT) {
    n.fail("a Cast of an activation to " + data_type_name(static_cast<int32_t>(to)) +
           " is not supported; deepvis computes in float32");
  }
  n.ctx.alias(n.output(), n.required_input(0, "input"), n.where());
}

void convert_constant(NodeView& n) {
  const std::string& out = n.output();
  if (const onnx::TensorProto* t = n.attrs.get_tensor("value")) {
    n.ctx.add_constant(out, t);
    return;
  }
  onnx::TensorProto t;
  if (n.attrs.has("value_float")) {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(n.attrs.get_float("value_float", 0.0f));
  } else if (n.attrs.has("value_floats")) {
    const std::vector<float> v = n.attrs.get_floats("value_floats", {});
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(static_cast<int64_t>(v.size()));
    for (float f : v) t.add_float_data(f);
  } else if (n.attrs.has("value_int")) {
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_int64_data(n.attrs.require_int("value_int"));
  } else if (n.attrs.has("value_ints")) {
    const std::vector<int64_t> v = n.attrs.require_ints("value_ints");
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(static_cast<int64_t>(v.size()));
    for (int64_t i : v) t.add_int64_data(i);
  } else {
    n.fail("only the value, value_float(s) and value_int(s) forms are supported");
  }
  n.ctx.owned_protos.push_back(std::move(t));
  n.ctx.add_constant(out, &n.ctx.owned_protos.back());
}

// A smooth activation (compute/ops/smooth.hpp) with ONNX's attribute defaults.
Converter smooth(OpKind kind, float alpha = 0.0f, float beta = 0.0f, float gamma = 0.0f) {
  return [=](NodeView& n) {
    SmoothParams p;
    p.alpha = alpha == 0.0f ? 0.0f : n.attrs.get_float("alpha", alpha);
    p.beta = beta == 0.0f ? 0.0f : n.attrs.get_float("beta", beta);
    p.gamma = gamma == 0.0f ? 0.0f : n.attrs.get_float("gamma", gamma);
    n.emit(kind, p, {n.blob(0, "X")});
  };
}

const std::map<std::string, Converter>& converters() {
  static const std::map<std::string, Converter> table = {
      {"Conv", convert_conv},
      {"MaxPool", [](NodeView& n) { convert_pool(n, OpKind::MaxPool); }},
      {"AveragePool", [](NodeView& n) { convert_pool(n, OpKind::AveragePool); }},
      {"GlobalAveragePool", [](NodeView& n) { convert_global_pool(n, OpKind::GlobalAveragePool); }},
      {"GlobalMaxPool", [](NodeView& n) { convert_global_pool(n, OpKind::GlobalMaxPool); }},
      {"Relu", [](NodeView& n) { n.emit(OpKind::Relu, NoParams{}, {n.blob(0, "X")}); }},
      {"Sigmoid", [](NodeView& n) { n.emit(OpKind::Sigmoid, NoParams{}, {n.blob(0, "X")}); }},
      {"Tanh", smooth(OpKind::Tanh)},
      {"Elu", smooth(OpKind::Elu, 1.0f)},
      {"Selu", smooth(OpKind::Selu, 1.67326319217681884765625f, 0.0f, 1.05070102214813232421875f)},
      {"Softplus", smooth(OpKind::Softplus)},
      {"HardSigmoid", smooth(OpKind::HardSigmoid, 0.2f, 0.5f)},
      {"HardSwish", smooth(OpKind::HardSwish)},
      {"Erf", smooth(OpKind::Erf)},
      {"Exp", smooth(OpKind::Exp)},
      {"Log", smooth(OpKind::Log)},
      {"Sqrt", smooth(OpKind::Sqrt)},
      {"Reciprocal", smooth(OpKind::Reciprocal)},
      {"Abs", smooth(OpKind::Abs)},
      {"Neg", smooth(OpKind::Neg)},
      {"Sin", smooth(OpKind::Sin)},
      {"Cos", smooth(OpKind::Cos)},
      {"Tan", smooth(OpKind::Tan)},
      {"Asin", smooth(OpKind::Asin)},
      {"Acos", smooth(OpKind::Acos)},
      {"Atan", smooth(OpKind::Atan)},
      {"Sinh", smooth(OpKind::Sinh)},
      {"Cosh", smooth(OpKind::Cosh)},
      {"Asinh", smooth(OpKind::Asinh)},
      {"Acosh", smooth(OpKind::Acosh)},
      {"Atanh", smooth(OpKind::Atanh)},
      {"Floor", smooth(OpKind::Floor)},
      {"Ceil", smooth(OpKind::Ceil)},
      {"Round", smooth(OpKind::Round)},
      {"Sign", smooth(OpKind::Sign)},
      {"LeakyRelu",
       [](NodeView& n) {
         n.emit(OpKind::LeakyRelu, LeakyReluParams{n.attrs.get_float("alpha", 0.01f)}, {n.blob(0, "X")});
       }},
      {"Clip", convert_clip},
      {"LRN", convert_lrn},
      {"BatchNormalization", convert_batchnorm},
      {"Gemm", convert_gemm},
      {"MatMul", convert_matmul},
      {"Add", binary(OpKind::Add)},
      {"Sub", binary(OpKind::Sub)},
      {"Mul", binary(OpKind::Mul)},
      {"Div", binary(OpKind::Div)},
      {"Pow", binary(OpKind::Pow)},
      {"PRelu",
       [](NodeView& n) {
         n.emit(OpKind::PRelu, NoParams{}, {n.blob(0, "X"), n.blob(1, "slope")});
       }},
      {"Sum", [](NodeView& n) { convert_variadic(n, OpKind::Add, false); }},
      {"Mean", [](NodeView& n) { convert_variadic(n, OpKind::Add, true); }},
      {"Min", [](NodeView& n) { convert_variadic(n, OpKind::Min, false); }},
      {"Max", [](NodeView& n) { convert_variadic(n, OpKind::Max, false); }},
      {"Transpose", convert_transpose},
      {"Slice", convert_slice},
      {"Split", convert_split},
      {"Squeeze", convert_squeeze},
      {"Unsqueeze", convert_unsqueeze},
      {"Expand", convert_expand},
      {"Tile", convert_tile},
      {"Gather", convert_gather},
      {"DepthToSpace", block(OpKind::DepthToSpace)},
      {"SpaceToDepth", block(OpKind::SpaceToDepth)},
      {"ReduceMean", reduce(OpKind::ReduceMean, 18)},
      {"ReduceMax", reduce(OpKind::ReduceMax, 18)},
      {"ReduceSum", reduce(OpKind::ReduceSum, 13)},
      {"ReduceL2", reduce(OpKind::ReduceL2, 18)},
      {"ReduceMin", reduce_lowered("ReduceMin", 18)},
      {"ReduceL1", reduce_lowered("ReduceL1", 18)},
      {"ReduceSumSquare", reduce_lowered("ReduceSumSquare", 18)},
      {"ReduceLogSum", reduce_lowered("ReduceLogSum", 18)},
      {"ReduceLogSumExp", reduce_lowered("ReduceLogSumExp", 18)},
      {"LogSoftmax", convert_log_softmax},
      {"Softsign", convert_softsign},
      {"Celu", convert_celu},
      {"InstanceNormalization", convert_instance_norm},
      {"LayerNormalization", convert_layer_norm},
      {"MeanVarianceNormalization", convert_mean_variance_norm},
      {"Resize", convert_resize},
      {"Upsample", convert_upsample},
      {"ConvTranspose", convert_conv_transpose},
      {"Concat", convert_concat},
      {"Flatten", convert_flatten},
      {"Reshape", convert_reshape},
      {"Pad", convert_pad},
      {"Softmax", convert_softmax},
      {"Dropout", convert_dropout},
      {"Identity", [](NodeView& n) { n.ctx.alias(n.output(), n.required_input(0, "input"), n.where()); }},
      {"Constant", convert_constant},
      {"Cast", convert_cast},
  };
  return table;
}

}  // namespace

std::vector<std::string> converted_onnx_ops() {
  std::vector<std::string> ops;
  for (const auto& [op, converter] : converters()) ops.push_back(op);
  return ops;
}

namespace {

// Before opset 7, most ops differ from their later versions only in attributes nobody reads any more
// (consumed_inputs, is_test), and the converters read them right. These did change how they are read: the first
// opset each converter takes. Binary ops had broadcast/axis attributes (checked in convert_node).
void check_legacy_opset(const NodeView& n) {
  static const std::map<std::string, int64_t> first = {
      {"Concat", 4}, {"Pad", 2}, {"Split", 2}, {"Tile", 6}, {"Upsample", 7}, {"MeanVarianceNormalization", 9}};
  const auto it = first.find(n.proto.op_type());
  if (it != first.end() && n.opset() < it->second) {
    n.fail("this op at opset " + std::to_string(n.opset()) + " is not supported (from opset " +
           std::to_string(it->second) + ")");
  }
  static const char* const kBinary[] = {"Add", "Sub", "Mul", "Div", "Pow"};
  const bool binary = std::find(std::begin(kBinary), std::end(kBinary), n.proto.op_type()) != std::end(kBinary);
  // Opsets 1-6 broadcast B only with broadcast=1: as a suffix of A's dims (NumPy's rule for that case) or, with
  // `axis`, from that axis, which NumPy's rule does not cover.
  if (binary && n.opset() < 7 && n.attrs.get_int("broadcast", 0) != 0 && n.attrs.has("axis")) {
    n.fail("legacy broadcasting from an axis (opset " + std::to_string(n.opset()) + ") is not supported");
  }
}

}  // namespace

void convert_node(ImportContext& ctx, const onnx::NodeProto& node, int index) {
  NodeView n(ctx, node, node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name());
  const auto& table = converters();
  const auto it = table.find(node.op_type());
  if (it == table.end()) n.fail("unsupported op");  // load_model rejects these earlier, with the list
  if (node.output_size() < 1 || node.output(0).empty()) n.fail("has no output");
  if (ctx.opset < 7) check_legacy_opset(n);
  it->second(n);
}

}  // namespace deepvis::onnx_internal
