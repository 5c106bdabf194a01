// ConvTranspose (2-D) as the convolution it is the transpose of: the input with stride - 1 zeros inserted between
// neighbours (one 0/1 matrix per strided axis, along_axis), then a stride-1 Conv with the kernel flipped and its
// in/out channels swapped per group, padded by (k - 1) * dilation - pad so that every output of the ONNX formula
// out = stride * (in - 1) + output_padding + (k - 1) * dilation + 1 - pads is produced; a pad larger than the kernel
// becomes a crop (Slice) of the zero-inserted input. The inserted zeros cost stride^2 multiply-adds that a native
// kernel would skip; the result and all three backward modes are exact, since every step is linear.
#include "compute/onnx/lowerings.hpp"

#include <algorithm>

namespace deepvis::onnx_internal {

namespace {

Dims positive_pair(NodeView& n, const std::string& attr, const Dims& fallback, int64_t minimum) {
  Dims v = n.attrs.get_ints(attr, fallback);
  if (v.size() != 2) n.fail("attribute '" + attr + "' has " + std::to_string(v.size()) + " values; 2-D needs 2");
  for (int64_t x : v) {
    if (x < minimum) n.fail("attribute '" + attr + "' has the value " + std::to_string(x));
  }
  return v;
}

int64_t floor_half(int64_t v) {
  return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

// W (C, M/group, kH, kW) -> the Conv's (M, C/group, kH, kW), flipped in both spatial dims.
Tensor flipped_kernel(const Tensor& w, int64_t group) {
  const Dims& d = w.dims();
  const int64_t c = d[0], mg = d[1], kh = d[2], kw = d[3];
  const int64_t cg = c / group;
  Tensor out({mg * group, cg, kh, kw});
  for (int64_t g = 0; g < group; ++g) {
    for (int64_t m = 0; m < mg; ++m) {
      for (int64_t ci = 0; ci < cg; ++ci) {
        for (int64_t a = 0; a < kh; ++a) {
          for (int64_t b = 0; b < kw; ++b) {
            const int64_t src = (((g * cg + ci) * mg + m) * kh + (kh - 1 - a)) * kw + (kw - 1 - b);
            const int64_t dst = (((g * mg + m) * cg + ci) * kh + a) * kw + b;
            out.at(dst) = w.at(src);
          }
        }
      }
    }
  }
  return out;
}

// The (in x (in - 1) * stride + 1) matrix that spreads an axis out, zeros between.
Tensor spread_matrix(int64_t in, int64_t stride) {
  const int64_t out = (in - 1) * stride + 1;
  Tensor m({in, out});
  for (int64_t i = 0; i < in; ++i) m.at(i * out + i * stride) = 1.0f;
  return m;
}

}  // namespace

namespace {

// The weights (C, M/group, kH, kW), checked against the input's channels and the attributes.
Tensor checked_weights(NodeView& n, const Dims& x, int64_t group) {
  n.require_constant(1, "weights");
  Tensor w = n.ctx.constant_float(n.input(1), n.where(), "the weights");
  if (w.dims().size() != 4) n.fail("the weights must be 4-D (C, M/group, kH, kW), got " + to_string(w.dims()));
  if (group < 1 || x[1] % group != 0 || w.dims()[0] != x[1]) {
    n.fail("the weights " + to_string(w.dims()) + " do not fit " + std::to_string(x[1]) + " input channels in " +
           std::to_string(group) + " groups");
  }
  const Dims kernel = {w.dims()[2], w.dims()[3]};
  if (n.attrs.has("kernel_shape") && n.attrs.require_ints("kernel_shape") != kernel) {
    n.fail("attribute 'kernel_shape' differs from the weights' spatial dims " + to_string(kernel));
  }
  return w;
}

// The transposed conv as a stride-1 conv of the spread input: its padding per side, and what to crop first where
// the transposed conv's padding exceeds the kernel's extent.
struct SpreadConvPadding {
  Dims conv_begin, conv_end, crop_begin, crop_end;
};

SpreadConvPadding spread_conv_padding(NodeView& n, const Dims& x, const Dims& kernel, const Dims& strides,
                                      const Dims& dilations) {
  const Dims output_padding = positive_pair(n, "output_padding", {0, 0}, 0);
  const std::string auto_pad = n.attrs.get_string("auto_pad", "NOTSET");
  Dims pads = n.attrs.get_ints("pads", {0, 0, 0, 0});
  if (pads.size() != 4) n.fail("attribute 'pads' has " + std::to_string(pads.size()) + " values; 2-D needs 4");
  Dims output_shape = n.attrs.get_ints("output_shape", {});
  if (output_shape.size() == 4) output_shape = {output_shape[2], output_shape[3]};  // some exporters write N, C too
  if (!output_shape.empty() && output_shape.size() != 2) n.fail("attribute 'output_shape' needs 2 values");
  if (output_shape.empty() && (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER")) {
    output_shape = {x[2] * strides[0], x[3] * strides[1]};
  } else if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    n.fail("attribute 'auto_pad' is '" + auto_pad + "', expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  }
  if (auto_pad == "VALID") pads = {0, 0, 0, 0};
  SpreadConvPadding s{Dims(2), Dims(2), Dims(2, 0), Dims(2, 0)};
  for (size_t i = 0; i < 2; ++i) {
    const int64_t extent = (kernel[i] - 1) * dilations[i] + 1;
    int64_t begin = pads[i];
    int64_t end = pads[i + 2];
    if (!output_shape.empty()) {
      // The ONNX reference's split of the total padding (floor division), which its node tests pin down.
      const int64_t total = strides[i] * (x[2 + i] - 1) + output_padding[i] + extent - output_shape[i];
      if (auto_pad == "SAME_UPPER") {
        begin = floor_half(total);
        end = total - begin;
      } else {
        end = floor_half(total);
        begin = total - end;
      }
    }
    const int64_t conv_begin = extent - 1 - begin;
    const int64_t conv_end = extent - 1 - end + output_padding[i];
    s.crop_begin[i] = std::max<int64_t>(0, -conv_begin);
    s.crop_end[i] = std::max<int64_t>(0, -conv_end);
    s.conv_begin[i] = std::max<int64_t>(0, conv_begin);
    s.conv_end[i] = std::max<int64_t>(0, conv_end);
  }
  return s;
}

}  // namespace

void convert_conv_transpose(NodeView& n) {
  const Dims x = n.dims(0, "X");
  if (x.size() != 4) {
    n.fail("only 2-D ConvTranspose is supported (a 4-D N,C,H,W input); the input is " + to_string(x));
  }
  const int64_t group = n.attrs.get_int("group", 1);
  const Tensor w = checked_weights(n, x, group);
  const Dims kernel = {w.dims()[2], w.dims()[3]};
  const Dims strides = positive_pair(n, "strides", {1, 1}, 1);
  const Dims dilations = positive_pair(n, "dilations", {1, 1}, 1);
  const SpreadConvPadding pad = spread_conv_padding(n, x, kernel, strides, dilations);
  std::vector<AxisMatrix> spreads;
  Dims dims = x;
  for (size_t i = 0; i < 2; ++i) {
    if (strides[i] == 1) continue;
    spreads.push_back({static_cast<int64_t>(2 + i), spread_matrix(x[2 + i], strides[i])});
    dims[2 + i] = (x[2 + i] - 1) * strides[i] + 1;
  }
  int cur = along_axes(n, n.blob(0, "X"), x, std::move(spreads), false);
  if (pad.crop_begin[0] + pad.crop_begin[1] + pad.crop_end[0] + pad.crop_end[1] > 0) {
    SliceParams crop{
        {pad.crop_begin[0], pad.crop_begin[1]}, {dims[2] - pad.crop_end[0], dims[3] - pad.crop_end[1]}, {2, 3}, {1, 1}};
    cur = n.step(OpKind::Slice, crop, {cur}, "crop");
  }
  ConvParams p{kernel, {1, 1}, dilations, pad.conv_begin, pad.conv_end, group};
  std::vector<int> inputs = {cur, n.constant("flipped_weights", flipped_kernel(w, group))};
  if (n.has_input(2)) {
    n.require_constant(2, "bias");
    inputs.push_back(n.blob(2, "bias"));
  }
  n.emit(OpKind::Conv, p, inputs);
}

}  // namespace deepvis::onnx_internal
