#pragma once
// Conv (ONNX): inputs X (N,C,H,W), W (M, C/group, kH, kW), optional B (M). 2-D only.
#include "compute/core/tensor.hpp"

namespace deepvis {

struct ConvParams {
  Dims kernel;      // kH, kW
  Dims strides;     // sH, sW
  Dims dilations;   // dH, dW
  Dims pads_begin;  // top, left (auto_pad is resolved to explicit pads at import)
  Dims pads_end;    // bottom, right
  int64_t group = 1;
};

Dims conv_output_dims(const ConvParams& p, const Dims& x, const Dims& w);

}  // namespace deepvis
