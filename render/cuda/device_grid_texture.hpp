#pragma once
// The live grid's GPU path on the UI thread: the atlas of a layer the engine copied in device memory
// (compute/vis/cuda/device_layer_ring.hpp), drawn by CUDA kernels straight into a GL texture, with no host copy. The
// texture is registered with CUDA once and reused; only a larger atlas (another layer) makes a larger one. The
// work runs on a stream of its own, ordered after the engine's copy by an event, so drawing the grid never queues
// behind the engine's next frame. Needs a current GL context that CUDA can share (cuda_gl_problem() == ""), which
// must outlive it. Every failure throws deepvis::Error naming the step.
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"
#include "compute/vis/cuda/device_layer_ring.hpp"
#include "compute/vis/cuda/grid_atlas.hpp"
#include "render/cuda/cuda_gl_texture.hpp"

#include <cuda_runtime.h>

#include <memory>

namespace deepvis::render {

class DeviceGridTexture {
 public:
  DeviceGridTexture();
  ~DeviceGridTexture();
  DeviceGridTexture(const DeviceGridTexture&) = delete;
  DeviceGridTexture& operator=(const DeviceGridTexture&) = delete;

  // Draws batch element 0 of `layer` into the texture's top-left, as ActivationGrid::build + colorize would, and
  // returns the layout. GL commands issued after it see the new texels.
  const GridLayout& draw(const cuda::DeviceLayerCopy& layer, const GridOptions& options, Colormap map);

  unsigned texture() const { return texture_ ? texture_->texture() : 0u; }
  // The texture's size, at least the last atlas's (the part outside it is stale).
  int width() const { return texture_ ? texture_->width() : 0; }
  int height() const { return texture_ ? texture_->height() : 0; }
  cudaStream_t stream() const { return stream_; }
  // GL textures made (and registered with CUDA) so far: 1 for any run of layers no larger than the first.
  int textures_made() const { return textures_made_; }

 private:
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<cuda::DeviceGridAtlas> atlas_;
  std::unique_ptr<CudaGlTexture> texture_;
  int textures_made_ = 0;
};

}  // namespace deepvis::render
