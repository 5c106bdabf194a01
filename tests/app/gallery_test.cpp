// The per-unit pane's disk cache and the whole-layer gallery (issue 8): the cache key follows exactly the
// parameters that change a unit's image, a second request is served from disk bit for bit, a corrupt file is
// recomputed, a newer request supersedes an older one; a batched layer job equals per-unit runs; the HTML export
// lists every unit under its stable id, and the CLI writes the same gallery.
#include "app/ascent/layer_gallery.hpp"
#include "app/ascent/unit_image_cache.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/vis/ascent_report.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using deepvis::Tensor;
using deepvis::test::TempDir;
namespace app = deepvis::app;
namespace vis = deepvis::vis;
namespace fs = std::filesystem;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
constexpr std::chrono::seconds kWait{120};

vis::AscentParams quick_params(int iterations) {
  vis::AscentParams p = vis::preset(4);  // the preset that succeeds on this model (docs/optimizer.md)
  p.max_iter = iterations;
  return p;
}

app::LoadedModel load(int batch = 1) {
  app::ModelFlags flags;
  flags.model = kModel;
  return app::load_net(flags, batch);
}

// The oracle: AscentRun alone on a Net of its own, one unit.
Tensor direct_run(const std::string& layer, int64_t unit, vis::AscentParams p) {
  app::LoadedModel s = load();
  p.push_layer = layer;
  p.push_units = {unit};
  vis::AscentRun run(*s.net, p, vis::pixel_space(s.preprocess, s.net->input_dims().at(1)));
  while (run.step()) {
  }
  return run.record(0).best_x;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dims() == b.dims() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * sizeof(float)) == 0;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.dims() == b.dims());
  double worst = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) worst = std::max(worst, std::abs(static_cast<double>(a.at(i) - b.at(i))));
  return worst;
}

double max_abs(const Tensor& a) {
  double m = 0.0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(a.at(i))));
  return m;
}

app::UnitImageRequest request_for(int64_t unit, int iterations) {
  app::UnitImageRequest r;
  r.model_path = kModel;
  r.device.device = "cpu";
  r.layer = "logits";
  r.unit = unit;
  r.params = quick_params(iterations);
  return r;
}

std::shared_ptr<const app::UnitImage> wait_ready(app::UnitImageCache& cache) {
  REQUIRE(cache.wait(kWait));
  const app::UnitImageStatus s = cache.status();
  REQUIRE_MESSAGE(s.state == app::UnitImageState::Ready, s.error);
  REQUIRE(s.image != nullptr);
  return s.image;
}

std::string only_cache_file(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  REQUIRE(files.size() == 1);
  return files.front();
}

}  // namespace

TEST_CASE("gallery: FNV-1a 64 matches its published test vectors") {
  CHECK(app::fnv1a64("", 0) == 0xcbf29ce484222325ull);
  CHECK(app::fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
  CHECK(app::fnv1a64("foobar", 6) == 0x85944171f73967e8ull);
  CHECK(app::hex64(0xaf63dc4c8601ec8cull) == "af63dc4c8601ec8c");
}

TEST_CASE("gallery: the cache folder follows XDG_CACHE_HOME, else HOME/.cache") {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "";
  const char* old_home = std::getenv("HOME");
  const std::string saved_home = old_home ? old_home : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  CHECK(app::default_unit_cache_dir() == "/tmp/xdg-test/deepvis/units");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/someone", 1);
  CHECK(app::default_unit_cache_dir() == "/home/someone/.cache/deepvis/units");
  if (old_xdg) setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  if (old_home) setenv("HOME", saved_home.c_str(), 1);
}

TEST_CASE("gallery: the cache key changes with every parameter that matters and with no other") {
  vis::PixelSpace space;
  space.gain = {2.8f};
  space.offset = {72.9f};
  vis::AscentParams base = quick_params(100);
  base.push_layer = "logits";
  base.push_units = {3};
  auto key = [&](const vis::AscentParams& p, const vis::PixelSpace& s = {}, const std::string& model = "m1",
                 const std::string& layer = "logits", int64_t unit = 3, const std::string& backend = "cpu",
                 const std::string& start_hash = "") {
    return app::make_unit_image_key("fashion_mnist", model, layer, unit, p, s.gain.empty() ? space : s, backend,
                                    start_hash)
        .hash;
  };
  const std::string base_key = key(base);
  CHECK(base_key.size() == 16);
  CHECK(key(base) == base_key);  // stable

  using Change = std::function<void(vis::AscentParams&)>;
  const std::vector<std::pair<const char*, Change>> matters = {
      {"decay", [](vis::AscentParams& p) { p.decay = 0.01; }},
      {"blur radius", [](vis::AscentParams& p) { p.blur_radius = 1.0; }},
      {"blur every", [](vis::AscentParams& p) { p.blur_every = 3; }},
      {"small val", [](vis::AscentParams& p) { p.small_val_percentile = 10; }},
      {"small norm", [](vis::AscentParams& p) { p.small_norm_percentile = 10; }},
      {"px benefit", [](vis::AscentParams& p) { p.px_benefit_percentile = 10; }},
      {"px abs benefit", [](vis::AscentParams& p) { p.px_abs_benefit_percentile = 50; }},
      {"lr policy", [](vis::AscentParams& p) { p.lr_policy = vis::LrPolicy::Progress01; }},
      {"max lr", [](vis::AscentParams& p) { p.max_lr = 5; }},
      {"desired prog", [](vis::AscentParams& p) { p.desired_prog = 1.5; }},
      {"max iter", [](vis::AscentParams& p) { p.max_iter = 101; }},
      {"push dir", [](vis::AscentParams& p) { p.push_dir = -1; }},
      {"start at", [](vis::AscentParams& p) { p.start_at = vis::StartAt::Randu; }},
      {"seed", [](vis::AscentParams& p) { p.seed = 7; }},
      {"position", [](vis::AscentParams& p) { p.push_y = 1, p.push_x = 2; }},
      {"objective", [](vis::AscentParams& p) { p.objective = vis::ObjectiveKind::Channel; }},
      {"jitter", [](vis::AscentParams& p) { p.jitter = 1; }},
      {"pad", [](vis::AscentParams& p) { p.pad = 1; }},
      {"scale", [](vis::AscentParams& p) { p.scale_max = 1.1; }},
      {"rotate", [](vis::AscentParams& p) { p.rotate_deg = 5; }},
      {"param", [](vis::AscentParams& p) { p.param = vis::ParamKind::Fft; }},
      {"optimizer", [](vis::AscentParams& p) { p.optimizer = vis::OptimizerKind::Adam; }},
      {"direction",
       [](vis::AscentParams& p) {
         p.direction = {1.0f, 0.0f};
       }},
  };
  std::set<std::string> seen = {base_key};
  for (const auto& [name, change] : matters) {
    vis::AscentParams p = base;
    change(p);
    const std::string k = key(p);
    CHECK_MESSAGE(seen.insert(k).second, name, " did not change the key");
  }
  // What is not a parameter of the loop but still changes the image.
  vis::PixelSpace other_gain = space;
  other_gain.gain = {1.0f};
  vis::PixelSpace other_offset = space;
  other_offset.offset = {0.0f};
  vis::PixelSpace bgr = space;
  bgr.bgr = true;
  for (const std::string& k :
       {key(base, other_gain), key(base, other_offset), key(base, bgr), key(base, {}, "m2"), key(base, {}, "m1", "fc1"),
        key(base, {}, "m1", "logits", 4), key(base, {}, "m1", "logits", 3, "cuda")}) {
    CHECK(seen.insert(k).second);
  }
  vis::AscentParams from_image = base;
  from_image.start_at = vis::StartAt::Image;
  CHECK(key(from_image, {}, "m1", "logits", 3, "cpu", "aaaa") != key(from_image, {}, "m1", "logits", 3, "cpu", "bbbb"));
  vis::AscentParams adam = base;
  adam.optimizer = vis::OptimizerKind::Adam;
  vis::AscentParams adam_beta = adam;
  adam_beta.beta1 = 0.8;
  CHECK(key(adam) != key(adam_beta));

  // And what does not change it.
  const std::vector<std::pair<const char*, Change>> irrelevant = {
      {"other units of the batch",
       [](vis::AscentParams& p) {
         p.push_units = {3, 5, 9};
       }},
      {"lr of another policy", [](vis::AscentParams& p) { p.lr = 123; }},
      {"diversity weight without diversity", [](vis::AscentParams& p) { p.diversity_weight = 5; }},
      {"adam betas with sgd", [](vis::AscentParams& p) { p.beta1 = 0.5; }},
      {"start image path when not the start", [](vis::AscentParams& p) { p.start_image = "x.png"; }},
      {"direction file name", [](vis::AscentParams& p) { p.direction_file = "d.npy"; }},
  };
  for (const auto& [name, change] : irrelevant) {
    vis::AscentParams p = base;
    change(p);
    CHECK_MESSAGE(key(p) == base_key, name, " changed the key");
  }
  // The seed with nothing random; the blur radius while the blur never runs.
  vis::AscentParams mean_start = base;
  mean_start.start_at = vis::StartAt::Mean;
  vis::AscentParams mean_other_seed = mean_start;
  mean_other_seed.seed = 99;
  CHECK(key(mean_start) == key(mean_other_seed));
  mean_other_seed.jitter = 1;  // transforms draw from the seed
  vis::AscentParams jitter_seed0 = mean_start;
  jitter_seed0.jitter = 1;
  CHECK(key(mean_other_seed) != key(jitter_seed0));
  vis::AscentParams no_blur = base;
  no_blur.blur_every = 0;
  vis::AscentParams no_blur_radius = no_blur;
  no_blur_radius.blur_radius = 3.0;
  CHECK(key(no_blur) == key(no_blur_radius));
  // The direction counts by its values, not its file name.
  vis::AscentParams d1 = base;
  d1.direction = {1.0f, 2.0f};
  d1.direction_file = "a.npy";
  vis::AscentParams d2 = d1;
  d2.direction_file = "b.npy";
  vis::AscentParams d3 = d1;
  d3.direction = {1.0f, 2.5f};
  CHECK(key(d1) == key(d2));
  CHECK(key(d1) != key(d3));
}

TEST_CASE("gallery: a unit is computed once, then served from disk bit for bit") {
  TempDir dir;
  const std::string cache_dir = dir.path("cache");
  const app::UnitImageRequest r = request_for(3, 20);
  std::shared_ptr<const app::UnitImage> first;
  {
    app::UnitImageCache cache(cache_dir);
    cache.request(r);
    first = wait_ready(cache);
    CHECK(cache.runs_started() == 1);
    CHECK(cache.runs_completed() == 1);
    CHECK_FALSE(first->from_disk);
    CHECK(first->id == "fashion_mnist/logits:3");
    CHECK(cache.status().iteration == 20);
    CHECK(cache.status().total == 20);
    CHECK(cache.request(r) == cache.status().request);  // the same request again: nothing new
    CHECK(cache.runs_started() == 1);
  }
  // The oracle: the same run done directly.
  CHECK(same_bits(first->best_x, direct_run("logits", 3, r.params)));
  CHECK(first->pixels_rgb.rows == 28);
  CHECK(first->pixels_rgb.cols == 28);
  CHECK_FALSE(first->crop.has_value());  // a logit sees the whole image

  // A new cache (as a later session) on the same folder: no run, the same bits.
  app::UnitImageCache again(cache_dir);
  again.request(r);
  const auto second = wait_ready(again);
  CHECK(again.runs_started() == 0);
  CHECK(second->from_disk);
  CHECK(same_bits(second->best_x, first->best_x));
  CHECK(second->best_obj == first->best_obj);
  CHECK(second->best_ii == first->best_ii);
  CHECK(second->meta_result == first->meta_result);
  CHECK(cv::norm(second->pixels_rgb, first->pixels_rgb, cv::NORM_INF) == 0.0);

  // Another unit is computed; going back to unit 3 is served from disk again. The node name of the layer
  // resolves to the same blob, so it is the same key.
  again.request(request_for(4, 20));
  wait_ready(again);
  CHECK(again.runs_started() == 1);
  again.request(r);
  CHECK(wait_ready(again)->from_disk);
  CHECK(again.runs_started() == 1);
  app::UnitImageRequest by_node = request_for(1, 20);
  by_node.layer = "/conv2/Conv";
  again.request(by_node);
  const auto conv_unit = wait_ready(again);
  CHECK_FALSE(conv_unit->from_disk);
  REQUIRE(conv_unit->crop.has_value());  // a conv unit's receptive field, for the pane's cropped view
  CHECK(conv_unit->crop->height < 28);
  app::UnitImageRequest by_blob = by_node;
  by_blob.layer = "/bn2/BatchNormalization_output_0";
  again.request(by_blob);
  const auto served = wait_ready(again);
  CHECK(served->from_disk);
  REQUIRE(served->crop.has_value());  // served from disk, the field comes from the model
  CHECK(served->crop->height == conv_unit->crop->height);
  CHECK(again.runs_started() == 2);
  // A parameter that matters is a new computation.
  app::UnitImageRequest longer = r;
  longer.params.max_iter = 21;
  again.request(longer);
  CHECK_FALSE(wait_ready(again)->from_disk);
  CHECK(again.runs_started() == 3);
}

TEST_CASE("gallery: a corrupt, truncated or foreign cache file is recomputed and rewritten") {
  TempDir dir;
  const std::string cache_dir = dir.path("cache");
  const app::UnitImageRequest r = request_for(2, 15);
  std::shared_ptr<const app::UnitImage> original;
  {
    app::UnitImageCache cache(cache_dir);
    cache.request(r);
    original = wait_ready(cache);
  }
  const std::string file = only_cache_file(cache_dir);
  CHECK(fs::path(file).extension() == ".dvunit");

  auto damage_and_check = [&](const std::function<void(std::string&)>& damage, const char* what) {
    std::string bytes;
    {
      std::ifstream in(file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    damage(bytes);
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << bytes;
    }
    app::UnitImageCache cache(cache_dir);
    cache.request(r);
    const auto image = wait_ready(cache);
    CHECK_MESSAGE(cache.runs_started() == 1, what);
    CHECK_MESSAGE(!image->from_disk, what);
    CHECK_MESSAGE(cache.status().note.find(what) != std::string::npos, cache.status().note);
    CHECK(same_bits(image->best_x, original->best_x));
    // Rewritten whole: the next cache reads it.
    app::UnitImageCache next(cache_dir);
    next.request(r);
    CHECK(wait_ready(next)->from_disk);
    CHECK(next.runs_started() == 0);
  };
  damage_and_check([](std::string& b) { b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x40); }, "corrupt");
  damage_and_check([](std::string& b) { b.resize(b.size() - 100); }, "corrupt");
  damage_and_check([](std::string& b) { b = "not a cache file at all, but long enough to be read"; },
                   "not a deepvis unit cache file");
  CHECK(only_cache_file(cache_dir) == file);  // no temporary files left behind
}

TEST_CASE("gallery: a newer request supersedes one in progress, whose progress is readable") {
  TempDir dir;
  app::UnitImageCache cache(dir.path("cache"));
  cache.request(request_for(0, 100000));  // would take minutes
  bool saw_progress = false;
  for (int i = 0; i < 6000 && !saw_progress; ++i) {
    const app::UnitImageStatus s = cache.status();
    saw_progress = s.state == app::UnitImageState::Computing && s.iteration > 0 && s.total == 100000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(saw_progress);
  const uint64_t id = cache.request(request_for(1, 10));
  const auto image = wait_ready(cache);
  CHECK(cache.status().request == id);
  CHECK(image->id == "fashion_mnist/logits:1");
  CHECK(cache.runs_started() == 2);
  CHECK(cache.runs_completed() == 1);  // the long one stopped
  CHECK(same_bits(image->best_x, direct_run("logits", 1, quick_params(10))));
  cache.cancel();
  CHECK(cache.status().state == app::UnitImageState::Idle);
}

TEST_CASE("gallery: a bad layer or unit fails with a message naming it") {
  TempDir dir;
  app::UnitImageCache cache(dir.path("cache"));
  app::UnitImageRequest r = request_for(0, 5);
  r.layer = "nolayer";
  cache.request(r);
  REQUIRE(cache.wait(kWait));
  CHECK(cache.status().state == app::UnitImageState::Failed);
  CHECK(cache.status().error.find("nolayer") != std::string::npos);
  r = request_for(10, 5);  // logits has 10 units
  cache.request(r);
  REQUIRE(cache.wait(kWait));
  CHECK(cache.status().state == app::UnitImageState::Failed);
  CHECK(cache.status().error.find("10") != std::string::npos);
}

TEST_CASE("gallery: a batched layer job equals per-unit runs, with progress, ETA and cancel") {
  app::LoadedModel s = load();
  const vis::PixelSpace space = vis::pixel_space(s.preprocess, s.net->input_dims().at(1));
  vis::AscentParams p = quick_params(12);
  p.push_layer = "/conv2/Conv";  // 32 channels of 14 x 14: a node name, resolved to its blob
  const std::vector<int64_t> units = {0, 5, 9, 17, 30};
  app::LayerGalleryOptions options;
  options.batch = 2;
  std::vector<app::GalleryProgress> seen;
  int unit_calls = 0;
  options.on_progress = [&](const app::GalleryProgress& g) { seen.push_back(g); };
  options.on_unit = [&](const app::GalleryUnit&) { ++unit_calls; };
  const app::LayerGallery g = app::run_layer_gallery(*s.net, space, "fashion_mnist", p, units, options);
  REQUIRE(g.units.size() == units.size());
  CHECK_FALSE(g.cancelled);
  CHECK(unit_calls == 5);
  CHECK(g.layer == "/bn2/BatchNormalization_output_0");
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front().batches == 3);
  CHECK(seen.front().eta_s > 0.0);
  CHECK(seen.back().units_done == 5);
  CHECK(seen.back().eta_s == 0.0);
  for (size_t i = 0; i < units.size(); ++i) {
    const app::GalleryUnit& u = g.units[i];
    CHECK(u.unit == units[i]);
    CHECK(u.id == "fashion_mnist//bn2/BatchNormalization_output_0:" + std::to_string(units[i]));
    const Tensor alone = direct_run("/conv2/Conv", units[i], quick_params(12));
    const double diff = max_abs_diff(u.best_x, alone);
    MESSAGE("unit " << units[i] << ": batched vs alone max |diff| " << diff << " of max |x| " << max_abs(alone));
    CHECK(diff <= 1e-3 * std::max(1.0, max_abs(alone)));
  }
  // A different unit's image differs: the comparison above can fail.
  CHECK(max_abs_diff(g.units[0].best_x, g.units[1].best_x) > 1.0);

  // Cancel after the first batch: only whole batches are kept.
  std::atomic<bool> cancel{false};
  app::LayerGalleryOptions stop = options;
  stop.cancel = &cancel;
  stop.on_progress = nullptr;
  stop.on_unit = [&](const app::GalleryUnit&) { cancel = true; };
  const app::LayerGallery partial = app::run_layer_gallery(*s.net, space, "fashion_mnist", p, units, stop);
  CHECK(partial.cancelled);
  CHECK(partial.units.size() == 2);
}

TEST_CASE("gallery: the HTML export lists every unit under its stable id, and the PNGs are the images") {
  app::LoadedModel s = load();
  const vis::PixelSpace space = vis::pixel_space(s.preprocess, s.net->input_dims().at(1));
  vis::AscentParams p = quick_params(6);
  p.push_layer = "logits";
  app::LayerGalleryOptions options;
  options.batch = 4;
  const auto units = app::layer_units(*s.net, "logits");
  REQUIRE(units.size() == 10);
  const app::LayerGallery g = app::run_layer_gallery(*s.net, space, "fashion_mnist", p, units, options);
  TempDir dir;
  const std::string out = dir.path("gallery");
  const auto files = app::export_gallery(g, out);
  CHECK(files.size() == 12);

  std::ifstream json_in(out + "/gallery.json");
  const nlohmann::json j = nlohmann::json::parse(json_in);
  CHECK(j["model"] == "fashion_mnist");
  CHECK(j["layer"] == "logits");
  CHECK(j["batch"] == 4);
  REQUIRE(j["units"].size() == 10);
  std::ifstream html_in(out + "/index.html");
  const std::string html((std::istreambuf_iterator<char>(html_in)), std::istreambuf_iterator<char>());
  for (int i = 0; i < 10; ++i) {
    const auto& u = j["units"][static_cast<size_t>(i)];
    const std::string id = "fashion_mnist/logits:" + std::to_string(i);
    CHECK(u["id"] == id);
    CHECK(u["unit"] == i);
    const std::string png = u["png"].get<std::string>();
    CHECK(html.find("id=\"" + id + "\"") != std::string::npos);
    CHECK(html.find("src=\"" + png + "\"") != std::string::npos);
    const cv::Mat image = cv::imread(out + "/" + png, cv::IMREAD_UNCHANGED);
    REQUIRE_FALSE(image.empty());
    CHECK(image.rows == 28);
    CHECK(image.cols == 28);
    // The pixels: x + p0 rounded into 0..255 (the one channel of a gray model, in every colour).
    const Tensor& x = g.units[static_cast<size_t>(i)].best_x;
    int wrong = 0;
    for (int y = 0; y < 28; ++y) {
      for (int xx = 0; xx < 28; ++xx) {
        const double v = std::clamp(static_cast<double>(x.at(y * 28 + xx)) + space.offset[0], 0.0, 255.0);
        const int expected = static_cast<int>(std::lround(v));
        const int got = image.channels() == 1 ? image.at<uint8_t>(y, xx) : image.at<cv::Vec3b>(y, xx)[1];
        if (std::abs(got - expected) > 0) ++wrong;
      }
    }
    CHECK(wrong == 0);
  }
}

TEST_CASE("gallery: deepvis optimize --all-units --gallery writes the gallery with progress and ETA") {
  TempDir dir;
  const std::string out = dir.path("g");
  const auto r = deepvis::test::run_process({deepvis::test::deepvis_binary(), "optimize", "--model", kModel, "--layer",
                                             "logits", "--all-units", "--preset", "4", "--max-iter", "8", "--gallery",
                                             out, "--gallery-batch", "3", "--progress"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("ETA") != std::string::npos);
  CHECK(r.output.find("units 10/10") != std::string::npos);
  std::ifstream json_in(out + "/gallery.json");
  const nlohmann::json j = nlohmann::json::parse(json_in);
  REQUIRE(j["units"].size() == 10);
  CHECK(j["batch"] == 3);
  CHECK(fs::exists(out + "/index.html"));
  // Unit 7 of the batched CLI gallery against the CLI's single-unit run.
  const auto one =
      deepvis::test::run_process({deepvis::test::deepvis_binary(), "optimize", "--model", kModel, "--layer", "logits",
                                  "--unit", "7", "--preset", "4", "--max-iter", "8", "--out", dir.path("one")});
  REQUIRE_MESSAGE(one.exit_code == 0, one.output);
  const cv::Mat batched = cv::imread(out + "/" + j["units"][7]["png"].get<std::string>(), cv::IMREAD_GRAYSCALE);
  const cv::Mat alone = cv::imread(dir.path("one_best_Xpm.png"), cv::IMREAD_GRAYSCALE);
  REQUIRE_FALSE(batched.empty());
  REQUIRE(batched.size() == alone.size());
  CHECK(cv::norm(batched, alone, cv::NORM_INF) <= 1.0);
  // Usage errors exit 2 with a reason.
  const auto both = deepvis::test::run_process({deepvis::test::deepvis_binary(), "optimize", "--model", kModel,
                                                "--layer", "logits", "--all-units", "--unit", "1", "--gallery", out});
  CHECK(both.exit_code == 2);
  CHECK(both.output.find("--all-units") != std::string::npos);
  const auto no_out = deepvis::test::run_process(
      {deepvis::test::deepvis_binary(), "optimize", "--model", kModel, "--layer", "logits", "--unit", "1"});
  CHECK(no_out.exit_code == 2);
  CHECK(no_out.output.find("--out") != std::string::npos);
}
