#include "compute/ops/linear.hpp"

#include "compute/core/error.hpp"

namespace deepvis {

Dims gemm_output_dims(const GemmParams& p, const Dims& a, const Dims& b) {
  if (a.size() != 2 || b.size() != 2) {
    throw Error("Gemm/MatMul need 2-D operands, got " + to_string(a) + " and " + to_string(b));
  }
  const int64_t m = p.trans_a ? a[1] : a[0];
  const int64_t k = p.trans_a ? a[0] : a[1];
  const int64_t kb = p.trans_b ? b[1] : b[0];
  const int64_t n = p.trans_b ? b[0] : b[1];
  if (k != kb) throw Error("inner dimensions differ: " + to_string(a) + " times " + to_string(b));
  return {m, n};
}

GemmBiasSteps gemm_bias_steps(const Dims& c, int64_t m, int64_t n) {
  if (c.size() > 2) throw Error("C " + to_string(c) + " has more than 2 dims");
  const int64_t rows = c.size() == 2 ? c[0] : 1;
  const int64_t cols = c.empty() ? 1 : c.back();
  if ((rows != 1 && rows != m) || (cols != 1 && cols != n)) {
    throw Error("C " + to_string(c) + " does not broadcast to " + std::to_string(m) + "x" + std::to_string(n));
  }
  return {rows == 1 ? 0 : cols, cols == 1 ? 0 : 1};
}

}  // namespace deepvis
