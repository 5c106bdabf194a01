#pragma once
// The GUI's plain state and the two things panels exchange with the frame loop:
// a read-only Snapshot of what to show, and Commands asking the loop to do something.
#include "app/capture/capture_thread.hpp"
#include "app/engine/engine_settings.hpp"
#include "app/engine/engine_snapshot.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace deepvis::app {

// Where the grid panel drew the atlas in the last frame, in framebuffer pixels (origin top-left). A testing aid:
// scripted runs write it next to the screenshot (see grid_sidecar.hpp).
struct GridScreenRect {
  bool valid = false;
  float x = 0.0f;
  float y = 0.0f;
  float width = 0.0f;
  float height = 0.0f;
  float scale = 0.0f;  // screen pixels per atlas pixel
};

// What the user chose and which panels are open. Panels edit it directly; it owns no resources.
struct AppState {
  bool show_input = true;
  bool show_about = false;
  bool open_dialog = false;        // open the "Open" dialog (image, folder or video) next frame
  bool open_model_dialog = false;  // open the "Open model" dialog next frame
  bool show_layers = true;
  bool show_grid = true;
  bool show_unit = true;
  bool show_backward = true;
  bool show_predictions = true;
  bool show_status = true;
  bool show_help = false;
  bool zoom = false;          // z: the grid panel shows the selected unit alone, enlarged
  bool overlay_unit = false;  // the unit panel draws the unit's map over what the network saw
  float overlay_alpha = 0.6f;
  bool model_layout = false;    // panels placed for a model (grid, unit, backward, top-5) rather than the input alone
  bool relayout = false;        // place every panel at its default once more (the layout just changed)
  std::string open_path;        // text of the "Open" dialog
  std::string open_model_path;  // text of the "Open model" dialog
  std::string status_message;   // last UI-level notice, shown in the menu bar until replaced

  // The selection as the user asked for it (and as sent to the engine, which reports what it applied).
  std::string model_path;
  std::string input_path;
  std::string layer;
  int unit = 0;
  BackwardView backward = BackwardView::Off;
  BackwardDisplay backward_display = BackwardDisplay::Raw;
  GridNorm grid_norm = GridNorm::PerLayer;
  float fixed_lo = 0.0f;
  float fixed_hi = 1.0f;
  Colormap colormap = Colormap::Gray;
  bool frozen = false;
  uint64_t synced_model = 0;  // ModelInfo::generation the selection last took the engine's defaults from

  GridScreenRect grid_rect;  // written by the grid panel each frame
};

// Read-only facts for one frame. The loop builds it; panels only look.
struct Snapshot {
  unsigned input_texture = 0;  // GL texture name, 0 when there is no image
  int input_width = 0;
  int input_height = 0;
  std::string input_name;
  float fps = 0.0f;  // of the UI

  std::shared_ptr<const EngineSnapshot> engine = std::make_shared<const EngineSnapshot>();  // never null
  CaptureStatus capture;
  uint64_t frames_dropped = 0;  // captured frames the engine never saw (it was busy)
  unsigned grid_texture = 0;    // the engine snapshot's images as textures; 0 when it has none
  unsigned unit_texture = 0;
  unsigned backward_texture = 0;
  unsigned network_input_texture = 0;
};

// Requests from panels and keys, carried out after the panels are drawn (apply_commands.hpp).
struct Commands {
  std::optional<std::string> open_image;  // an image, a folder of images or a video file
  std::optional<std::string> open_model;
  std::optional<int> open_camera;
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
  bool toggle_freeze = false;
  bool toggle_help = false;
  bool toggle_zoom = false;
  bool reset = false;

  int file_step = 0;  // e / w
  bool switch_source = false;
  bool toggle_pause = false;
  bool step_frame = false;
};

}  // namespace deepvis::app
