#include "app/gui/settings_file.hpp"

#include "app/capture/camera_size.hpp"
#include "app/config_paths.hpp"
#include "compute/core/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace deepvis::app {

std::string settings_path() {
  const std::string dir = config_dir();
  return dir.empty() ? std::string() : dir + "/settings.json";
}

GuiSettings read_settings(const std::string& path, std::string* warning) {
  GuiSettings s;
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return s;
  try {
    std::ifstream in(path);
    const nlohmann::json j = nlohmann::json::parse(in);
    if (!j.is_object()) throw Error("not a JSON object");
    // Each field on its own: one bad value does not lose the others.
    std::string problems;
    auto field = [&](const char* key, auto&& read) {
      if (!j.contains(key)) return;
      try {
        read(j.at(key));
      } catch (const std::exception& e) {
        problems += std::string(problems.empty() ? "" : "; ") + key + ": " + e.what();
      }
    };
    field("model", [&](const nlohmann::json& v) { s.model = v.get<std::string>(); });
    field("input", [&](const nlohmann::json& v) { s.input = v.get<std::string>(); });
    field("camera", [&](const nlohmann::json& v) { s.camera = std::max(-1, v.get<int>()); });
    field("camera_size", [&](const nlohmann::json& v) {
      const std::string size = v.get<std::string>();
      parse_camera_size(size);  // throws on a size the camera could not be asked for
      s.camera_size = size;
    });
    field("layer", [&](const nlohmann::json& v) { s.layer = v.get<std::string>(); });
    field("unit", [&](const nlohmann::json& v) { s.unit = std::max(0, v.get<int>()); });
    field("backward", [&](const nlohmann::json& v) { s.backward = parse_backward_view(v.get<std::string>()); });
    field("backward_display",
          [&](const nlohmann::json& v) { s.backward_display = parse_backward_display(v.get<std::string>()); });
    field("grid_norm", [&](const nlohmann::json& v) { s.grid_norm = parse_grid_norm(v.get<std::string>()); });
    field("fixed_range", [&](const nlohmann::json& v) {
      const auto range = v.get<std::vector<float>>();
      if (range.size() != 2 || !(range[0] < range[1])) throw Error("expected [lo, hi] with lo < hi");
      s.fixed_lo = range[0];
      s.fixed_hi = range[1];
    });
    field("colormap", [&](const nlohmann::json& v) { s.colormap = parse_colormap(v.get<std::string>()); });
    field("crop", [&](const nlohmann::json& v) {
      const std::string name = v.get<std::string>();
      s.crop = name.empty() ? std::nullopt : std::optional<CropMode>(parse_crop_mode(name));
    });
    if (!problems.empty() && warning) *warning = "settings " + path + ": " + problems;
  } catch (const std::exception& e) {
    if (warning) *warning = "settings " + path + " ignored: " + e.what();
    return GuiSettings{};
  }
  return s;
}

void write_settings(const std::string& path, const GuiSettings& s) {
  const nlohmann::json j = {{"model", s.model},
                            {"input", s.input},
                            {"camera", s.camera},
                            {"camera_size", s.camera_size},
                            {"layer", s.layer},
                            {"unit", s.unit},
                            {"backward", backward_view_name(s.backward)},
                            {"backward_display", backward_display_name(s.backward_display)},
                            {"grid_norm", grid_norm_name(s.grid_norm)},
                            {"fixed_range", {s.fixed_lo, s.fixed_hi}},
                            {"colormap", colormap_name(s.colormap)},
                            {"crop", s.crop ? crop_mode_name(*s.crop) : ""}};
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) throw OutputError("cannot write settings to " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) throw OutputError("cannot write settings to " + path + ": " + ec.message());
}

namespace {

// Saved paths must work from whatever folder the next session starts in.
std::string absolute_path(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

}  // namespace

GuiSettings settings_from_state(const AppState& state) {
  GuiSettings s;
  s.model = absolute_path(state.model_path);
  s.input = absolute_path(state.input_path);
  s.camera = state.input_is_camera ? state.camera_index : -1;
  s.camera_size = state.camera_size;
  s.layer = state.layer;
  s.unit = state.unit;
  s.backward = state.backward;
  s.backward_display = state.backward_display;
  s.grid_norm = state.grid_norm;
  s.fixed_lo = state.fixed_lo;
  s.fixed_hi = state.fixed_hi;
  s.colormap = state.colormap;
  s.crop = state.crop;
  return s;
}

namespace {

bool usable_path(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::exists(path, ec);
}

}  // namespace

AppState initial_state(const GuiOptions& o, const GuiSettings& saved) {
  AppState s;
  s.model_path = !o.model.empty() ? o.model : (usable_path(saved.model) ? saved.model : "");
  const bool same_model = !s.model_path.empty() && s.model_path == saved.model;
  s.layer = !o.layer.empty() ? o.layer : (same_model ? saved.layer : "");
  s.unit = o.unit >= 0 ? o.unit : (same_model ? saved.unit : 0);
  s.backward = !o.mode.empty() ? parse_backward_view(o.mode) : saved.backward;
  s.backward_display = saved.backward_display;
  s.grid_norm = saved.grid_norm;
  s.fixed_lo = saved.fixed_lo;
  s.fixed_hi = saved.fixed_hi;
  s.colormap = saved.colormap;
  s.crop = !o.crop.empty() ? std::optional<CropMode>(parse_crop_mode(o.crop)) : saved.crop;
  s.model_layout = !s.model_path.empty();

  // The camera the dialog offers: --camera's, else the last session's.
  if (o.camera >= 0) {
    s.camera_index = o.camera;
    if (o.camera_width > 0) s.camera_size = camera_size_text(cv::Size(o.camera_width, o.camera_height));
  } else if (saved.camera >= 0) {
    s.camera_index = saved.camera;
    s.camera_size = saved.camera_size;  // read_settings keeps only a readable size
  }
  // With a camera to start on, the saved file is what C switches back to.
  s.input_path = !o.input.empty() ? o.input : (usable_path(saved.input) ? saved.input : "");
  s.start_on_camera = o.input.empty() && (o.camera >= 0 || saved.camera >= 0);
  return s;
}

}  // namespace deepvis::app
