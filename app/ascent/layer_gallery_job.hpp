#pragma once
// The GUI's "optimize every unit of this layer": run_layer_gallery on a thread and a Net of its own (loaded from
// the model file on the backend kind the engine picks), publishing progress, ETA and the units done so far as a
// grid image after every batch. Starting another job or cancelling stops the running one between steps.
#include "app/ascent/layer_gallery.hpp"
#include "compute/model/device_choice.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace deepvis::app {

enum class GalleryState { Idle, Loading, Running, Done, Cancelled, Failed };

struct LayerGalleryStatus {
  GalleryState state = GalleryState::Idle;
  std::string model_stem;
  std::string layer;
  GalleryProgress progress;
  std::shared_ptr<const LayerGallery> gallery;  // the units of finished batches
  std::shared_ptr<const GalleryAtlas> atlas;    // their images as one grid (RGB)
  uint64_t version = 0;                         // bumps whenever gallery and atlas change
  std::string error;
};

class LayerGalleryJob {
 public:
  LayerGalleryJob() = default;
  ~LayerGalleryJob();
  LayerGalleryJob(const LayerGalleryJob&) = delete;
  LayerGalleryJob& operator=(const LayerGalleryJob&) = delete;

  // Every unit of `layer`, `batch` at a time; params.push_layer and push_units are set here.
  void start(const std::string& model_path, const DeviceChoice& device, const std::string& layer,
             const vis::AscentParams& params, int batch);
  void cancel();  // waits for the thread to stop (at most one step)
  LayerGalleryStatus status() const;
  // Exports what is there (a cancelled job's finished batches too). Throws deepvis::Error naming what failed.
  std::vector<std::string> export_to(const std::string& dir) const;

 private:
  void run(std::string model_path, DeviceChoice device, std::string layer, vis::AscentParams params, int batch);
  void set(const std::function<void(LayerGalleryStatus&)>& change);

  mutable std::mutex mutex_;
  LayerGalleryStatus status_;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace deepvis::app
