#pragma once
// Small device routines more than one CUDA kernel family uses, callable from plain C++: fill, add, bias (with a
// fused Relu), a fused Relu's backward, and the explicit padding of NCHW planes (cuDNN only pads symmetrically) with
// its inverse crop.
#include "compute/core/backward_mode.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

namespace deepvis::cuda {

void fill_async(float* data, int64_t count, float value, cudaStream_t stream, const std::string& where);
void add_into_async(float* dst, const float* src, int64_t count, cudaStream_t stream, const std::string& where);
// y[n, c, i] += bias[c] over (outer, channels, inner): a convolution's or Gemm's bias. (cuDNN 9 runs the legacy
// cudnnAddTensor through its graph engine, at ~0.1 ms of host work per call: far more than this kernel.)
void add_channel_bias_async(float* y, const float* bias, int64_t outer, int64_t channels, int64_t inner,
                            cudaStream_t stream, const std::string& where);
// The same, then the Relu that alone reads y (Kernel::fuses_relu) in the same pass: relu_out = max(y, 0).
void add_channel_bias_relu_async(float* y, const float* bias, float* relu_out, int64_t outer, int64_t channels,
                                 int64_t inner, cudaStream_t stream, const std::string& where);
// A fused Relu's backward, its input being y: gy = rectifier_backward(mode, y > 0 ? 1 : 0, gz).
void relu_backward_async(const float* y, const float* gz, float* gy, int64_t count, BackwardMode mode,
                         cudaStream_t stream, const std::string& where);

// The NCHW geometry of an explicit pad: `planes` planes of h x w inside padded planes of padded_h x padded_w,
// offset by (top, left).
struct PlanePadding {
  int planes = 0;
  int h = 0, w = 0;
  int padded_h = 0, padded_w = 0;
  int top = 0, left = 0;
};

// padded = x placed at (top, left), `value` elsewhere (0 for convolution, -inf for max pooling).
void pad_planes_async(const float* x, float* padded, const PlanePadding& geometry, float value, cudaStream_t stream,
                      const std::string& where);
// x = the (top, left) h x w window of each padded plane: the gradient of pad_planes w.r.t. x.
void crop_planes_async(const float* padded, float* x, const PlanePadding& geometry, cudaStream_t stream,
                       const std::string& where);

}  // namespace deepvis::cuda
