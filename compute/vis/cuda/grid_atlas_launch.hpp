#pragma once
// The launchers of the atlas kernels (grid_atlas.cu) and where they write. Kept apart from grid_atlas.hpp so the
// .cu file sees neither OpenCV nor the engine's headers.
#include "compute/vis/cuda/grid_atlas_pixel.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace deepvis::cuda {

// Where a build writes. The target may be larger than the atlas: only the atlas's pixels (from the top-left) are
// written.
struct AtlasTarget {
  cudaSurfaceObject_t surface = 0;  // used when `pixels` is null: 2D surface of uchar4 (RGBA8) texels
  void* pixels = nullptr;           // device memory: RGBA8 rows `pitch` bytes apart
  std::size_t pitch = 0;
  int width = 0;  // the target's size in pixels
  int height = 0;
};

// The kernels (grid_atlas.cu); each returns the launch's status (cudaGetLastError) for the caller to check.
// Ranges: ranges[c] over each channel's `plane` values, then ranges[channels] over the whole element.
cudaError_t launch_atlas_ranges(const float* element, int channels, int64_t plane, AtlasRange* ranges,
                                cudaStream_t stream);
// One thread per atlas pixel, in the blocks of atlas_launch(geometry.width, geometry.height), which must be valid.
cudaError_t launch_atlas_pixels(const AtlasGeometry& geometry, const AtlasParams& params, const AtlasTarget& target,
                                cudaStream_t stream);

}  // namespace deepvis::cuda
