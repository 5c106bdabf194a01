#include "compute/ops/softmax.hpp"

#include "compute/core/error.hpp"

namespace deepvis {

SoftmaxExtent softmax_extent(const SoftmaxParams& p, const Dims& dims) {
  const auto axis = static_cast<size_t>(p.axis);
  if (axis >= dims.size()) {
    throw Error("Softmax axis " + std::to_string(p.axis) + " is out of range for " + to_string(dims));
  }
  SoftmaxExtent e;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (d < axis) {
      e.outer *= dims[d];
    } else if (d == axis || p.coerce_2d) {
      e.extent *= dims[d];
    } else {
      e.inner *= dims[d];
    }
  }
  return e;
}

}  // namespace deepvis
