#pragma once
// The GUI's plain state and the two things panels exchange with the frame loop:
// a read-only Snapshot of what to show, and Commands asking the loop to do something.
#include "app/ascent/ascent_command.hpp"
#include "app/ascent/ascent_panel_state.hpp"
#include "app/ascent/ascent_snapshot.hpp"
#include "app/ascent/layer_gallery_job.hpp"
#include "app/ascent/unit_image_cache.hpp"
#include "app/capture/capture_thread.hpp"
#include "app/engine/engine_settings.hpp"
#include "app/engine/engine_snapshot.hpp"
#include "app/record/record_target.hpp"
#include "app/record/recording_status.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  bool unit_image_auto = true;  // compute the selected unit's image as soon as it is selected
  int unit_image_preset = 4;    // the paper's preset the pane and the gallery use
  int unit_image_iters = 200;   // instead of the preset's 500-1000, so a unit is ready in seconds
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

// The part of a texture an image occupies, in texture coordinates: the whole texture, or (the GPU grid path) the
// atlas in the top-left of a texture kept as large as the largest atlas so far, or one unit's tile of it.
struct TextureRegion {
  float u0 = 0.0f;
  float v0 = 0.0f;
  float u1 = 1.0f;
  float v1 = 1.0f;
};

// Read-only facts for one frame. The loop builds it; panels only look.
struct Snapshot {
  unsigned input_texture = 0;  // GL texture name, 0 when there is no image
  int input_width = 0;
  int input_height = 0;
  std::string input_name;
  float fps = 0.0f;         // of the UI
  double texture_ms = 0.0;  // the UI thread's last texture update from an engine snapshot
  double draw_ms = 0.0;     // the UI thread's previous frame: panels and GL draw calls, up to the buffer swap
  double latency_ms = 0.0;  // capture to screen of the newest frame shown (app/gui/frame_latency.hpp); 0: none yet

  std::shared_ptr<const EngineSnapshot> engine = std::make_shared<const EngineSnapshot>();  // never null
  CaptureStatus capture;
  uint64_t frames_dropped = 0;  // captured frames the engine never saw (it was busy)
  unsigned grid_texture = 0;    // the engine snapshot's images as textures; 0 when it has none
  unsigned unit_texture = 0;
  TextureRegion grid_region;  // of grid_texture and unit_texture
  TextureRegion unit_region;
  bool grid_on_gpu = false;  // the grid texture was drawn through CUDA-GL interop (else uploaded from the host)
  unsigned backward_texture = 0;
  unsigned network_input_texture = 0;
  RecordingStatus recording;  // of the window recording (R)
  // The optimization session (app/ascent/): its newest snapshot, the texture of its image, and whether it has
  // carried out every command sent so far.
  std::shared_ptr<const AscentSnapshot> ascent = std::make_shared<const AscentSnapshot>();  // never null
  unsigned ascent_texture = 0;
  bool ascent_in_sync = true;
  UnitImageStatus unit_image;  // the per-unit optimized pane's image or progress
  unsigned unit_image_texture = 0;
  LayerGalleryStatus gallery;  // the layer gallery job
  unsigned gallery_texture = 0;
};

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
