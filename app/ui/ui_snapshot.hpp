#pragma once
// Read-only facts for one frame of the window: the loop (app/gui/) builds a Snapshot, panels (app/panels/) only look.
#include "app/ascent/ascent_snapshot.hpp"
#include "app/ascent/layer_gallery_job.hpp"
#include "app/ascent/unit_image_cache.hpp"
#include "app/capture/capture_thread.hpp"
#include "app/engine/engine_snapshot.hpp"
#include "app/record/recording_status.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace deepvis::app {

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

}  // namespace deepvis::app
