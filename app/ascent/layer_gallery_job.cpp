#include "app/ascent/layer_gallery_job.hpp"

#include "compute/core/error.hpp"
#include "app/session/model_loader.hpp"

#include <filesystem>

namespace deepvis::app {

LayerGalleryJob::~LayerGalleryJob() {
  cancel();
}

void LayerGalleryJob::set(const std::function<void(LayerGalleryStatus&)>& change) {
  std::lock_guard<std::mutex> lock(mutex_);
  change(status_);
}

void LayerGalleryJob::start(const std::string& model_path, const DeviceChoice& device, const std::string& layer,
                            const vis::AscentParams& params, int batch) {
  cancel();
  cancel_ = false;
  set([&](LayerGalleryStatus& s) {
    const uint64_t version = s.version + 1;
    s = LayerGalleryStatus{};
    s.state = GalleryState::Loading;
    s.model_stem = std::filesystem::path(model_path).stem().string();
    s.layer = layer;
    s.version = version;
  });
  thread_ = std::thread([=] { run(model_path, device, layer, params, batch); });
}

void LayerGalleryJob::cancel() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

LayerGalleryStatus LayerGalleryJob::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

std::vector<std::string> LayerGalleryJob::export_to(const std::string& dir) const {
  const std::shared_ptr<const LayerGallery> gallery = status().gallery;
  if (!gallery || gallery->units.empty()) throw Error("the gallery has no units yet");
  return export_gallery(*gallery, dir);
}

void LayerGalleryJob::run(std::string model_path, DeviceChoice device, std::string layer, vis::AscentParams params,
                          int batch) {
  try {
    ModelOptions model_options;
    model_options.path = model_path;
    model_options.device = device;
    model_options.batch = 1;
    LoadedModel session = load_model(model_options);
    const vis::PixelSpace space = vis::pixel_space(session.preprocess, session.net->input_dims().at(1));
    params.push_layer = layer;
    const std::vector<int64_t> units = layer_units(*session.net, layer);
    const std::string stem = std::filesystem::path(model_path).stem().string();
    set([&](LayerGalleryStatus& s) {
      s.state = GalleryState::Running;
      s.progress.units_total = static_cast<int>(units.size());
    });

    // The units so far, republished with a new grid image when a batch completes.
    LayerGallery partial;
    partial.model_stem = stem;
    partial.space = space;
    partial.batch = batch;
    LayerGalleryOptions options;
    options.batch = batch;
    options.cancel = &cancel_;
    options.on_progress = [&](const GalleryProgress& p) { set([&](LayerGalleryStatus& s) { s.progress = p; }); };
    options.on_unit = [&](const GalleryUnit& u) {
      partial.units.push_back(u);
      const size_t n = partial.units.size();
      if (n % static_cast<size_t>(std::max(1, batch)) != 0 && n != units.size()) return;
      auto snapshot = std::make_shared<LayerGallery>(partial);
      auto atlas = std::make_shared<GalleryAtlas>(make_gallery_atlas(*snapshot));
      set([&](LayerGalleryStatus& s) {
        s.gallery = std::move(snapshot);
        s.atlas = std::move(atlas);
        ++s.version;
      });
    };
    LayerGallery done = run_layer_gallery(*session.net, space, stem, params, units, options);
    auto final_gallery = std::make_shared<LayerGallery>(std::move(done));
    auto atlas = std::make_shared<GalleryAtlas>(make_gallery_atlas(*final_gallery));
    set([&](LayerGalleryStatus& s) {
      s.layer = final_gallery->layer;
      s.state = final_gallery->cancelled ? GalleryState::Cancelled : GalleryState::Done;
      s.gallery = std::move(final_gallery);
      s.atlas = std::move(atlas);
      ++s.version;
    });
  } catch (const std::exception& e) {
    const std::string message = e.what();
    set([&](LayerGalleryStatus& s) {
      s.state = GalleryState::Failed;
      s.error = message;
    });
  }
}

}  // namespace deepvis::app
