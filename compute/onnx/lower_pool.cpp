// AveragePool over other ranks than 2-D (1-D and 3-D pooling, and torch's LocalResponseNorm export, which averages
// over channels as a 3-D pool of a 5-D view). An average over a box is separable: each spatial axis contributes
// its own window average, and the divisor, in-input taps or taps inside the padded input, is the product of the
// axes' counts, as the 2-D kernels count them (compute/reference/pool.cpp). So the pool is one constant banded
// matrix per pooled axis (along_axis), exact in value and gradient.
#include "compute/onnx/lowerings.hpp"

#include <algorithm>

namespace deepvis::onnx_internal {

namespace {

struct AxisPool {
  int64_t in = 0, kernel = 1, stride = 1, dilation = 1, pad_begin = 0, pad_end = 0;
};

int64_t pooled_length(const NodeView& n, const AxisPool& a, bool ceil_mode) {
  const int64_t extent = (a.kernel - 1) * a.dilation + 1;
  const int64_t span = a.in + a.pad_begin + a.pad_end - extent;
  if (span < 0) n.fail("the pooling window does not fit the padded input");
  int64_t out = span / a.stride + (ceil_mode && span % a.stride != 0 ? 1 : 0) + 1;
  // In ceil mode the last window must start inside the input or its leading pad (PyTorch, onnxruntime).
  if (ceil_mode && (out - 1) * a.stride >= a.in + a.pad_begin) --out;
  return out;
}

Tensor pool_matrix(const AxisPool& a, int64_t out, bool count_include_pad) {
  Tensor m({a.in, out});
  for (int64_t o = 0; o < out; ++o) {
    int64_t in_input = 0;
    int64_t in_padded = 0;
    for (int64_t j = 0; j < a.kernel; ++j) {
      const int64_t p = o * a.stride - a.pad_begin + j * a.dilation;
      in_input += p >= 0 && p < a.in ? 1 : 0;
      in_padded += p >= -a.pad_begin && p < a.in + a.pad_end ? 1 : 0;
    }
    const int64_t count = count_include_pad ? in_padded : in_input;
    if (count == 0) continue;  // a window of pads only: 0, as the 2-D kernels give
    for (int64_t j = 0; j < a.kernel; ++j) {
      const int64_t p = o * a.stride - a.pad_begin + j * a.dilation;
      if (p >= 0 && p < a.in) m.at(p * out + o) += 1.0f / static_cast<float>(count);
    }
  }
  return m;
}

}  // namespace

void lower_average_pool(NodeView& n, const Dims& x) {
  if (x.size() < 3) n.fail("pooling needs N, C and at least one spatial dim, got " + to_string(x));
  const size_t spatial = x.size() - 2;
  const Dims kernel = n.attrs.require_ints("kernel_shape");
  if (kernel.size() != spatial) {
    n.fail("attribute 'kernel_shape' has " + std::to_string(kernel.size()) + " values for " + std::to_string(spatial) +
           " spatial dims");
  }
  const Dims strides = n.attrs.get_ints("strides", Dims(spatial, 1));
  const Dims dilations = n.attrs.get_ints("dilations", Dims(spatial, 1));
  Dims pads = n.attrs.get_ints("pads", Dims(2 * spatial, 0));
  if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) {
    n.fail("strides, dilations or pads do not have one value per spatial dim (two for pads)");
  }
  const std::string auto_pad = n.attrs.get_string("auto_pad", "NOTSET");
  const bool ceil_mode = n.attrs.get_int("ceil_mode", 0) != 0;
  const bool count_include_pad = n.attrs.get_int("count_include_pad", 0) != 0;
  std::vector<AxisPool> axes(spatial);
  for (size_t i = 0; i < spatial; ++i) {
    AxisPool& a = axes[i];
    a = {x[2 + i], kernel[i], strides[i], dilations[i], pads[i], pads[i + spatial]};
    if (a.kernel < 1 || a.stride < 1 || a.dilation < 1 || a.pad_begin < 0 || a.pad_end < 0) {
      n.fail("kernel, strides and dilations must be positive and pads non-negative");
    }
    if (auto_pad == "VALID") {
      a.pad_begin = a.pad_end = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = (a.in + a.stride - 1) / a.stride;
      const int64_t total = std::max<int64_t>(0, (out - 1) * a.stride + (a.kernel - 1) * a.dilation + 1 - a.in);
      a.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.pad_end = total - a.pad_begin;
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      n.fail("attribute 'auto_pad' is '" + auto_pad + "', expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
    }
  }
  std::vector<size_t> pooled;  // axes whose matrix is not the identity
  for (size_t i = 0; i < spatial; ++i) {
    const AxisPool& a = axes[i];
    if (a.kernel != 1 || a.stride != 1 || a.pad_begin != 0 || a.pad_end != 0) pooled.push_back(i);
  }
  if (pooled.empty()) {
    n.ctx.alias(n.output(), n.required_input(0, "X"), n.where());
    return;
  }
  std::vector<AxisMatrix> steps;  // the last axis first: it needs no Transpose
  for (size_t k = pooled.size(); k-- > 0;) {
    const size_t i = pooled[k];
    steps.push_back(
        {static_cast<int64_t>(2 + i), pool_matrix(axes[i], pooled_length(n, axes[i], ceil_mode), count_include_pad)});
  }
  along_axes(n, n.blob(0, "X"), x, std::move(steps), /*last=*/true);
}

}  // namespace deepvis::onnx_internal
