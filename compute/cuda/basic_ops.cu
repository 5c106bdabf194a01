#include "compute/cuda/basic_ops.hpp"

#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/launch.cuh"

namespace deepvis::cuda {

namespace {

__global__ void fill_kernel(float* data, int64_t count, float value) {
  DEEPVIS_FOR_EACH_INDEX(i, count) data[i] = value;
}

__global__ void add_into_kernel(float* dst, const float* src, int64_t count) {
  DEEPVIS_FOR_EACH_INDEX(i, count) dst[i] += src[i];
}

__global__ void add_channel_bias_kernel(float* y, const float* bias, int64_t count, int64_t channels, int64_t inner) {
  DEEPVIS_FOR_EACH_INDEX(i, count) y[i] += bias[(i / inner) % channels];
}

__global__ void add_channel_bias_relu_kernel(float* y, const float* bias, float* relu_out, int64_t count,
                                             int64_t channels, int64_t inner) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const float v = y[i] + bias[(i / inner) % channels];
    y[i] = v;
    relu_out[i] = v > 0.0f ? v : 0.0f;
  }
}

template <BackwardMode kMode>
__global__ void relu_backward_kernel(const float* y, const float* gz, float* gy, int64_t count) {
  DEEPVIS_FOR_EACH_INDEX(i, count) gy[i] = rectifier_backward(kMode, y[i] > 0.0f ? 1.0f : 0.0f, gz[i]);
}

__global__ void pad_planes_kernel(const float* x, float* padded, PlanePadding g, float value) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.padded_h * g.padded_w;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int c = static_cast<int>(i % g.padded_w);
    const int64_t rest = i / g.padded_w;
    const int r = static_cast<int>(rest % g.padded_h);
    const int64_t plane = rest / g.padded_h;
    const int ih = r - g.top;
    const int iw = c - g.left;
    const bool inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
    padded[i] = inside ? x[(plane * g.h + ih) * g.w + iw] : value;
  }
}

__global__ void crop_planes_kernel(const float* padded, float* x, PlanePadding g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.h * g.w;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int iw = static_cast<int>(i % g.w);
    const int64_t rest = i / g.w;
    const int ih = static_cast<int>(rest % g.h);
    const int64_t plane = rest / g.h;
    x[i] = padded[(plane * g.padded_h + ih + g.top) * g.padded_w + iw + g.left];
  }
}

}  // namespace

void fill_async(float* data, int64_t count, float value, cudaStream_t stream, const std::string& where) {
  if (count <= 0) return;
  fill_kernel<<<grid_for(count), kBlock, 0, stream>>>(data, count, value);
  check_launch("fill_kernel", where);
}

void add_into_async(float* dst, const float* src, int64_t count, cudaStream_t stream, const std::string& where) {
  if (count <= 0) return;
  add_into_kernel<<<grid_for(count), kBlock, 0, stream>>>(dst, src, count);
  check_launch("add_into_kernel", where);
}

void add_channel_bias_async(float* y, const float* bias, int64_t outer, int64_t channels, int64_t inner,
                            cudaStream_t stream, const std::string& where) {
  const int64_t count = outer * channels * inner;
  if (count <= 0) return;
  add_channel_bias_kernel<<<grid_for(count), kBlock, 0, stream>>>(y, bias, count, channels, inner);
  check_launch("add_channel_bias_kernel", where);
}

void add_channel_bias_relu_async(float* y, const float* bias, float* relu_out, int64_t outer, int64_t channels,
                                 int64_t inner, cudaStream_t stream, const std::string& where) {
  const int64_t count = outer * channels * inner;
  if (count <= 0) return;
  add_channel_bias_relu_kernel<<<grid_for(count), kBlock, 0, stream>>>(y, bias, relu_out, count, channels, inner);
  check_launch("add_channel_bias_relu_kernel", where);
}

void relu_backward_async(const float* y, const float* gz, float* gy, int64_t count, BackwardMode mode,
                         cudaStream_t stream, const std::string& where) {
  if (count <= 0) return;
  switch (mode) {
    case BackwardMode::Deconv:
      relu_backward_kernel<BackwardMode::Deconv><<<grid_for(count), kBlock, 0, stream>>>(y, gz, gy, count);
      break;
    case BackwardMode::Guided:
      relu_backward_kernel<BackwardMode::Guided><<<grid_for(count), kBlock, 0, stream>>>(y, gz, gy, count);
      break;
    case BackwardMode::Gradient:
    default: relu_backward_kernel<BackwardMode::Gradient><<<grid_for(count), kBlock, 0, stream>>>(y, gz, gy, count);
  }
  check_launch("relu_backward_kernel", where);
}

void pad_planes_async(const float* x, float* padded, const PlanePadding& geometry, float value, cudaStream_t stream,
                      const std::string& where) {
  const int64_t count = static_cast<int64_t>(geometry.planes) * geometry.padded_h * geometry.padded_w;
  if (count <= 0) return;
  pad_planes_kernel<<<grid_for(count), kBlock, 0, stream>>>(x, padded, geometry, value);
  check_launch("pad_planes_kernel", where);
}

void crop_planes_async(const float* padded, float* x, const PlanePadding& geometry, cudaStream_t stream,
                       const std::string& where) {
  const int64_t count = static_cast<int64_t>(geometry.planes) * geometry.h * geometry.w;
  if (count <= 0) return;
  crop_planes_kernel<<<grid_for(count), kBlock, 0, stream>>>(padded, x, geometry);
  check_launch("crop_planes_kernel", where);
}

}  // namespace deepvis::cuda
