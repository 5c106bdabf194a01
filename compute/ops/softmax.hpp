#pragma once
// Softmax. Opset >= 13: along `axis`. Opset < 13: the input is coerced to 2-D at `axis` (dims before it form
// the rows) and softmax runs over each row. Output dims = input dims.
#include "compute/core/tensor.hpp"

#include <cstdint>

namespace deepvis {

struct SoftmaxParams {
  int64_t axis = 1;        // normalized, non-negative
  bool coerce_2d = false;  // opset < 13 semantics
};

// The input seen as (outer, extent, inner): softmax runs over `extent` for each (outer, inner) pair.
struct SoftmaxExtent {
  int64_t outer = 1;
  int64_t extent = 1;
  int64_t inner = 1;
};

// Throws deepvis::Error when the axis is out of range for dims.
SoftmaxExtent softmax_extent(const SoftmaxParams& p, const Dims& dims);

}  // namespace deepvis
