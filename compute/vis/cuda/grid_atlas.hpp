#pragma once
// The activation grid atlas built on the GPU: the same tiles, normalization and colours as the CPU's
// ActivationGrid::build + colorize (compute/vis/activation_grid.hpp), from activations already in device memory,
// written as RGBA8 (R, G, B, 255; gaps and empty cells the background gray) either through a CUDA surface (a
// cudaArray, e.g. a GL texture mapped by render/cuda/cuda_gl_texture.hpp) or into pitched rows of device memory.
// No GL here. Everything is enqueued on CudaContext's stream, or on the one use_stream() names (the UI thread's own,
// so the grid never queues behind the engine's next frame); nothing synchronizes unless it says so.
#include "compute/core/tensor.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"
#include "compute/vis/cuda/grid_atlas_launch.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace deepvis::cuda {

class DeviceGridAtlas {
 public:
  explicit DeviceGridAtlas(const GridOptions& options = {}, Colormap map = Colormap::Gray);

  void set_options(const GridOptions& options);  // validates (throws deepvis::Error naming the bad field)
  const GridOptions& options() const { return options_; }
  void set_colormap(Colormap map);  // uploads the map's 256 colours
  Colormap colormap() const { return colormap_; }
  // Enqueue on `stream` (of CudaContext's device) from now on. The caller orders it after whatever wrote the blob.
  void use_stream(cudaStream_t stream) { stream_ = stream; }

  // The layout a build of this blob gets: make_grid_layout's rules and errors, for (N,C,H,W), (N,C,1,1) or (N,C).
  GridLayout layout_of(const Tensor& blob) const;

  // Enqueues the ranges (one reduction per channel, then one over the layer) and one thread per atlas pixel.
  // `blob` must be on the device. Throws deepvis::Error on a bad blob, a batch index out of range, a target
  // smaller than the atlas or a failed launch. Buffers are kept: a rebuild with the same channel count allocates
  // nothing.
  const GridLayout& build(const Tensor& blob, int batch_index, const AtlasTarget& target);

  const GridLayout& layout() const { return layout_; }
  // The range each channel was mapped with in the last build (all equal unless PerTile), copied to the host:
  // synchronizes the stream.
  std::vector<GridRange> ranges() const;

 private:
  GridOptions options_;
  Colormap colormap_ = Colormap::Gray;
  GridLayout layout_;
  GridOptions built_options_;     // the options of the last build, which ranges() describes
  std::shared_ptr<void> table_;   // 256 Rgba8 on the device
  std::shared_ptr<void> ranges_;  // AtlasRange per channel, then one for the layer
  std::size_t ranges_capacity_ = 0;
  cudaStream_t stream_ = nullptr;  // set to CudaContext's in the constructor
};

// Builds the AtlasGeometry of a layout.
AtlasGeometry atlas_geometry(const GridLayout& layout);

// The 256 colours of a map as RGBA8 (the table holds BGR).
std::vector<Rgba8> atlas_colors(Colormap map);

}  // namespace deepvis::cuda
