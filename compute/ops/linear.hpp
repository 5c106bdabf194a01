#pragma once
// Gemm: Y = alpha * A' * B' + beta * C (A' = A or A^T, B' = B or B^T; C broadcast to Y), A and B 2-D.
// MatMul: 2-D only (N,K) x (K,M).
#include "compute/core/tensor.hpp"

namespace deepvis {

struct GemmParams {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
};

Dims gemm_output_dims(const GemmParams& p, const Dims& a, const Dims& b);

}  // namespace deepvis
