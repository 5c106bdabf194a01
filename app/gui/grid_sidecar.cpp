#include "app/gui/grid_sidecar.hpp"

#include "compute/core/error.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace deepvis::app {

std::string grid_sidecar_path(const std::string& screenshot_path) {
  std::filesystem::path p(screenshot_path);
  p.replace_extension(".grid.json");
  return p.string();
}

void write_grid_sidecar(const std::string& screenshot_path, const AppState& state, const Snapshot& snapshot) {
  const EngineSnapshot& engine = *snapshot.engine;
  nlohmann::json j;
  const GridScreenRect& r = state.grid_rect;
  j["grid"] = r.valid
                  ? nlohmann::json{{"x", r.x}, {"y", r.y}, {"width", r.width}, {"height", r.height}, {"scale", r.scale}}
                  : nlohmann::json(nullptr);
  const GridLayout& l = engine.layout;
  j["layout"] = {{"channels", l.channels},       {"rows", l.rows}, {"cols", l.cols}, {"tile_width", l.tile_width},
                 {"tile_height", l.tile_height}, {"gap", l.gap},   {"zoom", l.zoom}, {"atlas_width", l.width},
                 {"atlas_height", l.height}};
  j["model"] = engine.model ? engine.model->stem : "";
  j["device"] = engine.model ? engine.model->backend : "";  // where the window's models compute (--device)
  j["tf32"] = engine.model && engine.model->tf32;
  j["input_dims"] = engine.model ? engine.model->input_dims : Dims{};  // the network's input, N x C x H x W
  j["backward_view"] = {{"width", engine.backward_bgr.cols}, {"height", engine.backward_bgr.rows}};
  j["error"] = engine.error;
  j["layer"] = engine.settings.layer;
  j["unit"] = engine.settings.unit;
  j["backward"] = backward_view_name(engine.settings.backward);
  j["grid_norm"] = grid_norm_name(engine.settings.grid.norm);
  j["colormap"] = colormap_name(engine.settings.colormap);
  j["frame"] = engine.input_name;
  j["grid_texture"] = snapshot.grid_on_gpu ? "gpu" : "host";
  j["latency_ms"] = snapshot.latency_ms;
  // The panels open and what their jobs hold: scripted runs (--open) check that the jobs run beside the live frame.
  j["panels"] = {{"optimization", state.show_optimization},
                 {"unit_optimized", state.show_unit_optimized},
                 {"gallery", state.show_gallery}};
  j["optimizer"] = {{"model", snapshot.ascent->model_stem},
                    {"state", ascent_state_name(snapshot.ascent->state)},
                    {"error", snapshot.ascent->error}};
  const StageTimes& t = engine.times;
  j["times"] = {
      {"capture", t.capture}, {"preprocess", t.preprocess},     {"forward", t.forward},    {"backward", t.backward},
      {"grid", t.grid},       {"texture", snapshot.texture_ms}, {"draw", snapshot.draw_ms}};
  const std::string path = grid_sidecar_path(screenshot_path);
  std::ofstream out(path, std::ios::trunc);
  out << j.dump(2) << "\n";
  if (!out) throw OutputError("cannot write " + path);
}

}  // namespace deepvis::app
