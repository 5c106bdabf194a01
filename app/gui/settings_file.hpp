#pragma once
// The GUI's settings between sessions: $XDG_CONFIG_HOME/deepvis/settings.json, beside imgui.ini. Holds the last
// model, input, layer, unit and modes. Interactive runs read it at start (command-line flags win) and write it at
// exit; scripted runs (--frames) never touch it, so they are reproducible.
#include "app/gui/gui_options.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <string>

namespace deepvis::app {

struct GuiSettings {
  std::string model;
  std::string input;
  int camera = -1;          // the input was this webcam (OpenCV's index); -1: a file (or nothing)
  std::string camera_size;  // the resolution asked of it, "WxH"; "" : its default
  std::string layer;        // meaningful only with the same model
  int unit = 0;
  BackwardView backward = BackwardView::Off;
  BackwardDisplay backward_display = BackwardDisplay::Raw;
  GridNorm grid_norm = GridNorm::PerLayer;
  float fixed_lo = 0.0f;
  float fixed_hi = 1.0f;
  Colormap colormap = Colormap::Gray;
  std::optional<CropMode> crop;  // the crop mode chosen in the window; nullopt: the model's own
};

// config_dir()/settings.json; "" when there is no config folder.
std::string settings_path();

// A missing file gives the defaults silently. A malformed one gives the defaults for what cannot be read, and
// `warning` (when given) says which file and what was wrong; settings are a convenience, never a reason to fail.
GuiSettings read_settings(const std::string& path, std::string* warning = nullptr);

// Writes atomically (a temporary file renamed over the old one). Throws deepvis::Error naming the file.
void write_settings(const std::string& path, const GuiSettings& settings);

GuiSettings settings_from_state(const AppState& state);

// The window's first state: flags over saved settings over defaults. The input is --input, else --camera, else
// the last session's (its webcam, or its file when that still exists), else none (the test pattern).
AppState initial_state(const GuiOptions& options, const GuiSettings& saved);

}  // namespace deepvis::app
