#pragma once
// One pixel of the activation grid atlas, as code both the CUDA kernel (compute/vis/cuda/grid_atlas.cu) and the host
// run. It is the per-pixel inverse of ActivationGrid::build + colorize (compute/vis/activation_grid.cpp): the same
// layout rules, the same normalization arithmetic with every float operation rounded on its own (no fused
// multiply-add on the device), so the device atlas equals the CPU one byte for byte. No CUDA headers here: a host
// test runs this against the CPU grid on machines without a GPU (tests/vis/interop_atlas_host_test.cpp).
#include "compute/core/host_device.hpp"

#include <cstdint>

namespace deepvis::cuda {

// The layout facts of GridLayout the kernel needs, as plain ints (GridLayout carries OpenCV types).
struct AtlasGeometry {
  int channels = 0;
  int cols = 0;
  int map_height = 0;
  int map_width = 0;
  int zoom = 1;
  int tile_height = 0;
  int tile_width = 0;
  int gap = 0;
  int width = 0;
  int height = 0;
};

struct AtlasRange {
  float lo;
  float hi;
};

struct Rgba8 {
  uint8_t r, g, b, a;
};

// How a pixel finds its range: ranges[0] for every channel (per layer), ranges[channel] (per tile), or `fixed`.
enum AtlasRangeMode : int { kAtlasRangeShared = 0, kAtlasRangePerChannel = 1, kAtlasRangeFixed = 2 };

struct AtlasParams {
  const float* element = nullptr;      // the batch element's C x H x W values
  const AtlasRange* ranges = nullptr;  // see AtlasRangeMode
  int range_mode = kAtlasRangeShared;
  AtlasRange fixed = {0.0f, 1.0f};
  const Rgba8* table = nullptr;  // 256 colours of the colormap
  Rgba8 background = {255, 255, 255, 255};
};

// The empty range a reduction starts from: +inf..-inf. Strict comparisons skip NaN, and a range left inverted
// (all NaN) maps every value to 0, as on the CPU. Minimum and maximum are exact, so any reduction order gives the
// CPU's range.
DEEPVIS_HOST_DEVICE inline AtlasRange atlas_empty_range() {
  return {__builtin_huge_valf(), -__builtin_huge_valf()};
}

DEEPVIS_HOST_DEVICE inline void atlas_extend(AtlasRange& r, float v) {
  if (v < r.lo) r.lo = v;
  if (v > r.hi) r.hi = v;
}

DEEPVIS_HOST_DEVICE inline void atlas_merge(AtlasRange& r, const AtlasRange& other) {
  if (other.lo < r.lo) r.lo = other.lo;
  if (other.hi > r.hi) r.hi = other.hi;
}

// Each operation rounded separately. On the device the intrinsics keep nvcc from fusing t * 255 + 0.5 into one
// FMA, whose single rounding would move a few values across a level boundary; the host build has no FMA
// contraction (ISO C++ mode, x86-64 baseline), like activation_grid.cpp.
DEEPVIS_HOST_DEVICE inline float atlas_sub(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
DEEPVIS_HOST_DEVICE inline float atlas_mul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
DEEPVIS_HOST_DEVICE inline float atlas_add(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
DEEPVIS_HOST_DEVICE inline float atlas_div(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}

// normalize_to_gray of activation_grid.hpp: t = (v - lo) / (hi - lo) clamped to [0, 1], round(255 t) halves up;
// a constant map and NaN give 0.
DEEPVIS_HOST_DEVICE inline uint8_t atlas_gray(float v, float lo, float hi) {
  if (!(hi > lo)) return 0;
  const float t = atlas_div(atlas_sub(v, lo), atlas_sub(hi, lo));
  if (!(t > 0.0f)) return 0;
  if (t >= 1.0f) return 255;
  return static_cast<uint8_t>(atlas_add(atlas_mul(t, 255.0f), 0.5f));
}

// The value atlas pixel (x, y) shows, as an index into the element's C x H x W values, and its channel; -1 on a
// gap or an empty cell of the last row. (x, y) must lie inside the atlas.
DEEPVIS_HOST_DEVICE inline int64_t atlas_source(const AtlasGeometry& g, int x, int y, int* channel) {
  const int pitch_x = g.tile_width + g.gap, pitch_y = g.tile_height + g.gap;
  const int col = x / pitch_x, row = y / pitch_y;
  const int tx = x - col * pitch_x, ty = y - row * pitch_y;
  if (tx >= g.tile_width || ty >= g.tile_height) return -1;
  const int c = row * g.cols + col;
  if (c >= g.channels) return -1;
  *channel = c;
  return (static_cast<int64_t>(c) * g.map_height + ty / g.zoom) * g.map_width + tx / g.zoom;
}

DEEPVIS_HOST_DEVICE inline Rgba8 atlas_pixel(const AtlasGeometry& g, const AtlasParams& p, int x, int y) {
  int channel = 0;
  const int64_t at = atlas_source(g, x, y, &channel);
  if (at < 0) return p.background;
  const AtlasRange r = p.range_mode == kAtlasRangeFixed        ? p.fixed
                       : p.range_mode == kAtlasRangePerChannel ? p.ranges[channel]
                                                               : p.ranges[0];
  return p.table[atlas_gray(p.element[at], r.lo, r.hi)];
}

// Launch geometry of the pixel kernel: one thread per atlas pixel in 16 x 16 blocks.
struct AtlasLaunch {
  unsigned grid_x = 0;
  unsigned grid_y = 0;
  unsigned block_x = 16;
  unsigned block_y = 16;
};

constexpr int kAtlasBlock = 16;
constexpr int kAtlasMaxGridY = 65535;  // CUDA's limit on gridDim.y (gridDim.x allows 2^31 - 1)

// Blocks covering a width x height atlas; grid_y == 0 when the atlas is empty or too tall for one launch
// (over 65535 * 16 rows, far beyond any GL texture).
inline AtlasLaunch atlas_launch(int width, int height) {
  AtlasLaunch l;
  if (width < 1 || height < 1) return l;
  const int gy = (height + kAtlasBlock - 1) / kAtlasBlock;
  if (gy > kAtlasMaxGridY) return l;
  l.grid_x = static_cast<unsigned>((width + kAtlasBlock - 1) / kAtlasBlock);
  l.grid_y = static_cast<unsigned>(gy);
  return l;
}

}  // namespace deepvis::cuda
