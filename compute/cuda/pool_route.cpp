#include "compute/cuda/pool_route.hpp"

#include <algorithm>

namespace deepvis::cuda {

namespace {

// cuDNN's output size along one axis: floor((size + 2 pad - kernel) / stride) + 1.
int64_t floored_output(int64_t size, int64_t pad, int64_t kernel, int64_t stride) {
  const int64_t span = size + 2 * pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

// Every window along the axis holds at least one input position (dilation 1).
bool windows_touch_input(const PoolParams& p, size_t axis, int64_t size, int64_t out) {
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * p.strides[axis] - p.pads_begin[axis];
    if (start + p.kernel[axis] - 1 < 0 || start >= size) return false;
  }
  return true;
}

}  // namespace

PoolPlan plan_pool_route(OpKind kind, const PoolParams& p, const Dims& x, const Dims& y) {
  PoolPlan plan;
  if (kind != OpKind::MaxPool || x.size() != 4 || y.size() != 4) return plan;
  for (size_t i = 0; i < 2; ++i) {
    if (p.dilations[i] != 1 || p.pads_begin[i] < 0 || p.pads_end[i] < 0 || p.strides[i] < 1) return plan;
    if (!windows_touch_input(p, i, x[2 + i], y[2 + i])) return plan;
  }
  bool direct = true;
  for (size_t i = 0; i < 2; ++i) {
    direct = direct && p.pads_begin[i] == p.pads_end[i] && p.pads_begin[i] < p.kernel[i] &&
             floored_output(x[2 + i], p.pads_begin[i], p.kernel[i], p.strides[i]) == y[2 + i];
  }
  if (direct) {
    plan.route = PoolRoute::Cudnn;
    plan.pooled_input = x;
    plan.pad_h = p.pads_begin[0];
    plan.pad_w = p.pads_begin[1];
    return plan;
  }
  // Pad the top/left by pads_begin and the bottom/right just enough for the last window, then pool unpadded.
  plan.pooled_input = {x[0], x[1], 0, 0};
  for (size_t i = 0; i < 2; ++i) {
    const int64_t end = std::max<int64_t>(0, (y[2 + i] - 1) * p.strides[i] + p.kernel[i] - x[2 + i] - p.pads_begin[i]);
    const int64_t padded = x[2 + i] + p.pads_begin[i] + end;
    if (floored_output(padded, 0, p.kernel[i], p.strides[i]) != y[2 + i]) return plan;  // not expected; be safe
    plan.pooled_input[2 + i] = padded;
  }
  plan.route = PoolRoute::CudnnPadded;
  plan.top = p.pads_begin[0];
  plan.left = p.pads_begin[1];
  return plan;
}

}  // namespace deepvis::cuda
