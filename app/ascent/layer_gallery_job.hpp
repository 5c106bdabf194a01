#pragma once
// The GUI's "optimize every unit of this layer": a LayerGalleryRun as a job of the engine, on a Net of its own
// over the engine's model, publishing progress, ETA and the units done so far as a
// grid image after every batch. Starting another job or cancelling stops the running one between steps.
#include "app/ascent/layer_gallery.hpp"
#include "app/session/job_runner.hpp"
#include "app/session/model_loader.hpp"
#include "compute/model/device_choice.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

// A job of the engine's scheduler (JobRunner): each slice steps the gallery for about a UI frame.
class LayerGalleryJob final : public Job {
 public:
  // On a runner of its own. `models`: where models come from (null: a cache of its own).
  explicit LayerGalleryJob(std::shared_ptr<ModelCache> models = {});
  // As a job of `runner` (the engine's), over its models.
  explicit LayerGalleryJob(JobRunner& runner);
  ~LayerGalleryJob() override;
  LayerGalleryJob(const LayerGalleryJob&) = delete;
  LayerGalleryJob& operator=(const LayerGalleryJob&) = delete;

  // Every unit of `layer`, `batch` at a time; params.push_layer and push_units are set here.
  void start(const std::string& model_path, const DeviceChoice& device, const std::string& layer,
             const vis::AscentParams& params, int batch);
  // Stops the job at its next slice (a gallery not begun at once); the state then becomes Cancelled.
  void cancel();
  LayerGalleryStatus status() const;
  // Exports what is there (a cancelled job's finished batches too). Throws deepvis::Error naming what failed.
  std::vector<std::string> export_to(const std::string& dir) const;

  bool ready() override;
  void run_slice() override;

 private:
  struct Request {
    std::string model_path;
    DeviceChoice device;
    std::string layer;
    vis::AscentParams params;
    int batch = 1;
  };
  struct Active;
  static constexpr double kSliceBudget = 1.0 / 60.0;  // stepping per slice: about one UI frame
  LayerGalleryJob(std::unique_ptr<JobRunner> own, JobRunner* runner);
  void begin(const Request& request);
  void step_for(double budget_s);
  void end(bool publish);
  void fail(const std::string& message);
  void set(const std::function<void(LayerGalleryStatus&)>& change);

  std::unique_ptr<JobRunner> own_runner_;  // when it runs alone
  JobRunner& runner_;
  std::unique_ptr<Active> active_;  // the running gallery; runner's thread only
  mutable std::mutex mutex_;
  LayerGalleryStatus status_;
  std::optional<Request> pending_;
  std::atomic<bool> cancel_{false};  // stop the running gallery at the next slice
};

}  // namespace deepvis::app
