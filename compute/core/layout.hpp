#pragma once
// Moving a tensor between memory layouts (compute/core/tensor.hpp's Layout), on the host.
#include "compute/core/tensor.hpp"

#include <vector>

namespace deepvis {

// dst = src element for element, each read or written in its own layout. Same dims, both on the host.
void convert_layout(const Tensor& src, Tensor& dst);

// Where element (n, c, h, w) of a 4-D tensor with `dims` lies in `layout`.
int64_t element_offset(const Dims& dims, Layout layout, int64_t n, int64_t c, int64_t h, int64_t w);

}  // namespace deepvis
