#include "compute/cpu/small_batch_gemm.hpp"

#include <algorithm>

namespace deepvis::cpu {

namespace {

// Under ThreadSanitizer the clones' ifunc resolvers would run, instrumented, while the dynamic loader relocates
// the binary, before the sanitizer's runtime is up, and crash the process: that build keeps the generic version.
#if defined(__SANITIZE_THREAD__)
#define DEEPVIS_CPU_CLONES
#else
#define DEEPVIS_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

constexpr int kLanes = 16;  // one AVX-512 register of floats; two AVX2 registers

// Four weight rows against one activation row: four independent accumulators keep the loads in flight, and the
// activation chunk is loaded once for four rows. Compiled for AVX-512, AVX2 and a generic fallback, picked at
// load time by the CPU (the binary must run on any x86-64).
DEEPVIS_CPU_CLONES void dot_four_rows(const float* __restrict a, const float* __restrict w, int64_t k, int rows,
                                      float* __restrict out) {
  float acc[4][kLanes] = {};
  const int64_t whole = k / kLanes * kLanes;
  for (int64_t i = 0; i < whole; i += kLanes) {
    for (int r = 0; r < rows; ++r) {
      const float* wr = w + r * k + i;
#pragma omp simd
      for (int j = 0; j < kLanes; ++j) acc[r][j] += wr[j] * a[i + j];
    }
  }
  for (int r = 0; r < rows; ++r) {
    float sum = 0.0f;
    for (int j = 0; j < kLanes; ++j) sum += acc[r][j];
    for (int64_t i = whole; i < k; ++i) sum += w[r * k + i] * a[i];
    out[r] = sum;
  }
}

// out[0..len) += c * w[0..len)
DEEPVIS_CPU_CLONES void scaled_add(float c, const float* __restrict w, int64_t len, float* __restrict out) {
#pragma omp simd
  for (int64_t i = 0; i < len; ++i) out[i] += c * w[i];
}

}  // namespace

void small_batch_forward(const float* a, int64_t m, int64_t k, const float* w, int64_t n, const float* bias, float* y) {
  const int64_t groups = (n + 3) / 4;
#pragma omp parallel for schedule(static)
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t first = g * 4;
    const int rows = static_cast<int>(std::min<int64_t>(4, n - first));
    float out[4];
    // The four weight rows (4 x K floats) stay in cache across the activation rows.
    for (int64_t r = 0; r < m; ++r) {
      dot_four_rows(a + r * k, w + first * k, k, rows, out);
      for (int i = 0; i < rows; ++i) y[r * n + first + i] = out[i] + (bias ? bias[first + i] : 0.0f);
    }
  }
}

void small_batch_backward(const float* gy, int64_t m, int64_t n, const float* w, int64_t k, float* ga) {
  // Each thread owns a column chunk of ga (small enough to stay in L1 with its weight slice) and walks all N
  // weight rows over it, so the weights stream once and no two threads write the same output.
  constexpr int64_t kChunk = 512;
  const int64_t chunks = (k + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    const int64_t len = std::min(kChunk, k - begin);
    for (int64_t r = 0; r < m; ++r) std::fill(ga + r * k + begin, ga + r * k + begin + len, 0.0f);
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t r = 0; r < m; ++r) {
        const float coefficient = gy[r * n + j];
        if (coefficient != 0.0f) scaled_add(coefficient, w + j * k + begin, len, ga + r * k + begin);
      }
    }
  }
}

}  // namespace deepvis::cpu
