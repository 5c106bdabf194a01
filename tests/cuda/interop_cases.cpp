#include "tests/cuda/interop_cases.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

namespace deepvis::test {

namespace {

Tensor planted_blob(const Dims& dims, uint32_t seed, bool with_infinity) {
  Tensor t(dims);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2.0f, 3.0f);
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) t.at(i) = uniform(rng);
  const int64_t c = dims[1];
  const int64_t plane = n / (dims[0] * c);
  const int64_t element = c * plane;
  for (int64_t b = 0; b < dims[0]; ++b) {
    float* e = t.data() + b * element;
    // Values near the rounding halves of the fixed range 0..1 (255 t = k + 0.5 +- one ulp or so), spread over
    // the element so they meet every normalization.
    for (int64_t i = 0; i < element; i += 3) {
      const float k = static_cast<float>(i % 255);
      e[i] = std::nextafter((k + 0.5f) / 255.0f, (i / 3) % 2 ? 1.0f : 0.0f);
    }
    e[element / 2] = std::numeric_limits<float>::quiet_NaN();
    e[element - 1] = -0.0f;
    if (c >= 3 && plane > 1) {
      for (int64_t i = 0; i < plane; ++i) e[plane + i] = 0.25f;  // channel 1 constant
    }
    if (with_infinity) e[0] = std::numeric_limits<float>::infinity();
  }
  return t;
}

}  // namespace

std::vector<GridAtlasCase> grid_atlas_cases() {
  struct Shape {
    Dims dims;
    int batch_index;
    int gap;
    int unit_tile;
    bool infinity;
  };
  const Shape shapes[] = {
      {{1, 7, 5, 6}, 0, 1, 8, false},     // 3 x 3 grid, two empty cells, non-square maps
      {{2, 16, 4, 3}, 1, 2, 8, false},    // second element of a batch, wider gaps
      {{1, 64, 13, 13}, 0, 0, 8, false},  // no gaps
      {{1, 10}, 0, 1, 4, false},          // FC units as (N,C): zoomed unit tiles
      {{1, 3, 1, 1}, 0, 2, 5, true},      // (N,C,1,1), an infinity in channel 0
      {{1, 96, 27, 27}, 0, 1, 8, false},  // an AlexNet-like conv layer
  };
  const Colormap maps[] = {Colormap::Gray, Colormap::Viridis, Colormap::Jet};
  std::vector<GridAtlasCase> cases;
  uint32_t seed = 11;
  int map_index = 0;
  for (const Shape& s : shapes) {
    const Tensor blob = planted_blob(s.dims, seed++, s.infinity);
    for (GridNorm norm : {GridNorm::PerLayer, GridNorm::PerTile, GridNorm::Fixed}) {
      GridAtlasCase c;
      c.blob = blob;
      c.batch_index = s.batch_index;
      c.options.norm = norm;
      c.options.gap = s.gap;
      c.options.unit_tile = s.unit_tile;
      c.options.fixed_lo = 0.0f;  // the range the planted ramp is made for
      c.options.fixed_hi = 1.0f;
      c.options.background = static_cast<uint8_t>(map_index % 2 ? 255 : 40);
      c.colormap = maps[map_index++ % 3];
      c.name = to_string(s.dims) + " element " + std::to_string(s.batch_index) + ", norm " + grid_norm_name(norm) +
               ", gap " + std::to_string(s.gap) + ", " + colormap_name(c.colormap);
      cases.push_back(c);
    }
  }
  return cases;
}

AtlasDiff compare_rgba_with_bgr(const uint8_t* rgba, std::size_t pitch, const cv::Mat& bgr) {
  AtlasDiff d;
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* got_row = rgba + static_cast<std::size_t>(y) * pitch;
    const cv::Vec3b* want_row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const uint8_t* got = got_row + 4 * x;
      const cv::Vec3b want = want_row[x];
      const int diffs[4] = {std::abs(got[0] - want[2]), std::abs(got[1] - want[1]), std::abs(got[2] - want[0]),
                            std::abs(got[3] - 255)};
      int worst = 0;
      for (int v : diffs) worst = std::max(worst, v);
      if (worst == 0) continue;
      if (d.mismatches++ == 0) {
        d.first = "(" + std::to_string(x) + ", " + std::to_string(y) + "): got " + std::to_string(got[0]) + "," +
                  std::to_string(got[1]) + "," + std::to_string(got[2]) + "," + std::to_string(got[3]) + " want " +
                  std::to_string(want[2]) + "," + std::to_string(want[1]) + "," + std::to_string(want[0]);
      }
      d.max_level_diff = std::max(d.max_level_diff, worst);
    }
  }
  return d;
}

}  // namespace deepvis::test
