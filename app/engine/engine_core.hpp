#pragma once
// The engine's work for one frame, without the thread: owns the model (Net, card, preprocessing), applies
// commands, and turns a frame into an EngineSnapshot: preprocess, forward, the selected unit's backward view, the
// selected layer's grid atlas, top-5. EngineThread runs it on its own thread; tests call it directly.
#include "app/capture/frame.hpp"
#include "app/engine/engine_command.hpp"
#include "app/engine/engine_snapshot.hpp"
#include "app/session/model_loader.hpp"
#include "compute/image/face_tracker.hpp"
#include "compute/vis/activation_grid.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <string>

namespace deepvis::cuda {
class DeviceLayerRing;
}

namespace deepvis::app {

class EngineCore {
 public:
  // `model_options`: how models are loaded (device, TF32, threads, preprocessing overrides); its `path` is ignored,
  // LoadModel names the file. `quiet`: the device note ("no usable GPU ...; using the CPU") is not printed.
  // `models`: where models come from, shared with the window's other jobs (null: a cache of its own).
  explicit EngineCore(ModelOptions model_options = {}, bool quiet = false, std::shared_ptr<ModelCache> models = {});
  ~EngineCore();
  EngineCore(const EngineCore&) = delete;
  EngineCore& operator=(const EngineCore&) = delete;

  // Carries out one command. LoadModel imports the model here (slow). Failures (a model that does not load, an
  // unknown layer, a bad fixed range) never throw: they become the error of the next snapshots and the previous
  // state stays.
  void apply(const EngineCommand& command);

  // Computes the current settings on `frame` and returns the snapshot. An empty frame (none captured yet) or no
  // model gives a snapshot without results. Never throws: a failing frame keeps only the error.
  std::shared_ptr<EngineSnapshot> process(const Frame& frame);

  // Whether failures are also printed on stderr as they happen (the GUI's terminal log); off for the subcommands
  // that report them themselves.
  void set_echo_errors(bool echo) { echo_errors_ = echo; }

  const EngineSettings& settings() const { return settings_; }
  const std::shared_ptr<const ModelInfo>& model() const { return model_; }
  uint64_t commands_applied() const { return commands_applied_; }

 private:
  void load_model(const std::string& path);
  void select_layer(const std::string& name);
  void fail(const std::string& message);
  void compute(const Frame& frame, EngineSnapshot& snap);
  // The parts of compute(): the frame as the model's input (with the crop box it came from), the selected unit's
  // backward view, the layer's grid, and the engine's frame rate.
  Tensor preprocess_frame(const Frame& frame, EngineSnapshot& snap);
  void compute_backward_view(const Tensor& activation, EngineSnapshot& snap);
  void compute_grid(const Tensor& activation, bool device_grid, EngineSnapshot& snap);
  void count_frame();
  std::shared_ptr<const cuda::DeviceLayerCopy> copy_on_device(const Tensor& device_blob);

  ModelOptions model_options_;
  bool quiet_ = false;
  std::shared_ptr<ModelCache> models_;
  std::unique_ptr<LoadedModel> session_;
  std::shared_ptr<const ModelInfo> model_;
  bool output_is_softmax_ = false;
  int blob_ = -1;    // the selected layer's blob id
  int output_ = -1;  // the top-5 blob id
  EngineSettings settings_;
  ActivationGrid grid_;
  Gradients gradients_;
  Tensor seed_;
  FaceTracker face_tracker_;                             // the face crop, followed from frame to frame
  uint64_t face_sequence_ = 0;                           // of the frame face_tracker_ saw last
  bool device_grid_ = false;                             // UseDeviceGrid
  std::shared_ptr<cuda::DeviceLayerRing> layer_copies_;  // made on the first device-grid frame (shared_ptr: the
                                                         // type is incomplete in builds without CUDA)

  uint64_t generation_ = 0;
  uint64_t sequence_ = 0;
  uint64_t commands_applied_ = 0;
  std::string error_;
  uint64_t error_count_ = 0;
  double fps_ = 0.0;
  bool echo_errors_ = true;
  std::deque<std::chrono::steady_clock::time_point> frame_times_;  // of the last few frames, for fps_
};

}  // namespace deepvis::app
