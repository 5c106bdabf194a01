#include "app/gui/gui_textures.hpp"

namespace deepvis::app {

bool GuiTextures::update(const EngineSnapshot& snap) {
  if (snap.sequence == snapshot_seen_) return false;
  snapshot_seen_ = snap.sequence;
  if (snap.frame_sequence != frame_seen_ && !snap.input_rgb.empty()) {
    input_.upload_rgb(snap.input_rgb);
    frame_seen_ = snap.frame_sequence;
  }
  has_results_ = snap.has_results();
  if (has_results_) {
    grid_.upload(snap.grid_bgr);
    unit_.upload(snap.unit_bgr);
    network_input_.upload_rgb(snap.network_input_rgb);
  }
  has_backward_ = !snap.backward_bgr.empty();
  if (has_backward_) backward_.upload(snap.backward_bgr);
  return true;
}

}  // namespace deepvis::app
