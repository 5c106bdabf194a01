#pragma once
// Activation-grid cases shared by the interop tests (the host check of the per-pixel atlas code and the GPU
// checks of the device atlas and the interop textures), and the comparison of an RGBA8 atlas with the CPU grid's
// colorized BGR one. It lives in tests/cuda/ and needs no CUDA: builds without CUDA compile it for the host test,
// and the slim GPU test binary of scripts/gpu-check, linked from tests/cuda/ objects, finds it there.
#include "compute/core/tensor.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deepvis::test {

struct GridAtlasCase {
  std::string name;  // shape, options and colormap, for messages
  Tensor blob;       // on the CPU
  int batch_index = 0;
  GridOptions options;
  Colormap colormap = Colormap::Gray;
};

// Several layer shapes (conv maps, non-square maps, a grid with empty cells, FC units as (N,C) and (N,C,1,1), a
// batch of two), each with every normalization (layer, tile, fixed) and a colormap, gaps 0..2. The values are
// random with the awkward ones planted: NaN, -0, a constant channel, an infinity in one case, and a ramp of
// values whose 255 t lands next to a half, where a fused multiply-add would round differently.
std::vector<GridAtlasCase> grid_atlas_cases();

// How an RGBA8 atlas (rows `pitch` bytes apart) differs from the CPU's colorized BGR atlas of the same size:
// mismatching pixels (R,G,B must equal the BGR triple reversed, A must be 255), the largest difference in one
// channel, and the first mismatch as "(x, y): got r,g,b,a want r,g,b".
struct AtlasDiff {
  int64_t mismatches = 0;
  int max_level_diff = 0;
  std::string first;
};
AtlasDiff compare_rgba_with_bgr(const uint8_t* rgba, std::size_t pitch, const cv::Mat& bgr);

}  // namespace deepvis::test
