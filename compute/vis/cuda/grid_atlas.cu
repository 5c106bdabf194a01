// The atlas kernels: per-channel min/max reductions (one block per channel, then one block over the channels'
// ranges for the layer), and one thread per atlas pixel running atlas_pixel (grid_atlas_pixel.hpp) and storing
// RGBA8 through a surface or into pitched device rows.
#include "compute/vis/cuda/grid_atlas_launch.hpp"

namespace deepvis::cuda {

namespace {

constexpr int kRangeThreads = 256;

// Tree reduction of the block's ranges in shared memory; thread 0 ends with the block's range.
__device__ AtlasRange block_range(AtlasRange mine) {
  __shared__ AtlasRange shared[kRangeThreads];
  shared[threadIdx.x] = mine;
  __syncthreads();
  for (int half = kRangeThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) atlas_merge(shared[threadIdx.x], shared[threadIdx.x + half]);
    __syncthreads();
  }
  return shared[0];
}

__global__ void channel_ranges(const float* element, int64_t plane, AtlasRange* ranges) {
  const float* map = element + static_cast<int64_t>(blockIdx.x) * plane;
  AtlasRange r = atlas_empty_range();
  for (int64_t i = threadIdx.x; i < plane; i += kRangeThreads) atlas_extend(r, map[i]);
  r = block_range(r);
  if (threadIdx.x == 0) ranges[blockIdx.x] = r;
}

__global__ void layer_range(int channels, AtlasRange* ranges) {
  AtlasRange r = atlas_empty_range();
  for (int c = static_cast<int>(threadIdx.x); c < channels; c += kRangeThreads) atlas_merge(r, ranges[c]);
  r = block_range(r);
  if (threadIdx.x == 0) ranges[channels] = r;
}

template <bool kToSurface>
__global__ void atlas_pixels(AtlasGeometry g, AtlasParams p, AtlasTarget target) {
  const int x = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const int y = static_cast<int>(blockIdx.y * blockDim.y + threadIdx.y);
  if (x >= g.width || y >= g.height) return;
  const Rgba8 c = atlas_pixel(g, p, x, y);
  const uchar4 v = make_uchar4(c.r, c.g, c.b, c.a);
  if constexpr (kToSurface) {
    surf2Dwrite(v, target.surface, x * static_cast<int>(sizeof(uchar4)), y);
  } else {
    uchar4* row = reinterpret_cast<uchar4*>(static_cast<unsigned char*>(target.pixels) + y * target.pitch);
    row[x] = v;
  }
}

}  // namespace

cudaError_t launch_atlas_ranges(const float* element, int channels, int64_t plane, AtlasRange* ranges,
                                cudaStream_t stream) {
  channel_ranges<<<static_cast<unsigned>(channels), kRangeThreads, 0, stream>>>(element, plane, ranges);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) return status;
  layer_range<<<1, kRangeThreads, 0, stream>>>(channels, ranges);
  return cudaGetLastError();
}

cudaError_t launch_atlas_pixels(const AtlasGeometry& geometry, const AtlasParams& params, const AtlasTarget& target,
                                cudaStream_t stream) {
  const AtlasLaunch l = atlas_launch(geometry.width, geometry.height);
  const dim3 grid(l.grid_x, l.grid_y), block(l.block_x, l.block_y);
  if (target.pixels == nullptr) {
    atlas_pixels<true><<<grid, block, 0, stream>>>(geometry, params, target);
  } else {
    atlas_pixels<false><<<grid, block, 0, stream>>>(geometry, params, target);
  }
  return cudaGetLastError();
}

}  // namespace deepvis::cuda
