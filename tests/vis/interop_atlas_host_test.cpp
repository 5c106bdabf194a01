// The per-pixel atlas code that the CUDA kernel runs (compute/vis/cuda/grid_atlas_pixel.hpp), run here on the host
// against the CPU grid (ActivationGrid::build + colorize, which fills tile after tile): the same bytes for every
// case, and the kernel's launch geometry. Runs everywhere, GPU or not.
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"
#include "compute/vis/cuda/grid_atlas_pixel.hpp"
#include "tests/cuda/interop_cases.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

using namespace deepvis;

namespace {

// The host twin of DeviceGridAtlas::build: ranges by the kernel's reduction steps (per channel, then merged),
// then atlas_pixel for every pixel, into packed RGBA rows.
std::vector<uint8_t> host_atlas(const test::GridAtlasCase& c, const GridLayout& l,
                                std::vector<cuda::AtlasRange>& ranges) {
  const int64_t plane = static_cast<int64_t>(l.map_height) * l.map_width;
  const float* element = c.blob.data() + static_cast<int64_t>(c.batch_index) * l.channels * plane;
  ranges.assign(static_cast<size_t>(l.channels) + 1, cuda::atlas_empty_range());
  for (int ch = 0; ch < l.channels; ++ch) {
    for (int64_t i = 0; i < plane; ++i) cuda::atlas_extend(ranges[static_cast<size_t>(ch)], element[ch * plane + i]);
    cuda::atlas_merge(ranges.back(), ranges[static_cast<size_t>(ch)]);
  }
  const cv::Mat& table = colormap_table(c.colormap);
  std::vector<cuda::Rgba8> colors(256);
  for (int i = 0; i < 256; ++i) {
    const cv::Vec3b bgr = table.at<cv::Vec3b>(0, i);
    colors[static_cast<size_t>(i)] = {bgr[2], bgr[1], bgr[0], 255};
  }
  cuda::AtlasGeometry g{l.channels,    l.cols,       l.map_height, l.map_width, l.zoom,
                        l.tile_height, l.tile_width, l.gap,        l.width,     l.height};
  cuda::AtlasParams p;
  p.element = element;
  p.table = colors.data();
  p.background = {c.options.background, c.options.background, c.options.background, 255};
  if (c.options.norm == GridNorm::Fixed) {
    p.range_mode = cuda::kAtlasRangeFixed;
    p.fixed = {c.options.fixed_lo, c.options.fixed_hi};
  } else if (c.options.norm == GridNorm::PerTile) {
    p.range_mode = cuda::kAtlasRangePerChannel;
    p.ranges = ranges.data();
  } else {
    p.range_mode = cuda::kAtlasRangeShared;
    p.ranges = &ranges.back();
  }
  std::vector<uint8_t> rgba(static_cast<size_t>(l.width) * static_cast<size_t>(l.height) * 4);
  for (int y = 0; y < l.height; ++y) {
    for (int x = 0; x < l.width; ++x) {
      const cuda::Rgba8 v = cuda::atlas_pixel(g, p, x, y);
      uint8_t* out = &rgba[(static_cast<size_t>(y) * static_cast<size_t>(l.width) + static_cast<size_t>(x)) * 4];
      out[0] = v.r;
      out[1] = v.g;
      out[2] = v.b;
      out[3] = v.a;
    }
  }
  return rgba;
}

}  // namespace

TEST_CASE("interop: the kernel's per-pixel atlas code reproduces the CPU grid byte for byte") {
  int cases = 0;
  for (const test::GridAtlasCase& c : test::grid_atlas_cases()) {
    CAPTURE(c.name);
    ActivationGrid grid(c.options);
    grid.build(c.blob, c.batch_index);
    const cv::Mat& want = grid.colorize(c.colormap);
    std::vector<cuda::AtlasRange> ranges;
    const std::vector<uint8_t> got = host_atlas(c, grid.layout(), ranges);
    const test::AtlasDiff d = test::compare_rgba_with_bgr(got.data(), static_cast<size_t>(want.cols) * 4, want);
    CHECK_MESSAGE(d.mismatches == 0,
                  d.mismatches << " pixels differ (max " << d.max_level_diff << " levels), first " << d.first);
    // The reduction's ranges are the CPU's (min and max are exact whatever the order).
    if (c.options.norm != GridNorm::Fixed) {
      for (int ch = 0; ch < grid.layout().channels; ++ch) {
        const GridRange want_range = grid.ranges()[static_cast<size_t>(ch)];
        const cuda::AtlasRange got_range =
            c.options.norm == GridNorm::PerTile ? ranges[static_cast<size_t>(ch)] : ranges.back();
        CHECK(got_range.lo == want_range.lo);
        CHECK(got_range.hi == want_range.hi);
      }
    }
    ++cases;
  }
  CHECK(cases == 18);
}

TEST_CASE("interop: atlas_source maps each atlas pixel to the unit GridLayout::unit_at names") {
  GridOptions o;
  for (const auto& [c, h, w, gap, unit_tile] :
       std::vector<std::tuple<int, int, int, int, int>>{{7, 5, 6, 1, 8}, {10, 1, 1, 2, 4}, {16, 3, 4, 0, 8}}) {
    o.gap = gap;
    o.unit_tile = unit_tile;
    const GridLayout l = make_grid_layout(c, h, w, o);
    const cuda::AtlasGeometry g{l.channels,    l.cols,       l.map_height, l.map_width, l.zoom,
                                l.tile_height, l.tile_width, l.gap,        l.width,     l.height};
    int64_t tile_pixels = 0;
    for (int y = 0; y < l.height; ++y) {
      for (int x = 0; x < l.width; ++x) {
        int channel = -1;
        const int64_t at = cuda::atlas_source(g, x, y, &channel);
        const auto hit = l.unit_at(x, y);
        REQUIRE(hit.has_value() == (at >= 0));
        if (!hit) continue;
        ++tile_pixels;
        CHECK(channel == hit->channel);
        CHECK(at == (static_cast<int64_t>(hit->channel) * h + hit->y) * w + hit->x);
      }
    }
    CHECK(tile_pixels == static_cast<int64_t>(c) * l.tile_height * l.tile_width);  // every tile pixel, once
  }
}

TEST_CASE("interop: launch geometry covers every atlas pixel with one thread and no spare block") {
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {16, 16}, {17, 33}, {1023, 1024}, {4096, 3}}) {
    CAPTURE(w);
    CAPTURE(h);
    const cuda::AtlasLaunch l = cuda::atlas_launch(w, h);
    CHECK(l.block_x * l.block_y == 256);
    CHECK(static_cast<int64_t>(l.grid_x) * l.block_x >= w);
    CHECK(static_cast<int64_t>(l.grid_x - 1) * l.block_x < w);
    CHECK(static_cast<int64_t>(l.grid_y) * l.block_y >= h);
    CHECK(static_cast<int64_t>(l.grid_y - 1) * l.block_y < h);
  }
  CHECK(cuda::atlas_launch(0, 5).grid_x == 0);  // empty: nothing to launch
  CHECK(cuda::atlas_launch(8, 65535 * 16).grid_y == 65535);
  CHECK(cuda::atlas_launch(8, 65535 * 16 + 1).grid_y == 0);  // too tall for one launch: refused
}
