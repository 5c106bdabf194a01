#include "render/cuda/device_grid_texture.hpp"

#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"

#include <algorithm>

namespace deepvis::render {

namespace {

constexpr const char* kWhere = "GPU grid texture";

}  // namespace

DeviceGridTexture::DeviceGridTexture() {
  cuda::CudaContext::instance();  // the device the engine computes on, current on this thread too
  // Non-blocking: no implicit ordering with the legacy default stream, which nothing here uses.
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamCreateWithFlags, &stream_, cudaStreamNonBlocking);
  try {
    atlas_ = std::make_unique<cuda::DeviceGridAtlas>();
    atlas_->use_stream(stream_);
  } catch (...) {
    cudaStreamDestroy(stream_);
    throw;
  }
}

DeviceGridTexture::~DeviceGridTexture() {
  // The texture goes first (its unregister must not race kernels still writing it), then the stream.
  if (stream_ != nullptr) cudaStreamSynchronize(stream_);
  texture_.reset();
  atlas_.reset();
  cudaStreamDestroy(stream_);
}

const GridLayout& DeviceGridTexture::draw(const cuda::DeviceLayerCopy& layer, const GridOptions& options,
                                          Colormap map) {
  atlas_->set_options(options);
  if (map != atlas_->colormap()) atlas_->set_colormap(map);
  const GridLayout layout = atlas_->layout_of(layer.values());
  if (!texture_ || texture_->width() < layout.width || texture_->height() < layout.height) {
    // Grow, never shrink: going back to a smaller layer reuses the registered texture.
    const int w = std::max(layout.width, width());
    const int h = std::max(layout.height, height());
    if (texture_) DEEPVIS_CUDA_CALL(kWhere, cudaStreamSynchronize, stream_);
    texture_.reset();
    texture_ = std::make_unique<CudaGlTexture>(w, h);
    ++textures_made_;
  }
  layer.wait_ready(stream_);
  const int target_width = texture_->width();
  const int target_height = texture_->height();
  texture_->write_surface(
      [&](cudaSurfaceObject_t surface) {
        cuda::AtlasTarget target;
        target.surface = surface;
        target.width = target_width;
        target.height = target_height;
        atlas_->build(layer.values(), 0, target);
      },
      stream_);
  layer.mark_read(stream_);
  return atlas_->layout();
}

}  // namespace deepvis::render
