#pragma once
// The engine snapshot's images as GL textures, uploaded on the main thread when a new snapshot arrives: the input
// frame and what the network saw through GlTexture (RGB), the backward view through a PboUploader (BGR, streamed
// every frame). The grid atlas and the selected unit take one of two paths:
//  - host: the engine's atlas and unit tile, each uploaded through a PboUploader;
//  - GPU (a snapshot with a device_layer): CUDA kernels draw the atlas from the engine's device copy straight
//    into one registered texture (render/cuda/device_grid_texture.hpp); the unit is its tile's region of it.
// Needs a current GL context, which must outlive it.
#include "app/engine/engine_snapshot.hpp"
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"
#include "render/gl_texture.hpp"
#include "render/pbo_uploader.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace deepvis::render {
class DeviceGridTexture;
}

namespace deepvis::app {

// The part `rect` of a texture of texture_width x texture_height texels, in texture coordinates.
TextureRegion texture_region(const cv::Rect& rect, int texture_width, int texture_height);

class GuiTextures {
 public:
  GuiTextures();
  ~GuiTextures();
  GuiTextures(const GuiTextures&) = delete;
  GuiTextures& operator=(const GuiTextures&) = delete;

  // Whether the GPU grid path may be tried here ("" when it may, else why not): a build with CUDA-GL interop, a
  // GL context on NVIDIA's driver, and DEEPVIS_GRID_TEXTURE not "host". Touches no CUDA.
  static std::string device_grid_problem();

  // Uploads whatever changed since the last call (nothing when the snapshot is the same one). Returns whether
  // it uploaded anything.
  bool update(const EngineSnapshot& snapshot);

  // The GPU path's failure, once: after it, snapshots with a device layer show no grid until the engine is told
  // to go back to host atlases (UseDeviceGrid{false}). "" when nothing failed since the last call.
  std::string take_device_grid_failure();
  bool grid_on_device() const { return on_device_; }

  const render::GlTexture& input() const { return input_; }
  unsigned network_input() const { return has_results_ ? network_input_.id() : 0u; }
  unsigned grid() const;
  unsigned unit() const;
  TextureRegion grid_region() const { return grid_region_; }
  TextureRegion unit_region() const { return unit_region_; }
  unsigned backward() const { return has_backward_ ? backward_.texture() : 0u; }

 private:
  bool draw_on_device(const EngineSnapshot& snap);
  unsigned device_texture() const;  // the GPU path's texture, 0 when there is none

  render::GlTexture input_;
  render::GlTexture network_input_;
  render::PboUploader grid_;
  render::PboUploader unit_;
  render::PboUploader backward_;
  std::unique_ptr<render::DeviceGridTexture> device_;  // the GPU path, made on its first snapshot
  bool device_failed_ = false;
  std::string device_failure_;
  bool on_device_ = false;  // the last results went the GPU path
  TextureRegion grid_region_;
  TextureRegion unit_region_;
  uint64_t frame_seen_ = 0;
  uint64_t snapshot_seen_ = 0;
  bool has_results_ = false;
  bool has_backward_ = false;
};

}  // namespace deepvis::app
