#include "compute/vis/cuda/grid_atlas.hpp"

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"

#include <limits>
#include <string>

namespace deepvis::cuda {

namespace {

constexpr const char* kWhere = "device activation grid";

}  // namespace

AtlasGeometry atlas_geometry(const GridLayout& l) {
  AtlasGeometry g;
  g.channels = l.channels;
  g.cols = l.cols;
  g.map_height = l.map_height;
  g.map_width = l.map_width;
  g.zoom = l.zoom;
  g.tile_height = l.tile_height;
  g.tile_width = l.tile_width;
  g.gap = l.gap;
  g.width = l.width;
  g.height = l.height;
  return g;
}

std::vector<Rgba8> atlas_colors(Colormap map) {
  const cv::Mat& table = colormap_table(map);
  std::vector<Rgba8> colors(256);
  for (int i = 0; i < 256; ++i) {
    const cv::Vec3b bgr = table.at<cv::Vec3b>(0, i);
    colors[static_cast<size_t>(i)] = {bgr[2], bgr[1], bgr[0], 255};
  }
  return colors;
}

DeviceGridAtlas::DeviceGridAtlas(const GridOptions& options, Colormap map) : stream_(CudaContext::instance().stream()) {
  set_options(options);
  table_ = device_alloc(256 * sizeof(Rgba8), "the colormap", kWhere);
  set_colormap(map);
}

void DeviceGridAtlas::set_options(const GridOptions& options) {
  validate(options);
  options_ = options;
}

void DeviceGridAtlas::set_colormap(Colormap map) {
  const std::vector<Rgba8> colors = atlas_colors(map);
  // Synchronous: `colors` is a host buffer that goes away on return, and a colormap changes rarely. On the atlas's
  // own stream, so a build still reading the old table finishes first.
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, table_.get(), colors.data(), colors.size() * sizeof(Rgba8),
                    cudaMemcpyHostToDevice, stream_);
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamSynchronize, stream_);
  colormap_ = map;
}

GridLayout DeviceGridAtlas::layout_of(const Tensor& blob) const {
  if (blob.empty()) throw Error(std::string(kWhere) + ": the blob is empty (no forward yet?)");
  if (blob.rank() != 2 && blob.rank() != 4) {
    throw Error(std::string(kWhere) + ": expects a blob of N x C x H x W or N x C, got " + to_string(blob.dims()));
  }
  const int64_t c = blob.dim(1), h = blob.rank() == 4 ? blob.dim(2) : 1, w = blob.rank() == 4 ? blob.dim(3) : 1;
  constexpr int64_t kMax = std::numeric_limits<int>::max();
  if (c > kMax || h > kMax || w > kMax || c * h * w > kMax) {
    throw Error(std::string(kWhere) + ": blob too large for the atlas kernels: " + to_string(blob.dims()));
  }
  return make_grid_layout(static_cast<int>(c), static_cast<int>(h), static_cast<int>(w), options_);
}

const GridLayout& DeviceGridAtlas::build(const Tensor& blob, int batch_index, const AtlasTarget& target) {
  if (!blob.empty() && blob.device() != Device::Cuda) {
    throw Error(std::string(kWhere) + ": the blob must be in device memory (the CPU path is ActivationGrid)");
  }
  const GridLayout layout = layout_of(blob);
  if (batch_index < 0 || batch_index >= blob.dim(0)) {
    throw Error(std::string(kWhere) + ": batch index " + std::to_string(batch_index) + " out of range for a batch of " +
                std::to_string(blob.dim(0)));
  }
  if (target.width < layout.width || target.height < layout.height) {
    throw Error(std::string(kWhere) + ": the target of " + std::to_string(target.width) + "x" +
                std::to_string(target.height) + " cannot hold the " + std::to_string(layout.width) + "x" +
                std::to_string(layout.height) + " atlas");
  }
  if (target.pixels != nullptr && target.pitch < static_cast<std::size_t>(layout.width) * sizeof(Rgba8)) {
    throw Error(std::string(kWhere) + ": the target's pitch of " + std::to_string(target.pitch) +
                " bytes is shorter than an atlas row");
  }
  const AtlasLaunch launch = atlas_launch(layout.width, layout.height);
  if (launch.grid_y == 0) {
    throw Error(std::string(kWhere) + ": an atlas " + std::to_string(layout.height) + " pixels tall is too tall");
  }
  const size_t needed = static_cast<size_t>(layout.channels) + 1;
  if (ranges_capacity_ < needed) {
    ranges_ = device_alloc(needed * sizeof(AtlasRange), "the grid's ranges", kWhere);
    ranges_capacity_ = needed;
  }
  layout_ = layout;
  built_options_ = options_;

  const int64_t plane = static_cast<int64_t>(layout.map_height) * layout.map_width;
  const float* element = blob.data() + static_cast<int64_t>(batch_index) * layout.channels * plane;
  auto* ranges = static_cast<AtlasRange*>(ranges_.get());
  const cudaStream_t stream = stream_;
  AtlasParams params;
  params.element = element;
  params.table = static_cast<const Rgba8*>(table_.get());
  params.background = {options_.background, options_.background, options_.background, 255};
  if (options_.norm == GridNorm::Fixed) {
    params.range_mode = kAtlasRangeFixed;
    params.fixed = {options_.fixed_lo, options_.fixed_hi};
  } else {
    // The per-channel ranges are needed either way: the layer's range is reduced from them.
    check_cuda(launch_atlas_ranges(element, layout.channels, plane, ranges, stream), "atlas range kernels", kWhere);
    params.range_mode = options_.norm == GridNorm::PerTile ? kAtlasRangePerChannel : kAtlasRangeShared;
    params.ranges = options_.norm == GridNorm::PerTile ? ranges : ranges + layout.channels;
  }
  check_cuda(launch_atlas_pixels(atlas_geometry(layout), params, target, stream), "atlas pixel kernel", kWhere);
  return layout_;
}

std::vector<GridRange> DeviceGridAtlas::ranges() const {
  const auto channels = static_cast<size_t>(layout_.channels);
  std::vector<GridRange> out(channels);
  if (channels == 0) return out;
  const GridOptions& o = built_options_;
  if (o.norm == GridNorm::Fixed) {
    for (GridRange& r : out) r = {o.fixed_lo, o.fixed_hi};
    return out;
  }
  std::vector<AtlasRange> device(channels + 1);
  DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, device.data(), ranges_.get(), device.size() * sizeof(AtlasRange),
                    cudaMemcpyDeviceToHost, stream_);
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamSynchronize, stream_);
  for (size_t c = 0; c < channels; ++c) {
    const AtlasRange r = o.norm == GridNorm::PerTile ? device[c] : device[channels];
    out[c] = {r.lo, r.hi};
  }
  return out;
}

}  // namespace deepvis::cuda
