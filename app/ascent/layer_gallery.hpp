#pragma once
// "Optimize every unit of this layer": the units run in batches of K through AscentRun (one batch element per
// unit; a unit in a batch follows the same trajectory as alone, within float tolerance), with progress and ETA
// callbacks and cancellation between steps, and the result exported as an HTML gallery: DIR/index.html,
// DIR/gallery.json and one PNG per unit, every unit under the stable id `model/layer:unit`.
#include "compute/core/net.hpp"
#include "compute/vis/ascent.hpp"
#include "compute/vis/ascent_loop.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace deepvis::app {

// `model/layer:unit`: the model file's stem, the layer's blob name, the channel.
std::string gallery_unit_id(const std::string& model_stem, const std::string& layer, int64_t unit);

struct GalleryUnit {
  int64_t unit = 0;
  std::string id;  // model/layer:unit
  Tensor best_x;   // (C, H, W) pixel space
  double best_obj = 0.0;
  int best_ii = -1;
  std::string meta_result;
  std::string failure;
};

struct GalleryProgress {
  int units_done = 0;  // in finished batches
  int units_total = 0;
  int batch = 0;  // 0-based index of the running batch
  int batches = 0;
  int iteration = 0;  // in the running batch
  int max_iter = 0;
  double elapsed_s = 0.0;
  double eta_s = 0.0;  // from the unit-iterations done so far; 0 before the first step
};

struct LayerGalleryOptions {
  int batch = 8;                                            // K: units per AscentRun
  std::function<void(const GalleryProgress&)> on_progress;  // after every step
  std::function<void(const GalleryUnit&)> on_unit;          // as each unit's batch finishes
  const std::atomic<bool>* cancel = nullptr;                // checked between steps
};

struct LayerGallery {
  std::string model_stem;
  std::string layer;  // the blob name
  vis::PixelSpace space;
  nlohmann::json params;  // as info.json records them, push_units being every unit asked for
  int batch = 0;
  std::vector<GalleryUnit> units;  // in the order asked; only finished batches
  bool cancelled = false;
  double seconds = 0.0;
};

// Every channel of a layer: 0 .. C-1. Throws deepvis::Error naming an unknown layer.
std::vector<int64_t> layer_units(const Net& net, const std::string& layer);

// The gallery one optimizer step at a time, for a caller that interleaves it with other work (the engine's
// scheduler); run_layer_gallery is a loop over step(). Checks as run_layer_gallery; a bad unit throws from the
// first step() of its batch. options.cancel is not read here: the caller stops stepping.
class LayerGalleryRun {
 public:
  LayerGalleryRun(Net& net, const vis::PixelSpace& space, const std::string& model_stem, vis::AscentParams params,
                  std::vector<int64_t> units, LayerGalleryOptions options, const Tensor* start_image = nullptr);
  ~LayerGalleryRun();
  LayerGalleryRun(const LayerGalleryRun&) = delete;
  LayerGalleryRun& operator=(const LayerGalleryRun&) = delete;

  // One step of the running batch (the next batch starts at the step after one ends); false once all are done.
  bool step();
  // The units of finished batches (cancelled when some are missing), with the closing progress callback. Once.
  LayerGallery finish();

 private:
  void end_batch();

  Net& net_;
  vis::AscentParams params_;
  std::vector<int64_t> units_;
  LayerGalleryOptions options_;
  const Tensor* start_image_;
  int k_ = 1;
  LayerGallery gallery_;
  GalleryProgress progress_;
  std::chrono::steady_clock::time_point t0_;
  int next_batch_ = 0;
  std::unique_ptr<vis::AscentLoop> run_;  // the running batch (on the GPU when the net is)
};

// Runs `units` of params.push_layer (a blob or node name) on `net`, K at a time. `start_image` (1, C, H, W,
// network space) for StartAt::Image. Throws deepvis::Error for a bad layer, unit or params.
LayerGallery run_layer_gallery(Net& net, const vis::PixelSpace& space, const std::string& model_stem,
                               vis::AscentParams params, const std::vector<int64_t>& units,
                               const LayerGalleryOptions& options, const Tensor* start_image = nullptr);

// The PNG of a unit, relative to the gallery folder: <layer, file-safe>_unitNNNN.png.
std::string gallery_png_name(const std::string& layer, int64_t unit);

// Writes DIR/index.html, DIR/gallery.json and a PNG per unit (x + p0, the pixels). Creates DIR. Returns the
// paths written. Throws deepvis::Error naming a file that cannot be written.
std::vector<std::string> export_gallery(const LayerGallery& gallery, const std::string& dir);

// A grid of the units' images, each scaled up by a whole factor to at least `min_tile` pixels, for the GUI.
struct GalleryAtlas {
  cv::Mat rgb;
  int tile = 0;  // pixels per cell side, gap excluded
  int gap = 2;
  int cols = 0;
};
GalleryAtlas make_gallery_atlas(const LayerGallery& gallery, int min_tile = 64);

// `deepvis optimize --gallery DIR`: runs the gallery with a progress line and ETA on stderr (when
// `show_progress`), exports it, and prints a summary (JSON with `json`). Returns the exit code.
int run_gallery_command(Net& net, const vis::PixelSpace& space, const std::string& model_stem,
                        const vis::AscentParams& params, const std::vector<int64_t>& units, int batch,
                        const std::string& dir, bool show_progress, bool json, const Tensor* start_image);

}  // namespace deepvis::app
