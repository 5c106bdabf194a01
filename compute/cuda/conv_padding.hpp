#pragma once
// How a Conv's ONNX pads map onto cuDNN, which pads every axis symmetrically: equal pads go to cuDNN as they are;
// otherwise the input is copied into a zero-padded buffer first and cuDNN convolves that without padding.
// Plain C++ (no CUDA), so the bookkeeping is tested on machines without a GPU.
#include "compute/ops/conv.hpp"

namespace deepvis::cuda {

struct ConvPadding {
  bool explicit_pad = false;     // begin != end on some axis: pad x explicitly into a buffer
  Dims conv_input;               // what cuDNN convolves: x's dims, or the padded buffer's (N, C, H', W')
  int64_t pad_h = 0, pad_w = 0;  // cuDNN's symmetric pads (0 when explicit)
  int64_t top = 0, left = 0;     // where x sits inside the padded buffer (explicit only)
};

// Throws deepvis::Error for negative pads or a non-4-D input.
ConvPadding plan_conv_padding(const ConvParams& p, const Dims& x);

}  // namespace deepvis::cuda
