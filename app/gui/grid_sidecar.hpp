#pragma once
// A testing aid: scripted runs with --screenshot also write `<screenshot stem>.grid.json` beside the PNG, saying
// where the activation grid was drawn and how it is laid out, so a test can find the tiles in the screenshot:
//   {"grid": {"x", "y", "width", "height", "scale"} (framebuffer pixels, origin top-left; null when no grid
//    was drawn), "layout": {"channels", "rows", "cols", "tile_width", "tile_height", "gap", "zoom",
//    "atlas_width", "atlas_height"}, "model", "layer", "unit", "backward", "grid_norm", "colormap", "frame",
//    "times": the status bar's stages in ms {"capture", "preprocess", "forward", "backward", "grid", "texture",
//    "draw"}, "grid_texture": "gpu" (drawn through CUDA-GL interop) or "host", "latency_ms": capture to screen of
//    the newest frame shown}
#include "app/engine/engine_snapshot.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <string>

namespace deepvis::app {

std::string grid_sidecar_path(const std::string& screenshot_path);

// Throws deepvis::Error naming the file when it cannot be written.
void write_grid_sidecar(const std::string& screenshot_path, const AppState& state, const Snapshot& snapshot);

}  // namespace deepvis::app
