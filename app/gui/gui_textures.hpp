#pragma once
// The engine snapshot's images as GL textures, uploaded on the main thread when a new snapshot arrives: the input
// frame and what the network saw through GlTexture (RGB), the grid atlas, the selected unit and the backward view
// through PboUploaders (BGR, streamed every frame). Needs a current GL context, which must outlive it.
#include "app/engine/engine_snapshot.hpp"
#include "render/gl_texture.hpp"
#include "render/pbo_uploader.hpp"

#include <cstdint>

namespace deepvis::app {

class GuiTextures {
 public:
  GuiTextures() = default;

  // Uploads whatever changed since the last call (nothing when the snapshot is the same one). Returns whether
  // it uploaded anything.
  bool update(const EngineSnapshot& snapshot);

  const render::GlTexture& input() const { return input_; }
  unsigned network_input() const { return has_results_ ? network_input_.id() : 0u; }
  unsigned grid() const { return has_results_ ? grid_.texture() : 0u; }
  unsigned unit() const { return has_results_ ? unit_.texture() : 0u; }
  unsigned backward() const { return has_backward_ ? backward_.texture() : 0u; }

 private:
  render::GlTexture input_;
  render::GlTexture network_input_;
  render::PboUploader grid_;
  render::PboUploader unit_;
  render::PboUploader backward_;
  uint64_t frame_seen_ = 0;
  uint64_t snapshot_seen_ = 0;
  bool has_results_ = false;
  bool has_backward_ = false;
};

}  // namespace deepvis::app
