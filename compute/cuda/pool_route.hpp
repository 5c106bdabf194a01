#pragma once
// Which pooling implementation reproduces ONNX semantics for a node. cuDNN's max pooling matches ONNX when
// there is no dilation and every window holds at least one input tap; its pads are symmetric and its output
// size is floored, so unequal pads and ceil_mode go through an explicit -inf padded copy of the input. Average
// pooling (whose ceil_mode divisor rules cuDNN does not share), global pools, dilations and windows lying wholly
// in the padding use deepvis's own kernels. Max-pool backward is always our own kernel (first maximum wins).
// Plain C++ (no CUDA), so the bookkeeping is tested on machines without a GPU.
#include "compute/ops/op_kind.hpp"
#include "compute/ops/pool.hpp"

namespace deepvis::cuda {

enum class PoolRoute {
  Cudnn,        // cuDNN on x with symmetric pads pad_h, pad_w
  CudnnPadded,  // x copied at (top, left) into a -inf buffer of dims pooled_input; cuDNN without pads
  Own,          // deepvis's kernels
};

struct PoolPlan {
  PoolRoute route = PoolRoute::Own;
  Dims pooled_input;             // what cuDNN pools (Cudnn: x; CudnnPadded: the padded buffer)
  int64_t pad_h = 0, pad_w = 0;  // Cudnn only
  int64_t top = 0, left = 0;     // CudnnPadded only
};

// `x`, `y`: the node's input and output dims (4-D). Never throws for well-formed params.
PoolPlan plan_pool_route(OpKind kind, const PoolParams& p, const Dims& x, const Dims& y);

}  // namespace deepvis::cuda
