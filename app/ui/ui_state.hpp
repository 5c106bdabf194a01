#pragma once
// The window's plain state: what the user chose and which panels are open. Panels edit it directly; the frame loop
// (app/gui/) sends what changed to the engine and the jobs. It owns no resources. With ui_snapshot.hpp (what a frame
// shows) and ui_commands.hpp (what panels and keys ask for) it is what app/panels/ and app/gui/ share, one floor
// below both (docs/architecture.md).
#include "app/ascent/ascent_panel_state.hpp"
#include "app/engine/engine_settings.hpp"
#include "app/record/record_target.hpp"
#include "compute/image/preprocess.hpp"

#include <cstdint>
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

// The "Open camera" dialog's fields while it is open: a draft, so Cancel leaves the camera in use alone.
struct CameraDialog {
  int index = 0;
  std::string size;   // "WxH", "" : the camera's default
  std::string error;  // a resolution it could not read, shown until it closes
};

// What the user chose and which panels are open. Panels edit it directly; it owns no resources.
struct AppState {
  bool show_input = true;
  bool show_about = false;
  bool open_dialog = false;         // open the "Open" dialog (image, folder or video) next frame
  bool open_model_dialog = false;   // open the "Open model" dialog next frame
  bool open_camera_dialog = false;  // open the "Open camera" dialog next frame
  // The camera the dialog offers: the last one opened (or --camera), its index and the resolution asked as "WxH"
  // ("" : the camera's default).
  int camera_index = 0;
  std::string camera_size;
  CameraDialog camera_dialog;    // what the open dialog shows
  std::optional<CropMode> crop;  // the crop mode chosen in the Input panel; nullopt: the model's own
  bool start_on_camera = false;  // the window opens camera_index first (--camera, or the last session's input)
  bool input_is_camera = false;  // the input is a webcam (read from the capture status at exit, then saved)
  bool show_layers = true;
  bool show_grid = true;
  bool show_unit = true;
  bool show_backward = true;
  bool show_predictions = true;
  bool show_status = true;
  bool show_help = false;
  bool show_optimization = false;  // the live gradient-ascent panel
  AscentPanelState optimization;   // its widgets
  // The per-unit optimized pane (disk-cached) and the whole-layer gallery (app/gui/unit_optimized_link.hpp).
  bool show_unit_optimized = true;
  bool unit_image_auto = true;          // compute the selected unit's image as soon as it is selected
  bool unit_image_full_canvas = false;  // a conv unit's image whole, not cropped to its receptive field
  int unit_image_preset = 4;            // the paper's preset the pane and the gallery use
  int unit_image_iters = 200;           // instead of the preset's 500-1000, so a unit is ready in seconds
  bool show_gallery = false;
  int gallery_batch = 8;  // units per AscentRun
  std::string gallery_dir = "deepvis-gallery";
  bool zoom = false;          // z: the grid panel shows the selected unit alone, enlarged
  bool overlay_unit = false;  // the unit panel draws the unit's map over what the network saw
  float overlay_alpha = 0.6f;
  bool model_layout = false;    // panels placed for a model (grid, unit, backward, top-5) rather than the input alone
  bool relayout = false;        // place every panel at its default once more (the layout just changed)
  std::string open_path;        // text of the "Open" dialog
  std::string open_model_path;  // text of the "Open model" dialog
  std::string status_message;   // last UI-level notice, shown in the menu bar until replaced
  bool record = false;          // R: the window is being recorded (the frame loop starts / stops it)
  bool screenshot_pending = false;  // Ctrl+S: the next frame goes to a PNG
  // What the next R records (the Record menu): the whole window or one panel.
  RecordTarget record_target = RecordTarget::Window;

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
  PanelRects panel_rects;    // written by the recordable panels each frame (record_target.hpp)
};

}  // namespace deepvis::app
