#pragma once
// Add and Mul with ONNX (numpy) multidirectional broadcasting.
#include "compute/core/tensor.hpp"

namespace deepvis {

// Throws deepvis::Error when the dims do not broadcast.
Dims broadcast_dims(const Dims& a, const Dims& b);

}  // namespace deepvis
