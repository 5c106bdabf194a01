#pragma once
// Sums and products that infer dims. Dims, pads, strides, dilations and repeats come from a model file and can be
// any int64, so every such step is checked: an overflow throws deepvis::Error (which the caller prefixes with the
// node), never undefined behaviour.
#include "compute/core/error.hpp"

#include <cstdint>
#include <string>

namespace deepvis {

inline int64_t dims_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    throw Error("dims arithmetic overflows: " + std::to_string(a) + " + " + std::to_string(b));
  }
  return r;
}

inline int64_t dims_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) {
    throw Error("dims arithmetic overflows: " + std::to_string(a) + " * " + std::to_string(b));
  }
  return r;
}

}  // namespace deepvis
