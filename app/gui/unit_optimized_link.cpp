#include "app/gui/unit_optimized_link.hpp"

#include "compute/core/error.hpp"

#include <algorithm>

namespace deepvis::app {

vis::AscentParams unit_pane_params(const AppState& state) {
  vis::AscentParams p = vis::preset(std::clamp(state.unit_image_preset, 1, 4));
  p.max_iter = std::max(1, state.unit_image_iters);
  return p;
}

UnitOptimizedLink::UnitOptimizedLink(std::string cache_dir, JobRunner& runner)
    : cache_(runner, std::move(cache_dir)), gallery_(runner) {}

void UnitOptimizedLink::begin_frame(const EngineSnapshot& results, const AppState& state, Snapshot& snapshot) {
  if (state.show_unit_optimized && results.model && !results.settings.layer.empty() &&
      (state.unit_image_auto || compute_asked_)) {
    UnitImageRequest r;
    r.model_path = results.model->path;
    r.device = results.model->device_choice();
    r.layer = results.settings.layer;
    r.unit = results.settings.unit;
    r.params = unit_pane_params(state);
    cache_.request(r);  // the same request as the last one does nothing
    compute_asked_ = false;
  }
  snapshot.unit_image = cache_.status();
  const auto& image = snapshot.unit_image.image;
  if (image && image != uploaded_image_) {
    unit_texture_.upload_rgb(image->pixels_rgb);
    uploaded_image_ = image;
  }
  snapshot.unit_image_texture = image ? unit_texture_.id() : 0u;

  snapshot.gallery = gallery_.status();
  if (snapshot.gallery.atlas && snapshot.gallery.version != uploaded_gallery_ && !snapshot.gallery.atlas->rgb.empty()) {
    gallery_texture_.upload_rgb(snapshot.gallery.atlas->rgb);
    uploaded_gallery_ = snapshot.gallery.version;
  }
  snapshot.gallery_texture = snapshot.gallery.atlas ? gallery_texture_.id() : 0u;
}

void UnitOptimizedLink::end_frame(const Commands& commands, const EngineSnapshot& results, AppState& state) {
  if (commands.compute_unit_image) compute_asked_ = true;
  if (commands.cancel_layer_gallery) gallery_.cancel();
  if (commands.start_layer_gallery && results.model && !results.settings.layer.empty()) {
    gallery_.start(results.model->path, results.model->device_choice(), results.settings.layer, unit_pane_params(state),
                   std::max(1, state.gallery_batch));
    state.show_gallery = true;
  }
  if (commands.export_gallery) {
    try {
      gallery_.export_to(*commands.export_gallery);
      state.status_message = "gallery written to " + *commands.export_gallery + "/index.html";
    } catch (const Error& e) {
      state.status_message = std::string("gallery export failed: ") + e.what();
    }
  }
}

}  // namespace deepvis::app
