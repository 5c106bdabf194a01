#pragma once
// Requests from panels and keys to the window's frame loop, carried out after the panels are drawn
// (app/gui/apply_commands.hpp).
#include "app/ascent/ascent_command.hpp"
#include "app/capture/capture_command.hpp"
#include "app/engine/engine_settings.hpp"
#include "app/record/record_target.hpp"
#include "compute/image/preprocess.hpp"

#include <optional>
#include <string>
#include <vector>

namespace deepvis::app {

// Requests from panels and keys, carried out after the panels are drawn (apply_commands.hpp).
struct Commands {
  std::optional<std::string> open_image;  // an image, a folder of images or a video file
  std::optional<std::string> open_model;
  std::optional<OpenCamera> open_camera;  // the camera dialog's choice
  bool show_open_dialog = false;
  bool show_model_dialog = false;
  bool quit = false;

  std::optional<std::string> select_layer;
  int layer_step = 0;  // u / o
  std::optional<int> select_unit;
  int unit_dx = 0;  // cursor moves, in grid cells
  int unit_dy = 0;
  bool cycle_backward = false;
  std::optional<BackwardView> backward;
  std::optional<BackwardDisplay> backward_display;
  std::optional<GridNorm> grid_norm;  // Fixed uses AppState::fixed_lo / fixed_hi
  std::optional<Colormap> colormap;
  bool set_crop = false;  // the Input panel's crop choice, `crop` (nullopt: back to the model's own)
  std::optional<CropMode> crop;
  bool toggle_freeze = false;
  bool toggle_help = false;
  bool toggle_zoom = false;
  bool reset = false;

  int file_step = 0;  // e / w
  bool switch_source = false;
  bool toggle_pause = false;
  bool step_frame = false;
  bool toggle_recording = false;  // R
  bool screenshot = false;        // Ctrl+S
  // The Record menu's choice of what R records.
  std::optional<RecordTarget> record_target;

  std::vector<AscentCommand> ascent;  // to the optimization session, in order

  bool compute_unit_image = false;  // the per-unit pane's "Compute" (when not computing on select)
  bool start_layer_gallery = false;
  bool cancel_layer_gallery = false;
  std::optional<std::string> export_gallery;  // a folder
};

}  // namespace deepvis::app
