#pragma once
// Colormaps for 8-bit activation images: one 256-entry table per map, computed from a formula at first use (no
// tables copied from elsewhere). Colours are BGR, OpenCV's order, so a colorized image goes straight to imwrite.
#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>

namespace deepvis {

enum class Colormap {
  Gray,     // v -> (v, v, v)
  Viridis,  // viridis-like: dark purple -> blue -> teal -> green -> yellow, lightness rising linearly (OKLab)
  Jet,      // the classic rainbow (blue -> cyan -> yellow -> red); familiar, but its lightness is not monotonic
};

// "gray", "viridis", "jet". parse_colormap throws deepvis::Error naming the value and the accepted names.
const char* colormap_name(Colormap map);
Colormap parse_colormap(const std::string& name);
std::string colormap_names();  // "gray, viridis, jet", for help texts

// The 256 BGR colours of a map, as a 1x256 CV_8UC3 row. Built once per map (thread-safe), then shared.
const cv::Mat& colormap_table(Colormap map);
cv::Vec3b colormap_color(Colormap map, uint8_t v);

// gray (CV_8UC1) -> bgr (CV_8UC3, same size). `bgr` is reused when it already has that size and type.
void apply_colormap(const cv::Mat& gray, Colormap map, cv::Mat& bgr);

}  // namespace deepvis
