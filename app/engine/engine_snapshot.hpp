#pragma once
// What the engine publishes after each frame: everything the panels show, in buffers of its own. A snapshot is
// immutable once published (std::shared_ptr<const EngineSnapshot>), so the UI reads it without locks while the
// engine already computes the next one.
#include "app/engine/engine_settings.hpp"
#include "compute/core/tensor.hpp"
#include "compute/model/device_choice.hpp"
#include "compute/vis/activation_grid.hpp"

#include <opencv2/core/mat.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deepvis::cuda {
class DeviceLayerCopy;  // compute/vis/cuda/device_layer_ring.hpp; only builds with CUDA make one
}

namespace deepvis::app {

struct LayerInfo {
  std::string name;  // blob name
  Dims dims;         // (1, C, H, W) or (1, C)
  std::string op;    // the producing node's op, e.g. "Conv"
};

// Facts about the loaded model, shared by every snapshot made with it.
struct ModelInfo {
  uint64_t generation = 0;  // 1, 2, ... per successful load: tells one load from the next
  std::string path;
  std::string stem;               // file name without extension: the `model` of `model/layer:unit`
  std::string name;               // the card's display name, else the stem
  std::string backend;            // where it computes: "cpu" or "cuda"
  bool tf32 = false;              // TF32 allowed on the GPU (--tf32); the window's other jobs follow both
  std::vector<LayerInfo> layers;  // node outputs that can be drawn as a grid, in graph order
  std::string default_layer;
  std::string output;                // the blob the top-5 is read from
  CropMode crop = CropMode::Center;  // the model's own crop mode (its card, or the command line's --crop)
  Dims input_dims;

  DeviceChoice device_choice() const { return {backend, tf32}; }
  // Index of a layer in `layers`, -1 when absent.
  int find_layer(const std::string& layer) const;
};

struct Prediction {
  int64_t index = 0;
  float value = 0.0f;        // the output's own value
  float probability = 0.0f;  // softmax over the output
  std::string label;         // from the card; "" when it has none
};

// Milliseconds per stage of the last frame.
struct StageTimes {
  double capture = 0.0;  // on the capture thread: reading the frame from its source
  double preprocess = 0.0;
  double forward = 0.0;
  double backward = 0.0;
  double grid = 0.0;
  double total = 0.0;
};

struct EngineSnapshot {
  uint64_t sequence = 0;          // 1, 2, ... per published snapshot
  uint64_t commands_applied = 0;  // commands carried out before it was made

  // The frame it was computed from (the input panel shows this one, so it always matches the results).
  cv::Mat input_rgb;
  std::string input_name;
  uint64_t frame_sequence = 0;                          // 0: no frame yet
  std::chrono::steady_clock::time_point captured_at{};  // when the capture thread began reading the frame
  // Where the network's input was cropped from, in input_rgb's pixels (compute/image/crop_box.hpp); empty (zero
  // size) when no frame was computed.
  cv::Rect2d input_crop;

  std::shared_ptr<const ModelInfo> model;  // null: no model loaded
  EngineSettings settings;                 // as applied: layer resolved, unit clamped
  int layer_index = -1;                    // of settings.layer in model->layers

  Tensor activations;  // the selected layer's values for this frame, a private copy
  GridLayout layout;   // of the atlas
  std::vector<GridRange> ranges;
  cv::Mat grid_bgr;  // the atlas through the colormap (CV_8UC3); empty when device_layer is set
  cv::Mat unit_bgr;  // the selected unit's tile, same colours; empty when device_layer is set
  // The GPU path (UseDeviceGrid on a CUDA net): the selected layer in device memory, for the UI thread to draw
  // the atlas from straight into a texture. `activations`, `layout` and `ranges` are filled either way.
  std::shared_ptr<const cuda::DeviceLayerCopy> device_layer;
  cv::Mat network_input_rgb;  // what the network saw, mapped back to pixels
  Tensor backward_input;      // the input-space signal of the backward view; empty when off
  cv::Mat backward_bgr;       // its display image; empty when off
  std::vector<Prediction> top5;

  StageTimes times;
  double engine_fps = 0.0;  // frames computed per second, smoothed
  std::string error;        // the last error (bad layer, failed load, failed frame); "" when none
  uint64_t error_count = 0;

  bool has_results() const { return model != nullptr && (!grid_bgr.empty() || device_layer != nullptr); }
};

}  // namespace deepvis::app
