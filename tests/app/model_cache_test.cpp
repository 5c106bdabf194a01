// One model per file and device for every job of the window (issue 17): the ModelCache imports a file once while
// a job holds it, every job gets a Net of its own over the same weights, and a rewritten file is imported anew.
#include "app/ascent/ascent_worker.hpp"
#include "app/ascent/layer_gallery_job.hpp"
#include "app/ascent/unit_image_cache.hpp"
#include "app/engine/engine_thread.hpp"
#include "app/session/model_loader.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

using namespace deepvis;
using namespace deepvis::app;
namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

ModelOptions cpu_options(const std::string& path, int batch = 1) {
  ModelOptions o;
  o.path = path;
  o.device.device = "cpu";
  o.batch = batch;
  return o;
}

int first_constant(const Net& net) {
  for (size_t b = 0; b < net.graph().blobs.size(); ++b) {
    if (net.graph().blobs[b].constant && net.graph().blobs[b].value.numel() > 100) return static_cast<int>(b);
  }
  return -1;
}

}  // namespace

TEST_CASE("model cache: jobs of one model share its weights once and each computes on a Net of its own") {
  ModelCache cache;
  LoadedModel live = cache.load(cpu_options(kModel));
  LoadedModel optimizer = cache.load(cpu_options(kModel, 3));  // another job, another batch
  CHECK(cache.imports() == 1);
  REQUIRE(live.shared);
  CHECK(live.shared == optimizer.shared);
  CHECK(live.net.get() != optimizer.net.get());
  CHECK(optimizer.net->batch() == 3);
  CHECK(live.card.has_value() == optimizer.card.has_value());
  const int w = first_constant(*live.net);
  REQUIRE(w >= 0);
  CHECK(live.net->blob(w).data() == optimizer.net->blob(w).data());  // the weights are in memory once

  // Own activations: a forward in one job leaves the other's values alone, and each matches a model loaded alone.
  LoadedModel alone = load_model(cpu_options(kModel));
  CHECK(alone.shared != live.shared);
  const int out = live.net->graph().outputs.front();
  const Tensor x1 = test::random_tensor(live.net->input_dims(), 1u, 0.0f, 1.0f);
  const Tensor x2 = test::random_tensor(live.net->input_dims(), 2u, 0.0f, 1.0f);
  live.net->forward(x1);
  const Tensor y1 = live.net->blob(out).clone();
  LoadedModel third = cache.load(cpu_options(kModel));
  third.net->forward(x2);
  CHECK(test::max_relative_error(live.net->blob(out), y1) == 0.0);
  alone.net->forward(x1);
  CHECK(test::max_relative_error(y1, alone.net->blob(out)) == 0.0);
  alone.net->forward(x2);
  CHECK(test::max_relative_error(third.net->blob(out), alone.net->blob(out)) == 0.0);
  CHECK(test::max_relative_error(y1, third.net->blob(out)) > 1e-6);
}

TEST_CASE("model cache: a model nobody holds is let go, and a rewritten file or another device imports anew") {
  const fs::path dir = fs::temp_directory_path() / ("deepvis_model_cache_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path copy = dir / "model.onnx";
  fs::copy_file(kModel, copy, fs::copy_options::overwrite_existing);
  ModelCache cache;
  {
    LoadedModel first = cache.load(cpu_options(copy.string()));
    LoadedModel second = cache.load(cpu_options(copy.string()));
    CHECK(cache.imports() == 1);
  }
  LoadedModel again = cache.load(cpu_options(copy.string()));
  CHECK(cache.imports() == 2);  // both jobs had let go: nothing was held

  // The same file rewritten (another modification time): the held import is stale.
  fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
  LoadedModel rewritten = cache.load(cpu_options(copy.string()));
  CHECK(cache.imports() == 3);
  CHECK(rewritten.shared != again.shared);

  ModelOptions other_device = cpu_options(copy.string());
  other_device.device.device = "auto";
  LoadedModel elsewhere = cache.load(other_device);
  CHECK(cache.imports() == 4);
  CHECK(elsewhere.shared != rewritten.shared);
  fs::remove_all(dir);
}

TEST_CASE("model cache: a bad model is a ModelError each time and caches nothing") {
  ModelCache cache;
  const std::string missing = std::string(DEEPVIS_SOURCE_DIR) + "/no/such/model.onnx";
  CHECK_THROWS_AS(cache.load(cpu_options(missing)), ModelError);
  CHECK_THROWS_AS(cache.load(cpu_options(missing)), ModelError);
  CHECK(cache.imports() == 0);
}

TEST_CASE("model cache: the engine's live frame, optimizer, per-unit and gallery jobs share one import") {
  LatestFrameSlot slot;
  EngineThread engine(slot);
  engine.post(LoadModel{kModel});
  AscentWorker optimizer(engine.runner());
  optimizer.post(LoadAscentModel{kModel, {}});
  UnitImageCache units(engine.runner(), "");
  UnitImageRequest request;
  request.model_path = kModel;
  request.layer = "/relu2/Relu_output_0";
  request.unit = 1;
  request.params = vis::preset(4);
  request.params.max_iter = 5;
  units.request(request);
  LayerGalleryJob gallery(engine.runner());
  vis::AscentParams gallery_params = vis::preset(4);
  gallery_params.max_iter = 3;
  gallery.start(kModel, {}, "/relu2/Relu_output_0", gallery_params, 16);

  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto done = [&] {
    return engine.latest()->model && !optimizer.latest()->model_stem.empty() &&
           units.status().state == UnitImageState::Ready && gallery.status().state == GalleryState::Done;
  };
  while (!done() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO("optimizer: " << optimizer.latest()->error << "; units: " << units.status().error
                     << "; gallery: " << gallery.status().error);
  REQUIRE(done());
  CHECK(engine.models()->imports() == 1);  // four jobs, one model in memory
  CHECK(gallery.status().gallery->units.size() == 32);
  CHECK(engine.runner().slices(kGalleryPriority) > 0);
}
