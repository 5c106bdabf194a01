#pragma once
// MaxPool and AveragePool (2-D, explicit pads, dilations for MaxPool, ceil_mode, count_include_pad), and the
// global variants (no params; output N,C,1,1).
#include "compute/core/tensor.hpp"

namespace deepvis {

struct PoolParams {
  Dims kernel;      // kH, kW
  Dims strides;     // sH, sW
  Dims dilations;   // dH, dW (1,1 for AveragePool)
  Dims pads_begin;  // top, left (auto_pad resolved at import)
  Dims pads_end;    // bottom, right
  bool ceil_mode = false;
  bool count_include_pad = false;  // AveragePool only
};

Dims pool_output_dims(const PoolParams& p, const Dims& x);

}  // namespace deepvis
