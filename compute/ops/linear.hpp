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

// How C walks the (M, N) output under ONNX's unidirectional broadcast: element (i, j) of Y adds
// C[i * row_step + j * col_step]. Throws deepvis::Error when C (scalar, (N), (1,N), (M,1), (M,N)) does not fit.
struct GemmBiasSteps {
  int64_t row_step = 0;
  int64_t col_step = 0;
};
GemmBiasSteps gemm_bias_steps(const Dims& c, int64_t m, int64_t n);

}  // namespace deepvis
