#pragma once
// Launch geometry shared by the .cu files: 256-thread blocks and grid-stride loops (so any count fits a grid).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace deepvis::cuda {

constexpr int kBlock = 256;

inline int grid_for(int64_t count) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>((count + kBlock - 1) / kBlock, int64_t{1} << 20)));
}

}  // namespace deepvis::cuda

// Visits every index in [0, count) once across the grid; the index is an int64_t so the step cannot overflow.
#define DEEPVIS_FOR_EACH_INDEX(i, count)                                                     \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (count); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)
