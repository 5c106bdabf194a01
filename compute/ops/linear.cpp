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

}  // namespace deepvis
