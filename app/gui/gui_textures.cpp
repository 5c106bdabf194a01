#include "app/gui/gui_textures.hpp"

#include "compute/core/error.hpp"

#ifdef DEEPVIS_HAVE_CUDA_GL
#include "render/cuda/device_grid_texture.hpp"
#else
namespace deepvis::render {
// Never made without CUDA-GL interop; complete only so that the unique_ptr member can be destroyed.
class DeviceGridTexture {};
}  // namespace deepvis::render
#endif

#include <cstdlib>
#include <exception>

namespace deepvis::app {

TextureRegion texture_region(const cv::Rect& rect, int texture_width, int texture_height) {
  if (texture_width <= 0 || texture_height <= 0) return {};
  const auto w = static_cast<float>(texture_width);
  const auto h = static_cast<float>(texture_height);
  return {static_cast<float>(rect.x) / w, static_cast<float>(rect.y) / h, static_cast<float>(rect.x + rect.width) / w,
          static_cast<float>(rect.y + rect.height) / h};
}

GuiTextures::GuiTextures() = default;
GuiTextures::~GuiTextures() = default;

std::string GuiTextures::device_grid_problem() {
  if (const char* choice = std::getenv("DEEPVIS_GRID_TEXTURE"); choice && std::string(choice) == "host") {
    return "DEEPVIS_GRID_TEXTURE=host";
  }
#ifdef DEEPVIS_HAVE_CUDA_GL
  return render::gl_vendor_problem();
#else
  return "this build has no CUDA-GL interop";
#endif
}

std::string GuiTextures::take_device_grid_failure() {
  std::string out;
  out.swap(device_failure_);
  return out;
}

unsigned GuiTextures::device_texture() const {
#ifdef DEEPVIS_HAVE_CUDA_GL
  if (device_) return device_->texture();
#endif
  return 0u;
}

unsigned GuiTextures::grid() const {
  if (!has_results_) return 0u;
  return on_device_ ? device_texture() : grid_.texture();
}

unsigned GuiTextures::unit() const {
  if (!has_results_) return 0u;
  return on_device_ ? device_texture() : unit_.texture();
}

bool GuiTextures::draw_on_device(const EngineSnapshot& snap) {
#ifdef DEEPVIS_HAVE_CUDA_GL
  if (device_failed_) return false;
  try {
    if (!device_) {
      if (const std::string why = render::cuda_gl_problem(); !why.empty()) throw Error(why);
      device_ = std::make_unique<render::DeviceGridTexture>();
    }
    const GridLayout& layout = device_->draw(*snap.device_layer, snap.settings.grid, snap.settings.colormap);
    grid_region_ = texture_region(cv::Rect(0, 0, layout.width, layout.height), device_->width(), device_->height());
    unit_region_ = texture_region(layout.tile(snap.settings.unit), device_->width(), device_->height());
    return true;
  } catch (const std::exception& e) {
    // Once failed, stay on the host path: a broken interop would fail the same way every frame.
    device_failed_ = true;
    device_.reset();
    device_failure_ = std::string("the GPU grid texture failed, drawing the grid on the host from now on: ") + e.what();
    return false;
  }
#else
  (void)snap;
  return false;
#endif
}

bool GuiTextures::update(const EngineSnapshot& snap) {
  if (snap.sequence == snapshot_seen_) return false;
  snapshot_seen_ = snap.sequence;
  if (snap.frame_sequence != frame_seen_ && !snap.input_rgb.empty()) {
    input_.upload_rgb(snap.input_rgb);
    frame_seen_ = snap.frame_sequence;
  }
  has_results_ = snap.has_results();
  on_device_ = false;
  if (has_results_ && snap.device_layer) {
    on_device_ = draw_on_device(snap);
    has_results_ = on_device_;  // no host atlas in this snapshot: nothing to show until the next one
  } else if (has_results_) {
    grid_.upload(snap.grid_bgr);
    unit_.upload(snap.unit_bgr);
    grid_region_ = {};
    unit_region_ = {};
  }
  if (has_results_) network_input_.upload_rgb(snap.network_input_rgb);
  has_backward_ = !snap.backward_bgr.empty();
  if (has_backward_) backward_.upload(snap.backward_bgr);
  return true;
}

}  // namespace deepvis::app
