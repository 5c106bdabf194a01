#pragma once
// The float64 NumPy oracle of the paper's loop (tests/fixtures/make_preset_reference.py), as committed in
// tests/fixtures/preset_reference/: a Caffe-style net, its preprocessing, and per start ("mean", "image") and preset
// the objective at every step and the last image. Header-only, so the GPU machine's slim test binary has it too.
#include "compute/core/error.hpp"
#include "compute/io/npy.hpp"
#include "compute/vis/ascent.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace deepvis::test {

struct PresetReference {
  std::filesystem::path dir;
  nlohmann::json json;

  std::string model() const { return (dir / "model.onnx").string(); }
  std::string layer() const { return json["layer"].get<std::string>(); }
  int steps() const { return json["steps"].get<int>(); }

  // Caffe-style: the net is fed pixels minus the mean, in the fed (BGR) order, so gain 1 and offset the mean.
  vis::PixelSpace space() const {
    vis::PixelSpace s;
    for (double m : json["mean"]) {
      s.gain.push_back(1.0f);
      s.offset.push_back(static_cast<float>(m));
    }
    s.bgr = true;
    return s;
  }

  Tensor start_image() const { return read_npy((dir / "start.npy").string()); }
  Tensor last_x(const std::string& start, int preset) const {
    return read_npy((dir / ("last_x_" + start + "_preset" + std::to_string(preset) + ".npy")).string());
  }
  std::vector<double> objectives(const std::string& start, int preset) const {
    return json["runs"][start][std::to_string(preset)]["obj"].get<std::vector<double>>();
  }
  double tie_margin(const std::string& start, int preset) const {
    return json["runs"][start][std::to_string(preset)]["tie_margin"].get<double>();
  }

  // The paper's preset, as the reference ran it: the fc unit, `steps` iterations, from the mean or the image.
  vis::AscentParams params(const std::string& start, int preset) const {
    vis::AscentParams p = vis::preset(preset);
    p.push_layer = layer();
    p.push_units = {json["unit"].get<int64_t>()};
    p.max_iter = steps();
    p.start_at = start == "mean" ? vis::StartAt::Mean : vis::StartAt::Image;
    if (start != "mean") p.start_image = (dir / "start.png").string();
    return p;
  }
};

inline PresetReference load_preset_reference(const std::filesystem::path& dir) {
  std::ifstream in(dir / "reference.json");
  if (!in) throw Error("no preset reference at " + dir.string());
  return {dir, nlohmann::json::parse(in)};
}

// The committed folder, found as the GPU tests find the source tree: the GPU machine runs from a copy of the
// checkout, not from the path the binary was built in.
inline PresetReference committed_preset_reference() {
  std::filesystem::path root = DEEPVIS_SOURCE_DIR;
  if (const char* env = std::getenv("DEEPVIS_SOURCE_DIR")) {
    root = env;
  } else if (!std::filesystem::exists(root / "tests/fixtures")) {
    root = std::filesystem::current_path();
  }
  return load_preset_reference(root / "tests/fixtures/preset_reference");
}

// max over the trajectory of |got - want|, over max |want|: "of scale". A run that stopped early is compared
// over what it recorded, and its length is checked by the caller.
inline double drift_of_scale(const std::vector<double>& want, const std::vector<double>& got) {
  double scale = 1e-30, diff = 0.0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) diff = std::max(diff, std::fabs(want[i] - got[i]));
  return diff / scale;
}

// The first step whose objective is off by more than `tolerance` of scale, or -1.
inline int first_drift(const std::vector<double>& want, const std::vector<double>& got, double tolerance) {
  double scale = 1e-30;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < std::min(want.size(), got.size()); ++i) {
    if (std::fabs(want[i] - got[i]) > tolerance * scale) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace deepvis::test
