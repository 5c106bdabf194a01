#pragma once
// Joins the per-unit optimized pane and the layer gallery to the GUI's frame loop: owns the disk-cached unit image
// worker, the gallery job and the GL textures of their images. Main thread only; needs a current GL context that
// outlives it.
#include "app/ascent/layer_gallery_job.hpp"
#include "app/ascent/unit_image_cache.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"
#include "render/gl_texture.hpp"

#include <cstdint>
#include <memory>

namespace deepvis::app {

// The optimizer's parameters of the per-unit pane and the gallery: the pane's preset with its iteration count.
vis::AscentParams unit_pane_params(const AppState& state);

class UnitOptimizedLink {
 public:
  // `cache_dir` empty: nothing is read from or written to disk (scripted runs).
  // Both run as jobs of `runner` (the engine's), over the engine's model.
  UnitOptimizedLink(std::string cache_dir, JobRunner& runner);

  // Before the panels: asks for the selected unit's image while the pane is open (computing it only when the
  // pane's "on select" is on or it was asked for), uploads changed images, and fills `snapshot`.
  void begin_frame(const EngineSnapshot& results, const AppState& state, Snapshot& snapshot);
  // After the panels: the pane's and the gallery's commands.
  void end_frame(const Commands& commands, const EngineSnapshot& results, AppState& state);

 private:
  UnitImageCache cache_;
  LayerGalleryJob gallery_;
  render::GlTexture unit_texture_;
  render::GlTexture gallery_texture_;
  std::shared_ptr<const UnitImage> uploaded_image_;
  uint64_t uploaded_gallery_ = 0;
  bool compute_asked_ = false;
};

}  // namespace deepvis::app
