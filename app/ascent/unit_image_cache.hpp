#pragma once
// The per-unit pane's optimized image: computed on demand as a job of the engine (a Net of its own over the
// engine's model, on the same backend) and cached on disk, so a unit seen once is shown at once the
// next time, in this session or a later one.
//
// Cache key. The model is keyed by a hash of its file's bytes, not by path + size + mtime: a model moved, copied
// or fetched again keeps its images, and a model rewritten in place with the same size within the clock's
// granularity cannot be served stale images. Hashing costs one read of the file per model (tens of ms for the
// 30 MB showcase model) on the runner's thread, memoized by path + size + mtime. Besides the model, the key holds
// the layer, the unit, the preprocessing's pixel space (a card change alters the result without touching the
// model), the backend (CPU and CUDA agree only within float tolerance) and the parameters' canonical JSON: the
// params as info.json records them, with what cannot change the result left out (the other units of a batch,
// the seed when nothing random runs, an inactive blur, a direction's file name: its values count instead, a
// start image's path: its bytes count instead). The key is stored in the file too and checked on reading, so
// a hash collision or a file from another format version is recomputed, never shown.
#include "app/session/job_runner.hpp"
#include "app/session/model_loader.hpp"
#include "compute/core/tensor.hpp"
#include "compute/model/device_choice.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/receptive_field.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace deepvis::app {

// Bump when the optimizer's loop changes what a given key computes: every older file is then ignored.
constexpr int kUnitCacheVersion = 1;

// $XDG_CACHE_HOME/deepvis/units, else ~/.cache/deepvis/units; empty when neither is known (nothing is cached).
std::string default_unit_cache_dir();

// FNV-1a 64 over bytes, continuing from `hash`.
uint64_t fnv1a64(const void* data, size_t size, uint64_t hash = 0xcbf29ce484222325ull);
std::string hex64(uint64_t value);
// 16 hex digits of the file's content hash (FNV-1a 64 of its bytes). Throws deepvis::Error naming the file.
std::string file_content_hash(const std::string& path);

// The parameters that change one unit's image, as canonical JSON (nlohmann sorts keys, doubles round-trip).
// `start_image_hash` is the start image's content hash, used when params.start_at is Image.
nlohmann::json unit_key_params(const vis::AscentParams& params, const std::string& start_image_hash = "");

struct UnitImageKey {
  std::string model_stem;  // for the file name only: readable folders
  std::string layer;
  int64_t unit = 0;
  nlohmann::json canonical;  // everything that identifies the result, stored in the file and compared on read
  std::string hash;          // 16 hex digits of canonical's dump

  // <stem>-<model hash>/<layer, file-safe>/unit<NNNN>-<hash>.dvunit
  std::string relative_path() const;
};

UnitImageKey make_unit_image_key(const std::string& model_stem, const std::string& model_hash, const std::string& layer,
                                 int64_t unit, const vis::AscentParams& params, const vis::PixelSpace& space,
                                 const std::string& backend, const std::string& start_image_hash = "");

// One unit's result as the pane shows it and the cache stores it.
struct UnitImage {
  std::string id;                      // model/layer:unit
  Tensor best_x;                       // (C, H, W) pixel space
  cv::Mat pixels_rgb;                  // x + p0 as 8-bit RGB (what the pane draws)
  std::optional<vis::ImageCrop> crop;  // a conv unit's receptive field in it (not stored: the model says it)
  double best_obj = 0.0;
  int best_ii = -1;
  std::string meta_result;
  std::string failure;
  bool from_disk = false;
  std::string file;  // the cache file ("" when nothing is cached)
};

// The file format: "DVUNIT1\n", a little-endian uint64 header length, the header JSON ({key, dims, results}),
// the floats of best_x, and an FNV-1a 64 of everything before it. Writes go to a temporary file renamed over
// the target, so a reader never sees half a file.
void write_unit_cache_file(const std::string& path, const UnitImageKey& key, const UnitImage& image);
// The image when the file exists, is whole and holds `key`; else nullopt, with `problem` saying why when the
// file exists but cannot be used (corrupt, truncated, another key).
std::optional<UnitImage> read_unit_cache_file(const std::string& path, const UnitImageKey& key, std::string* problem);

struct UnitImageRequest {
  std::string model_path;
  DeviceChoice device;  // the window passes the engine's
  std::string layer;
  int64_t unit = 0;
  vis::AscentParams params;  // push_layer and push_units are set from layer and unit
};

enum class UnitImageState { Idle, Loading, Computing, Ready, Failed };

struct UnitImageStatus {
  UnitImageState state = UnitImageState::Idle;
  uint64_t request = 0;  // of the latest request
  std::string id;        // model/layer:unit of the latest request
  int iteration = 0;     // while computing
  int total = 0;
  std::shared_ptr<const UnitImage> image;  // when Ready
  std::string error;                       // when Failed
  std::string note;                        // e.g. a corrupt cache file recomputed, or a cache write that failed
};

// A job of the engine's scheduler (JobRunner): each slice serves a new request from disk or steps its run for
// about a UI frame, so the live frame never waits long for it and a superseded request stops within one slice.
class UnitImageCache final : public Job {
 public:
  // On a runner of its own (tests). `models`: where models come from (null: a cache of its own).
  explicit UnitImageCache(std::string cache_dir = default_unit_cache_dir(), std::shared_ptr<ModelCache> models = {});
  // As a job of `runner` (the engine's), over its models.
  UnitImageCache(JobRunner& runner, std::string cache_dir);
  ~UnitImageCache() override;
  UnitImageCache(const UnitImageCache&) = delete;
  UnitImageCache& operator=(const UnitImageCache&) = delete;

  // Asks for a unit's image. A request equal to the latest one does nothing (so callers may ask every frame);
  // any other supersedes it: a computation in progress stops at its next step. Returns the latest request's id.
  uint64_t request(const UnitImageRequest& request);
  // Drops the latest request (a computation in progress stops); the state becomes Idle.
  void cancel();
  UnitImageStatus status() const;
  // Waits until the latest request is Ready or Failed; false on timeout. For tests and scripts.
  bool wait(std::chrono::milliseconds timeout) const;

  uint64_t runs_started() const { return runs_started_; }  // optimizations begun (not served from disk)
  uint64_t runs_completed() const { return runs_completed_; }
  const std::string& cache_dir() const { return cache_dir_; }

  bool ready() override;
  void run_slice() override;

 private:
  struct Worker;
  struct Active;
  static constexpr double kSliceBudget = 1.0 / 60.0;  // stepping per slice: about one UI frame
  UnitImageCache(std::unique_ptr<JobRunner> own, JobRunner* runner, std::string cache_dir);
  void start(const UnitImageRequest& request, uint64_t id);
  void step_for(double budget_s);
  void finish();
  void fail(uint64_t id, const std::string& message);
  bool superseded(uint64_t id) const { return latest_ != id; }
  void publish(uint64_t id, const std::function<void(UnitImageStatus&)>& change);

  std::string cache_dir_;
  std::unique_ptr<JobRunner> own_runner_;  // when it runs alone
  JobRunner& runner_;
  std::unique_ptr<Worker> worker_;  // the model session, used by the runner's thread only
  std::unique_ptr<Active> active_;  // the request being computed; runner's thread only
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  UnitImageStatus status_;
  std::string latest_signature_;
  std::optional<std::pair<UnitImageRequest, uint64_t>> pending_;
  std::atomic<uint64_t> latest_{0};
  std::atomic<uint64_t> runs_started_{0};
  std::atomic<uint64_t> runs_completed_{0};
};

}  // namespace deepvis::app
