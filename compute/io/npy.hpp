#pragma once
// NumPy .npy files (format 1.0-3.0), float32 little-endian, C order: the interchange format with PyTorch
// fixtures and for every tensor deepvis writes.
#include "compute/core/tensor.hpp"

#include <string>

namespace deepvis {

// Throws deepvis::Error naming the file: missing, truncated, not .npy, not float32, Fortran order.
Tensor read_npy(const std::string& path);
// Writes atomically (to a temporary name, then renamed), so an interrupted write never leaves a partial file.
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace deepvis
