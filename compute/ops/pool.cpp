#include "compute/ops/pool.hpp"

#include "compute/core/dims_math.hpp"
#include "compute/core/error.hpp"

namespace deepvis {

Dims pool_output_dims(const PoolParams& p, const Dims& x) {
  if (x.size() != 4) throw Error("pooling needs a 4-D input, got " + to_string(x));
  Dims out = {x[0], x[1], 0, 0};
  for (size_t i = 0; i < 2; ++i) {
    const int64_t extent = dims_add(dims_mul(p.dilations[i], dims_add(p.kernel[i], -1)), 1);
    const int64_t span = dims_add(dims_add(dims_add(x[2 + i], p.pads_begin[i]), p.pads_end[i]), -extent);
    if (span < 0 || p.strides[i] < 1) {
      throw Error("pooling window " + std::to_string(p.kernel[0]) + "x" + std::to_string(p.kernel[1]) +
                  " does not fit the padded input " + to_string(x));
    }
    int64_t n = span / p.strides[i] + (p.ceil_mode && span % p.strides[i] != 0 ? 1 : 0) + 1;
    // As PyTorch and onnxruntime do: in ceil mode the last window must start inside the input or its top/left pad.
    if (p.ceil_mode && dims_mul(n - 1, p.strides[i]) >= dims_add(x[2 + i], p.pads_begin[i])) --n;
    out[2 + i] = n;
  }
  return out;
}

}  // namespace deepvis
