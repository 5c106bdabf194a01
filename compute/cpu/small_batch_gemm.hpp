#pragma once
// Matrix products for a classifier at small batch (M rows of activations against N x K constant weights).
// There the product is bound by reading the weights once; oneDNN 2.6's matmul read them at ~25 GB/s on the
// 2-core dev machine, where a plain streaming loop reaches ~30 of the ~33 GB/s the memory gives
// (bench/RESULTS.md). Both functions read each weight once, however many rows there are.
#include <cstdint>

namespace deepvis::cpu {

// Up to this many activation rows the streaming loops are used; above it oneDNN's blocked gemm wins.
inline constexpr int64_t kSmallBatchRows = 4;

// y[m][n] = sum_k a[m][k] * w[n][k] + (bias ? bias[n] : 0); a: M x K, w: N x K, y: M x N, all row-major.
void small_batch_forward(const float* a, int64_t m, int64_t k, const float* w, int64_t n, const float* bias, float* y);

// ga[m][k] = sum_n gy[m][n] * w[n][k]; gy: M x N, w: N x K, ga: M x K, all row-major. Overwrites ga.
void small_batch_backward(const float* gy, int64_t m, int64_t n, const float* w, int64_t k, float* ga);

}  // namespace deepvis::cpu
