#include "compute/ops/conv.hpp"

#include "compute/core/dims_math.hpp"
#include "compute/core/error.hpp"

namespace deepvis {

Dims conv_output_dims(const ConvParams& p, const Dims& x, const Dims& w) {
  if (x.size() != 4 || w.size() != 4) {
    throw Error("Conv needs 4-D input and weights, got " + to_string(x) + " and " + to_string(w));
  }
  if (p.group < 1) throw Error("Conv group " + std::to_string(p.group) + " is not positive");
  const int64_t channels = dims_mul(w[1], p.group);
  if (w[0] % p.group != 0 || x[1] != channels) {
    throw Error("Conv input has " + std::to_string(x[1]) + " channels but weights " + to_string(w) + " with group " +
                std::to_string(p.group) + " expect " + std::to_string(channels));
  }
  Dims out = {x[0], w[0], 0, 0};
  for (size_t i = 0; i < 2; ++i) {
    const int64_t extent = dims_add(dims_mul(p.dilations[i], w[2 + i] - 1), 1);
    const int64_t padded = dims_add(dims_add(x[2 + i], p.pads_begin[i]), p.pads_end[i]);
    if (padded < extent || p.strides[i] < 1) {
      throw Error("Conv kernel " + to_string(w) + " does not fit the padded input " + to_string(x));
    }
    out[2 + i] = (padded - extent) / p.strides[i] + 1;
  }
  return out;
}

}  // namespace deepvis
