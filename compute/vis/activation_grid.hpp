#pragma once
// The activation grid (the first tool's main view): one layer's channels as tiles of one 8-bit image (the atlas),
// row-major in a grid as square as possible, with the layout the GUI needs to map a mouse position to a unit.
//
// Layout: cols = ceil(sqrt(C)), rows = ceil(C / cols) (AlexNet conv5, 256 channels -> 16 x 16; 7 -> 3 x 3 with the
// last two cells empty). Channel c sits in row c / cols, column c % cols. A tile is the channel's H x W map at 1:1,
// except for 1 x 1 maps (fully connected units, blobs (N,C) or (N,C,1,1)), whose tile is a unit_tile square of the
// unit's value. Tiles are `gap` pixels apart; there is no border around the grid. Gaps and empty cells hold
// `background`.
//
// Normalization, the same for every mode, with a range lo..hi:
//   t = (v - lo) / (hi - lo), clamped to [0, 1];  gray = round(255 * t) (halves up).
//   A constant map (hi == lo), and NaN, give 0.
// Ranges: PerLayer (default) lo, hi = min, max over the whole layer of that batch element (C x H x W values), so
// strong and weak channels compare; PerTile: min, max of each channel's own map; Fixed: the given lo, hi.
#include "compute/core/tensor.hpp"
#include "compute/vis/colormap.hpp"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deepvis {

enum class GridNorm { PerLayer, PerTile, Fixed };

// "layer", "tile", "fixed"; parse_grid_norm throws deepvis::Error naming the value.
const char* grid_norm_name(GridNorm norm);
GridNorm parse_grid_norm(const std::string& name);

struct GridOptions {
  GridNorm norm = GridNorm::PerLayer;
  float fixed_lo = 0.0f;  // GridNorm::Fixed only; needs fixed_lo < fixed_hi
  float fixed_hi = 1.0f;
  int gap = 1;               // pixels between neighbouring tiles, >= 0
  int unit_tile = 8;         // side in pixels of the tile of a 1 x 1 map (FC unit), >= 1
  uint8_t background = 255;  // gray of gaps and empty cells: white, so dark (inactive) tiles stand out
};

// Throws deepvis::Error naming the bad field.
void validate(const GridOptions& options);

// A unit under a pixel: channel and position in its map.
struct GridHit {
  int channel = -1;
  int y = 0;
  int x = 0;
};

struct GridLayout {
  int channels = 0;
  int rows = 0;
  int cols = 0;
  int map_height = 0;  // one channel's map (1 x 1 for FC units)
  int map_width = 0;
  int zoom = 1;  // tile pixels per map pixel: 1, or unit_tile for 1 x 1 maps
  int tile_height = 0;
  int tile_width = 0;
  int gap = 0;
  int width = 0;  // the atlas, in pixels
  int height = 0;

  // The atlas pixels of a channel's tile.
  cv::Rect tile(int channel) const;
  // The unit under atlas pixel (x, y); nullopt on a gap, an empty cell or outside the atlas.
  std::optional<GridHit> unit_at(int x, int y) const;
  // The atlas pixel at the top-left of a unit's map position (the inverse of unit_at).
  cv::Point pixel_of(const GridHit& unit) const;
};

// Throws deepvis::Error when the counts are not positive or the atlas would not fit an int.
GridLayout make_grid_layout(int channels, int map_height, int map_width, const GridOptions& options);

// The documented mapping of one value.
uint8_t normalize_to_gray(float v, float lo, float hi);

struct GridRange {
  float lo = 0.0f;
  float hi = 0.0f;
};

// Builds atlases frame after frame. A rebuild with the same dims and options reuses every buffer (no allocation).
class ActivationGrid {
 public:
  explicit ActivationGrid(GridOptions options = {});

  void set_options(const GridOptions& options);  // validates
  const GridOptions& options() const { return options_; }

  // Lays out batch element `batch_index` of `blob` ((N,C,H,W), (N,C,1,1) or (N,C), on the CPU) and returns the
  // atlas (CV_8UC1). Throws deepvis::Error on another rank, a device tensor or a batch index out of range.
  const cv::Mat& build(const Tensor& blob, int batch_index = 0);
  // build() without drawing: the layout and the ranges only (one pass over the values), for when the atlas itself
  // is drawn elsewhere (on the GPU). Same errors. Call build() again before atlas() or colorize().
  void measure(const Tensor& blob, int batch_index = 0);

  const cv::Mat& atlas() const { return atlas_; }
  const GridLayout& layout() const { return layout_; }
  // The range each channel was mapped with in the last build (all equal unless PerTile).
  const std::vector<GridRange>& ranges() const { return ranges_; }

  // The tiles through a colormap (CV_8UC3, BGR), gaps and empty cells the background gray, into a buffer kept
  // between calls.
  const cv::Mat& colorize(Colormap map);

 private:
  GridOptions options_;
  GridLayout layout_;
  cv::Mat atlas_;
  cv::Mat colored_;
  std::vector<GridRange> ranges_;
};

}  // namespace deepvis
