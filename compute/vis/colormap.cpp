#include "compute/vis/colormap.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace deepvis {

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Rgb {
  double r, g, b;  // linear or encoded, as named where used
};

uint8_t to_byte(double c) {
  return static_cast<uint8_t>(std::lround(std::clamp(c, 0.0, 1.0) * 255.0));
}

// sRGB transfer function (IEC 61966-2-1), linear -> encoded.
double srgb_encode(double c) {
  return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1.0 / 2.4) - 0.055;
}

// OKLab -> linear sRGB (Ottosson 2020, the published matrices).
Rgb oklab_to_linear_srgb(double lightness, double a, double b) {
  const double l = std::pow(lightness + 0.3963377774 * a + 0.2158037573 * b, 3.0);
  const double m = std::pow(lightness - 0.1055613458 * a - 0.0638541728 * b, 3.0);
  const double s = std::pow(lightness - 0.0894841775 * a - 1.2914855480 * b, 3.0);
  return {4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
          -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
          -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s};
}

bool in_gamut(const Rgb& c) {
  return c.r >= 0 && c.r <= 1 && c.g >= 0 && c.g <= 1 && c.b >= 0 && c.b <= 1;
}

// Viridis-like: lightness rises linearly (so luminance is monotonic), hue turns from purple (320 deg) to yellow
// (105 deg) through blue, teal and green, chroma grows towards the yellow end. Where a colour falls outside sRGB,
// its chroma is reduced (bisection) rather than clipping channels, which would bend the lightness ramp.
Rgb viridis_like(double t) {
  const double lightness = 0.30 + 0.64 * t;
  const double hue = (320.0 - 215.0 * t) * kPi / 180.0;
  const double chroma = 0.12 + 0.07 * std::max(0.0, t - 0.6) / 0.4;
  auto at = [&](double c) { return oklab_to_linear_srgb(lightness, c * std::cos(hue), c * std::sin(hue)); };
  Rgb c = at(chroma);
  if (!in_gamut(c)) {
    double lo = 0.0, hi = chroma;
    for (int i = 0; i < 40; ++i) {
      const double mid = 0.5 * (lo + hi);
      (in_gamut(at(mid)) ? lo : hi) = mid;
    }
    c = at(lo);
  }
  return {srgb_encode(c.r), srgb_encode(c.g), srgb_encode(c.b)};
}

// The classic jet: three clamped triangles, offset by a quarter.
Rgb jet(double t) {
  auto ramp = [&](double centre) { return std::clamp(1.5 - std::abs(4.0 * t - centre), 0.0, 1.0); };
  return {ramp(3.0), ramp(2.0), ramp(1.0)};
}

cv::Mat build_table(Colormap map) {
  cv::Mat table(1, 256, CV_8UC3);
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0;
    if (map == Colormap::Gray) {
      table.at<cv::Vec3b>(0, i) = cv::Vec3b::all(static_cast<uint8_t>(i));  // exact, no rounding involved
      continue;
    }
    const Rgb c = map == Colormap::Viridis ? viridis_like(t) : jet(t);
    table.at<cv::Vec3b>(0, i) = cv::Vec3b(to_byte(c.b), to_byte(c.g), to_byte(c.r));
  }
  return table;
}

constexpr std::array<Colormap, 3> kMaps = {Colormap::Gray, Colormap::Viridis, Colormap::Jet};

}  // namespace

const char* colormap_name(Colormap map) {
  switch (map) {
    case Colormap::Gray: return "gray";
    case Colormap::Viridis: return "viridis";
    case Colormap::Jet: return "jet";
  }
  return "?";
}

std::string colormap_names() {
  std::string names;
  for (Colormap m : kMaps) names += (names.empty() ? "" : ", ") + std::string(colormap_name(m));
  return names;
}

Colormap parse_colormap(const std::string& name) {
  for (Colormap m : kMaps) {
    if (name == colormap_name(m)) return m;
  }
  throw Error("unknown colormap '" + name + "' (expected one of: " + colormap_names() + ")");
}

const cv::Mat& colormap_table(Colormap map) {
  // Function-local statics: built on first use, thread-safe, never rebuilt.
  static const cv::Mat gray = build_table(Colormap::Gray);
  static const cv::Mat viridis = build_table(Colormap::Viridis);
  static const cv::Mat jet_table = build_table(Colormap::Jet);
  switch (map) {
    case Colormap::Viridis: return viridis;
    case Colormap::Jet: return jet_table;
    case Colormap::Gray: break;
  }
  return gray;
}

cv::Vec3b colormap_color(Colormap map, uint8_t v) {
  return colormap_table(map).at<cv::Vec3b>(0, v);
}

void apply_colormap(const cv::Mat& gray, Colormap map, cv::Mat& bgr) {
  if (gray.type() != CV_8UC1) throw Error("apply_colormap expects an 8-bit single-channel image");
  bgr.create(gray.rows, gray.cols, CV_8UC3);  // no reallocation when the size and type already match
  const cv::Vec3b* table = colormap_table(map).ptr<cv::Vec3b>(0);
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* src = gray.ptr<uint8_t>(y);
    cv::Vec3b* dst = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < gray.cols; ++x) dst[x] = table[src[x]];
  }
}

}  // namespace deepvis
