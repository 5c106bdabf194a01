#include "app/ascent/layer_gallery_job.hpp"

#include "compute/core/error.hpp"

#include <filesystem>

namespace deepvis::app {

// The gallery being computed, kept between slices.
struct LayerGalleryJob::Active {
  LoadedModel session;
  LayerGallery partial;  // the units so far, republished with a new grid image when a batch completes
  size_t units_total = 0;
  int batch = 1;
  std::unique_ptr<LayerGalleryRun> run;
};

LayerGalleryJob::LayerGalleryJob(std::shared_ptr<ModelCache> models)
    : LayerGalleryJob(std::make_unique<JobRunner>(0, std::move(models)), nullptr) {}

LayerGalleryJob::LayerGalleryJob(JobRunner& runner) : LayerGalleryJob(nullptr, &runner) {}

LayerGalleryJob::LayerGalleryJob(std::unique_ptr<JobRunner> own, JobRunner* runner)
    : own_runner_(std::move(own)), runner_(runner ? *runner : *own_runner_) {
  runner_.add(*this, kGalleryPriority);
}

LayerGalleryJob::~LayerGalleryJob() {
  runner_.remove(*this);
}

void LayerGalleryJob::set(const std::function<void(LayerGalleryStatus&)>& change) {
  std::lock_guard<std::mutex> lock(mutex_);
  change(status_);
}

void LayerGalleryJob::start(const std::string& model_path, const DeviceChoice& device, const std::string& layer,
                            const vis::AscentParams& params, int batch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t version = status_.version + 1;
    status_ = LayerGalleryStatus{};
    status_.state = GalleryState::Loading;
    status_.model_stem = std::filesystem::path(model_path).stem().string();
    status_.layer = layer;
    status_.version = version;
    pending_ = Request{model_path, device, layer, params, batch};  // a running gallery ends first
  }
  runner_.wake();
}

void LayerGalleryJob::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_) {  // not begun: nothing to stop
      pending_.reset();
      status_.state = GalleryState::Cancelled;
    }
    cancel_ = true;
  }
  runner_.wake();
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

bool LayerGalleryJob::ready() {
  if (active_) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.has_value();
}

void LayerGalleryJob::run_slice() {
  std::optional<Request> request;
  bool stop = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    request.swap(pending_);
    stop = cancel_.exchange(false);
  }
  // A cancel or a new start ends the running gallery; a superseded one's result is not published.
  if (active_ && (stop || request)) end(!request);
  if (request) {
    begin(*request);
  } else if (active_) {
    step_for(kSliceBudget);
  }
}

void LayerGalleryJob::begin(const Request& request) {
  try {
    ModelOptions model_options;
    model_options.path = request.model_path;
    model_options.device = request.device;
    model_options.batch = 1;
    auto active = std::make_unique<Active>();
    active->session = runner_.models()->load(model_options);
    Net& net = *active->session.net;
    const vis::PixelSpace space = vis::pixel_space(active->session.preprocess, net.input_dims().at(1));
    vis::AscentParams params = request.params;
    params.push_layer = request.layer;
    const std::vector<int64_t> units = layer_units(net, request.layer);
    const std::string stem = std::filesystem::path(request.model_path).stem().string();
    active->units_total = units.size();
    active->batch = request.batch;
    active->partial.model_stem = stem;
    active->partial.space = space;
    active->partial.batch = request.batch;
    LayerGalleryOptions options;
    options.batch = request.batch;
    options.on_progress = [this](const GalleryProgress& p) { set([&](LayerGalleryStatus& s) { s.progress = p; }); };
    Active* a = active.get();
    options.on_unit = [this, a](const GalleryUnit& u) {
      a->partial.units.push_back(u);
      const size_t n = a->partial.units.size();
      if (n % static_cast<size_t>(std::max(1, a->batch)) != 0 && n != a->units_total) return;
      auto snapshot = std::make_shared<LayerGallery>(a->partial);
      auto atlas = std::make_shared<GalleryAtlas>(make_gallery_atlas(*snapshot));
      set([&](LayerGalleryStatus& s) {
        s.gallery = std::move(snapshot);
        s.atlas = std::move(atlas);
        ++s.version;
      });
    };
    active->run = std::make_unique<LayerGalleryRun>(net, space, stem, params, units, std::move(options));
    set([&](LayerGalleryStatus& s) {
      s.state = GalleryState::Running;
      s.progress.units_total = static_cast<int>(units.size());
    });
    active_ = std::move(active);
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

void LayerGalleryJob::step_for(double budget_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(budget_s);
  try {
    do {
      if (!active_->run->step()) {
        end(true);
        return;
      }
    } while (std::chrono::steady_clock::now() < until && !cancel_);
  } catch (const std::exception& e) {
    active_.reset();
    fail(e.what());
  }
}

void LayerGalleryJob::end(bool publish) {
  const std::unique_ptr<Active> a = std::move(active_);
  if (!publish) return;
  auto final_gallery = std::make_shared<LayerGallery>(a->run->finish());
  auto atlas = std::make_shared<GalleryAtlas>(make_gallery_atlas(*final_gallery));
  set([&](LayerGalleryStatus& s) {
    s.layer = final_gallery->layer;
    s.state = final_gallery->cancelled ? GalleryState::Cancelled : GalleryState::Done;
    s.gallery = std::move(final_gallery);
    s.atlas = std::move(atlas);
    ++s.version;
  });
}

void LayerGalleryJob::fail(const std::string& message) {
  set([&](LayerGalleryStatus& s) {
    s.state = GalleryState::Failed;
    s.error = message;
  });
}

}  // namespace deepvis::app
