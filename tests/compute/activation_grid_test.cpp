// The activation grid's layout, normalization modes and colormaps, against hand-computed values.
#include "compute/vis/activation_grid.hpp"
#include "compute/core/error.hpp"
#include "compute/vis/colormap.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using deepvis::ActivationGrid;
using deepvis::Colormap;
using deepvis::GridHit;
using deepvis::GridNorm;
using deepvis::GridOptions;
using deepvis::make_grid_layout;
using deepvis::normalize_to_gray;
using deepvis::Tensor;

namespace {

// Relative luminance of an 8-bit sRGB colour (BGR order), decoded by the sRGB transfer function.
double luminance(const cv::Vec3b& bgr) {
  auto lin = [](uint8_t v) {
    const double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(bgr[2]) + 0.7152 * lin(bgr[1]) + 0.0722 * lin(bgr[0]);
}

// Three 2x2 channels: ch0 {0,2,4,8}, ch1 {-2,6,6,6}, ch2 constant 3. Layer range -2..8.
Tensor three_channels() {
  return Tensor({1, 3, 2, 2}, {0, 2, 4, 8, -2, 6, 6, 6, 3, 3, 3, 3});
}

// The 2x2 tile of channel c in the 5x5 atlas of three_channels() (2x2 grid, gap 1), row-major.
std::vector<int> tile_values(const cv::Mat& atlas, int c) {
  const int x0 = (c % 2) * 3, y0 = (c / 2) * 3;
  return {atlas.at<uint8_t>(y0, x0), atlas.at<uint8_t>(y0, x0 + 1), atlas.at<uint8_t>(y0 + 1, x0),
          atlas.at<uint8_t>(y0 + 1, x0 + 1)};
}

}  // namespace

TEST_CASE("grid: layout is as square as possible, row-major, with gaps between tiles only") {
  GridOptions o;  // gap 1
  SUBCASE("AlexNet conv5: 256 channels of 13x13 make a 16x16 grid") {
    const auto l = make_grid_layout(256, 13, 13, o);
    CHECK(l.cols == 16);
    CHECK(l.rows == 16);
    CHECK(l.width == 16 * 13 + 15);
    CHECK(l.height == 16 * 13 + 15);
    CHECK(l.tile(0) == cv::Rect(0, 0, 13, 13));
    CHECK(l.tile(17) == cv::Rect(14, 14, 13, 13));  // row 1, column 1
    CHECK(l.tile(16) == cv::Rect(0, 14, 13, 13));   // row-major: 16 starts the second row
    CHECK(l.tile(255) == cv::Rect(210, 210, 13, 13));
  }
  SUBCASE("7 channels make 3x3 with the last two cells empty") {
    const auto l = make_grid_layout(7, 5, 4, o);  // maps 5 high, 4 wide
    CHECK(l.cols == 3);
    CHECK(l.rows == 3);
    CHECK(l.width == 3 * 4 + 2);
    CHECK(l.height == 3 * 5 + 2);
    CHECK(l.tile(6) == cv::Rect(0, 12, 4, 5));
    CHECK(l.unit_at(0, 12)->channel == 6);
    CHECK_FALSE(l.unit_at(5, 12).has_value());   // cell 7: empty
    CHECK_FALSE(l.unit_at(10, 16).has_value());  // cell 8: empty
  }
  SUBCASE("10 fully connected units: one 8 px square each, in a 4x3 grid") {
    const auto l = make_grid_layout(10, 1, 1, o);
    CHECK(l.cols == 4);
    CHECK(l.rows == 3);
    CHECK(l.zoom == 8);
    CHECK(l.tile(9) == cv::Rect(9, 18, 8, 8));
    CHECK(l.width == 4 * 8 + 3);
    CHECK(l.height == 3 * 8 + 2);
  }
  SUBCASE("other counts and gaps") {
    CHECK(make_grid_layout(1, 3, 3, o).cols == 1);
    CHECK(make_grid_layout(2, 3, 3, o).rows == 1);
    CHECK(make_grid_layout(5, 3, 3, o).cols == 3);
    CHECK(make_grid_layout(5, 3, 3, o).rows == 2);
    CHECK(make_grid_layout(1000, 1, 1, o).cols == 32);
    CHECK(make_grid_layout(1000, 1, 1, o).rows == 32);
    CHECK(make_grid_layout(1024, 1, 1, o).cols == 32);
    CHECK(make_grid_layout(1025, 1, 1, o).cols == 33);
    o.gap = 0;
    CHECK(make_grid_layout(4, 3, 3, o).width == 6);
    o.gap = 3;
    CHECK(make_grid_layout(4, 3, 3, o).tile(3) == cv::Rect(6, 6, 3, 3));
    CHECK_THROWS_AS(make_grid_layout(0, 3, 3, o), deepvis::Error);
  }
}

TEST_CASE("grid: unit_at and pixel_of map mouse positions to units and back") {
  GridOptions o;
  o.gap = 2;
  o.unit_tile = 3;
  for (const auto& l : {make_grid_layout(7, 5, 4, o), make_grid_layout(10, 1, 1, o)}) {
    int hits = 0;
    for (int y = -1; y <= l.height; ++y) {
      for (int x = -1; x <= l.width; ++x) {
        const auto hit = l.unit_at(x, y);
        // Independent oracle: the pixel is on a unit exactly when some tile rectangle contains it.
        int owner = -1;
        for (int c = 0; c < l.channels; ++c) {
          if (l.tile(c).contains({x, y})) owner = c;
        }
        REQUIRE(hit.has_value() == (owner >= 0));
        if (!hit) continue;
        ++hits;
        CHECK(hit->channel == owner);
        const cv::Point p = l.pixel_of(*hit);
        CHECK(p.x == l.tile(owner).x + hit->x * l.zoom);
        CHECK(p.y == l.tile(owner).y + hit->y * l.zoom);
        CHECK(x - p.x < l.zoom);
        CHECK(y - p.y < l.zoom);
      }
    }
    CHECK(hits == l.channels * l.tile_width * l.tile_height);
  }
}

TEST_CASE("grid: normalize_to_gray is round(255 * clamp((v - lo) / (hi - lo))), constant -> 0") {
  CHECK(normalize_to_gray(5.0f, 0.0f, 10.0f) == 128);  // 127.5 rounds up
  CHECK(normalize_to_gray(0.2f, 0.0f, 1.0f) == 51);
  CHECK(normalize_to_gray(-1.0f, -3.0f, 1.0f) == 128);
  CHECK(normalize_to_gray(0.25f, 0.0f, 1.0f) == 64);  // 63.75
  CHECK(normalize_to_gray(-5.0f, 0.0f, 1.0f) == 0);   // clamped
  CHECK(normalize_to_gray(7.0f, 0.0f, 1.0f) == 255);
  CHECK(normalize_to_gray(3.0f, 3.0f, 3.0f) == 0);  // constant map
  CHECK(normalize_to_gray(std::numeric_limits<float>::quiet_NaN(), 0.0f, 1.0f) == 0);
}

TEST_CASE("grid: per-layer, per-tile and fixed normalization against hand values") {
  GridOptions o;
  o.background = 7;
  ActivationGrid grid(o);
  const Tensor blob = three_channels();

  SUBCASE("per layer: one range -2..8 for all tiles") {
    const cv::Mat& atlas = grid.build(blob);
    REQUIRE(atlas.type() == CV_8UC1);
    REQUIRE(atlas.size() == cv::Size(5, 5));
    CHECK(tile_values(atlas, 0) == std::vector<int>{51, 102, 153, 255});
    CHECK(tile_values(atlas, 1) == std::vector<int>{0, 204, 204, 204});
    CHECK(tile_values(atlas, 2) == std::vector<int>{128, 128, 128, 128});
    CHECK(grid.ranges()[2].lo == -2.0f);
    CHECK(grid.ranges()[2].hi == 8.0f);
  }
  SUBCASE("per tile: each channel its own range; a constant channel is 0") {
    o.norm = GridNorm::PerTile;
    grid.set_options(o);
    const cv::Mat& atlas = grid.build(blob);
    CHECK(tile_values(atlas, 0) == std::vector<int>{0, 64, 128, 255});
    CHECK(tile_values(atlas, 1) == std::vector<int>{0, 255, 255, 255});
    CHECK(tile_values(atlas, 2) == std::vector<int>{0, 0, 0, 0});
  }
  SUBCASE("fixed 0..4: clamped outside") {
    o.norm = GridNorm::Fixed;
    o.fixed_lo = 0.0f;
    o.fixed_hi = 4.0f;
    grid.set_options(o);
    const cv::Mat& atlas = grid.build(blob);
    CHECK(tile_values(atlas, 0) == std::vector<int>{0, 128, 255, 255});
    CHECK(tile_values(atlas, 1) == std::vector<int>{0, 255, 255, 255});
    CHECK(tile_values(atlas, 2) == std::vector<int>{191, 191, 191, 191});
  }
  // Gaps (row 2, column 2) and the empty fourth cell hold the background, whatever the mode.
  const cv::Mat& atlas = grid.atlas();
  for (int i = 0; i < 5; ++i) {
    CHECK(atlas.at<uint8_t>(2, i) == 7);
    CHECK(atlas.at<uint8_t>(i, 2) == 7);
  }
  for (int y = 3; y < 5; ++y) {
    for (int x = 3; x < 5; ++x) CHECK(atlas.at<uint8_t>(y, x) == 7);
  }
}

TEST_CASE("grid: the batch index picks the element, and the layer range is that element's") {
  // Element 0 spans 0..100, element 1 spans 0..4: element 1's value 2 must map to 128, not 5.
  const Tensor blob({2, 2, 1, 2}, {0, 100, 50, 25, 0, 1, 2, 4});
  GridOptions o;
  o.gap = 0;
  ActivationGrid grid(o);
  const cv::Mat& atlas = grid.build(blob, 1);
  REQUIRE(atlas.size() == cv::Size(4, 1));  // two 1x2 maps side by side
  CHECK(atlas.at<uint8_t>(0, 0) == 0);
  CHECK(atlas.at<uint8_t>(0, 1) == 64);
  CHECK(atlas.at<uint8_t>(0, 2) == 128);
  CHECK(atlas.at<uint8_t>(0, 3) == 255);
  CHECK_THROWS_AS(grid.build(blob, 2), deepvis::Error);
  CHECK_THROWS_AS(grid.build(blob, -1), deepvis::Error);
}

TEST_CASE("grid: measure gives the layout and ranges of a build without drawing, for each batch element and norm") {
  // Element 0 spans 0..100, element 1 spans 0..4; channel ranges differ within each.
  const Tensor blob({2, 2, 1, 2}, {0, 100, 50, 25, 0, 1, 2, 4});
  for (GridNorm norm : {GridNorm::PerLayer, GridNorm::PerTile, GridNorm::Fixed}) {
    GridOptions o;
    o.norm = norm;
    o.fixed_lo = -1.0f;
    o.fixed_hi = 3.0f;
    for (int element = 0; element < 2; ++element) {
      CAPTURE(element);
      ActivationGrid built(o);
      built.build(blob, element);
      ActivationGrid measured(o);
      measured.measure(blob, element);
      CHECK(measured.atlas().empty());  // nothing drawn
      CHECK(measured.layout().width == built.layout().width);
      CHECK(measured.layout().height == built.layout().height);
      CHECK(measured.layout().cols == built.layout().cols);
      REQUIRE(measured.ranges().size() == 2);
      for (size_t c = 0; c < 2; ++c) {
        CHECK(measured.ranges()[c].lo == built.ranges()[c].lo);
        CHECK(measured.ranges()[c].hi == built.ranges()[c].hi);
      }
    }
  }
  // By hand for one: element 1 per tile is 0..1 and 2..4.
  GridOptions per_tile;
  per_tile.norm = GridNorm::PerTile;
  ActivationGrid grid(per_tile);
  grid.measure(blob, 1);
  CHECK(grid.ranges()[0].hi == 1.0f);
  CHECK(grid.ranges()[1].lo == 2.0f);
  CHECK_THROWS_AS(grid.measure(blob, 2), deepvis::Error);
}

TEST_CASE("grid: fully connected blobs (N,C) and (N,C,1,1) are squares of unit_tile px") {
  GridOptions o;
  o.unit_tile = 3;
  o.gap = 1;
  o.background = 9;
  for (const Tensor& blob : {Tensor({1, 3}, {0, 1, 2}), Tensor({1, 3, 1, 1}, {0, 1, 2})}) {
    ActivationGrid grid(o);
    const cv::Mat& atlas = grid.build(blob);
    REQUIRE(grid.layout().cols == 2);
    REQUIRE(atlas.size() == cv::Size(7, 7));
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) {
        int expected = 9;  // gaps and the empty cell
        if (x < 3 && y < 3) expected = 0;
        if (x >= 4 && y < 3) expected = 128;
        if (x < 3 && y >= 4) expected = 255;
        CHECK_MESSAGE(atlas.at<uint8_t>(y, x) == expected, "at " << x << "," << y);
      }
    }
  }
}

TEST_CASE("grid: a rebuild with the same dims reuses the atlas and shows the new values") {
  ActivationGrid grid;
  Tensor blob({1, 4, 3, 3});
  for (int64_t i = 0; i < blob.numel(); ++i) blob.at(i) = static_cast<float>(i);
  const uint8_t* first = grid.build(blob).data;
  const uint8_t* first_colored = grid.colorize(Colormap::Viridis).data;
  CHECK(grid.atlas().at<uint8_t>(0, 0) == 0);
  for (int64_t i = 0; i < blob.numel(); ++i) blob.at(i) = static_cast<float>(-i);
  CHECK(grid.build(blob).data == first);
  CHECK(grid.colorize(Colormap::Viridis).data == first_colored);
  CHECK(grid.atlas().at<uint8_t>(0, 0) == 255);  // now the largest value
}

TEST_CASE("grid: bad blobs and options are refused with deepvis::Error") {
  ActivationGrid grid;
  CHECK_THROWS_AS(grid.build(Tensor({1, 2, 3})), deepvis::Error);
  CHECK_THROWS_AS(grid.build(Tensor()), deepvis::Error);
  GridOptions o;
  o.norm = GridNorm::Fixed;
  o.fixed_lo = 1.0f;
  o.fixed_hi = 1.0f;
  CHECK_THROWS_AS(grid.set_options(o), deepvis::Error);
  o = GridOptions{};
  o.gap = -1;
  CHECK_THROWS_AS(grid.set_options(o), deepvis::Error);
  CHECK(deepvis::parse_grid_norm("tile") == GridNorm::PerTile);
  CHECK_THROWS_AS(deepvis::parse_grid_norm("row"), deepvis::Error);
}

TEST_CASE("colormap: endpoints, and luminance rising through gray and viridis") {
  using deepvis::colormap_color;
  CHECK(colormap_color(Colormap::Gray, 0) == cv::Vec3b(0, 0, 0));
  CHECK(colormap_color(Colormap::Gray, 200) == cv::Vec3b(200, 200, 200));
  CHECK(colormap_color(Colormap::Gray, 255) == cv::Vec3b(255, 255, 255));

  // Viridis-like: starts dark purple (blue and red above green), ends bright yellow (red, green high; blue low).
  const cv::Vec3b v0 = colormap_color(Colormap::Viridis, 0), v255 = colormap_color(Colormap::Viridis, 255);
  CHECK(luminance(v0) < 0.05);
  CHECK(v0[0] > v0[1]);
  CHECK(v0[2] > v0[1]);
  CHECK(luminance(v255) > 0.8);
  CHECK(v255[2] > 200);
  CHECK(v255[1] > 200);
  CHECK(v255[0] < 100);
  const cv::Vec3b mid = colormap_color(Colormap::Viridis, 128);  // teal: green and blue above red
  CHECK(mid[1] > mid[2]);
  CHECK(mid[0] > mid[2]);
  for (int i = 1; i < 256; ++i) {
    const auto a = static_cast<uint8_t>(i - 1), b = static_cast<uint8_t>(i);
    CHECK_MESSAGE(luminance(colormap_color(Colormap::Viridis, b)) > luminance(colormap_color(Colormap::Viridis, a)),
                  "viridis at " << i);
    CHECK(luminance(colormap_color(Colormap::Gray, b)) > luminance(colormap_color(Colormap::Gray, a)));
  }

  // Jet: dark blue (0.5 blue) at 0, pure green in the middle, dark red (0.5 red) at 255.
  CHECK(colormap_color(Colormap::Jet, 0) == cv::Vec3b(128, 0, 0));
  CHECK(colormap_color(Colormap::Jet, 255) == cv::Vec3b(0, 0, 128));
  const cv::Vec3b jet_mid = colormap_color(Colormap::Jet, 128);
  CHECK(jet_mid[1] == 255);
  CHECK(std::abs(jet_mid[0] - 126) <= 1);  // blue 1.5 - |4t - 1|, t = 128/255: 0.492 -> 125.5
  CHECK(std::abs(jet_mid[2] - 130) <= 1);  // red 1.5 - |4t - 3|: 0.508 -> 129.5
}

TEST_CASE("colormap: apply_colormap looks every pixel up, names parse") {
  const cv::Mat gray = (cv::Mat_<uint8_t>(2, 2) << 0, 64, 200, 255);
  cv::Mat bgr;
  deepvis::apply_colormap(gray, Colormap::Jet, bgr);
  REQUIRE(bgr.type() == CV_8UC3);
  const uint8_t* reused = bgr.data;
  deepvis::apply_colormap(gray, Colormap::Viridis, bgr);
  CHECK(bgr.data == reused);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) {
      CHECK(bgr.at<cv::Vec3b>(y, x) == deepvis::colormap_color(Colormap::Viridis, gray.at<uint8_t>(y, x)));
    }
  }
  CHECK(deepvis::parse_colormap("jet") == Colormap::Jet);
  CHECK_THROWS_WITH_AS(deepvis::parse_colormap("rainbow"), doctest::Contains("viridis"), deepvis::Error);
  CHECK_THROWS_AS(deepvis::apply_colormap(cv::Mat(2, 2, CV_8UC3), Colormap::Gray, bgr), deepvis::Error);
}

TEST_CASE("grid: colorize maps the tiles and leaves gaps and empty cells the background gray") {
  GridOptions o;
  o.background = 90;
  ActivationGrid grid(o);
  const cv::Mat& atlas = grid.build(three_channels());
  const cv::Mat& bgr = grid.colorize(Colormap::Jet);
  REQUIRE(bgr.size() == atlas.size());
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 5; ++x) {
      const bool on_tile = grid.layout().unit_at(x, y).has_value();
      const cv::Vec3b expected =
          on_tile ? deepvis::colormap_color(Colormap::Jet, atlas.at<uint8_t>(y, x)) : cv::Vec3b::all(90);
      CHECK_MESSAGE(bgr.at<cv::Vec3b>(y, x) == expected, "at " << x << "," << y);
    }
  }
}
