#include "app/ascent/unit_image_cache.hpp"

#include "app/session/ascent_loop_factory.hpp"
#include "app/session/model_loader.hpp"
#include "compute/core/error.hpp"
#include "compute/io/file_names.hpp"
#include "compute/vis/ascent_report.hpp"
#include "compute/vis/ascent_setup.hpp"

#include <opencv2/imgproc.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace deepvis::app {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'D', 'V', 'U', 'N', 'I', 'T', '1', '\n'};

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffu));
}

uint64_t get_u64(const std::string& in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + static_cast<size_t>(i)])) << (8 * i);
  return v;
}

std::string unit_id(const std::string& stem, const std::string& layer, int64_t unit) {
  return stem + "/" + layer + ":" + std::to_string(unit);
}

cv::Mat pixels_rgb(const Tensor& best_x, const vis::PixelSpace& space) {
  cv::Mat rgb;
  cv::cvtColor(vis::display_xpm(best_x, space, space.bgr), rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace

std::string default_unit_cache_dir() {
  fs::path base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = fs::path(home) / ".cache";
  } else {
    return {};
  }
  return (base / "deepvis" / "units").string();
}

uint64_t fnv1a64(const void* data, size_t size, uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string file_content_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "' to hash it");
  uint64_t hash = 0xcbf29ce484222325ull;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash = fnv1a64(buffer.data(), static_cast<size_t>(in.gcount()), hash);
  }
  if (in.bad()) throw Error("cannot read '" + path + "' to hash it");
  return hex64(hash);
}

nlohmann::json unit_key_params(const vis::AscentParams& p, const std::string& start_image_hash) {
  nlohmann::json j = vis::params_json(p);
  // Other units of a batch, and the layer (keyed on its own), do not change this unit's image.
  j.erase("push_units");
  j.erase("push_layer");
  // The seed draws the random start and the transforms; with neither it is unused.
  const bool random_start = p.start_at == vis::StartAt::MeanPlusRand || p.start_at == vis::StartAt::Randu;
  if (!random_start && !p.transforms_on()) j.erase("rand_seed");
  // Blur runs only when both its radius and its period are set.
  if (!(p.blur_every > 0 && p.blur_radius > 0.0)) {
    j["blur_radius"] = 0.0;
    j["blur_every"] = 0;
  }
  // A direction counts by its values, not by the name of the file it came from.
  j.erase("direction_file");
  j.erase("direction_norm");
  if (!p.direction.empty())
    j["direction_hash"] = hex64(fnv1a64(p.direction.data(), p.direction.size() * sizeof(float)));
  // A start image counts by its bytes, and only when it is the start.
  j.erase("start_image");
  if (p.start_at == vis::StartAt::Image) j["start_image_hash"] = start_image_hash;
  return j;
}

std::string UnitImageKey::relative_path() const {
  char unit_name[64];
  std::snprintf(unit_name, sizeof unit_name, "unit%04lld-", static_cast<long long>(unit));
  return safe_file_name(model_stem) + "-" + canonical.value("model_hash", std::string()) + "/" + safe_file_name(layer) +
         "/" + unit_name + hash + ".dvunit";
}

UnitImageKey make_unit_image_key(const std::string& model_stem, const std::string& model_hash, const std::string& layer,
                                 int64_t unit, const vis::AscentParams& params, const vis::PixelSpace& space,
                                 const std::string& backend, const std::string& start_image_hash) {
  UnitImageKey key;
  key.model_stem = model_stem;
  key.layer = layer;
  key.unit = unit;
  key.canonical = {{"version", kUnitCacheVersion},
                   {"model_hash", model_hash},
                   {"layer", layer},
                   {"unit", unit},
                   {"pixel_space", {{"gain", space.gain}, {"offset", space.offset}, {"bgr", space.bgr}}},
                   {"backend", backend},
                   {"params", unit_key_params(params, start_image_hash)}};
  const std::string text = key.canonical.dump();
  key.hash = hex64(fnv1a64(text.data(), text.size()));
  return key;
}

void write_unit_cache_file(const std::string& path, const UnitImageKey& key, const UnitImage& image) {
  const Tensor& x = image.best_x;
  const nlohmann::json header = {{"key", key.canonical},
                                 {"dims", x.dims()},
                                 {"best_obj", image.best_obj},
                                 {"best_ii", image.best_ii},
                                 {"meta_result", image.meta_result},
                                 {"failure", image.failure}};
  const std::string text = header.dump();
  std::string bytes(kMagic, sizeof kMagic);
  put_u64(bytes, text.size());
  bytes += text;
  bytes.append(reinterpret_cast<const char*>(x.data()), static_cast<size_t>(x.numel()) * sizeof(float));
  put_u64(bytes, fnv1a64(bytes.data(), bytes.size()));

  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw OutputError("cannot create the cache folder of '" + path + "': " + ec.message());
  // A temporary name of this process and thread, renamed over the target: readers see the old file or the new.
  std::ostringstream tmp_name;
  tmp_name << path << ".tmp." << getpid() << "." << std::this_thread::get_id();
  const std::string tmp = tmp_name.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      out.close();
      fs::remove(tmp, ec);
      throw OutputError("cannot write the cache file '" + path + "' (disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw OutputError("cannot write the cache file '" + path + "': rename failed");
  }
}

std::optional<UnitImage> read_unit_cache_file(const std::string& path, const UnitImageKey& key, std::string* problem) {
  auto bad = [&](const std::string& why) -> std::optional<UnitImage> {
    if (problem) *problem = "cache file '" + path + "' " + why;
    return std::nullopt;
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // not cached yet
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < sizeof kMagic + 16 || bytes.compare(0, sizeof kMagic, kMagic, sizeof kMagic) != 0) {
    return bad("is not a deepvis unit cache file");
  }
  const size_t body = bytes.size() - 8;
  if (get_u64(bytes, body) != fnv1a64(bytes.data(), body)) return bad("is corrupt (checksum mismatch)");
  const uint64_t header_size = get_u64(bytes, sizeof kMagic);
  const size_t header_at = sizeof kMagic + 8;
  if (header_size > body - header_at) return bad("is truncated");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.substr(header_at, static_cast<size_t>(header_size)));
    if (header.at("key").dump() != key.canonical.dump()) return bad("holds another key");
    const Dims dims = header.at("dims").get<Dims>();
    Tensor x(dims);
    const size_t data_at = header_at + static_cast<size_t>(header_size);
    if (static_cast<size_t>(x.numel()) * sizeof(float) != body - data_at) return bad("has the wrong image size");
    std::memcpy(x.data(), bytes.data() + data_at, body - data_at);
    UnitImage image;
    image.best_x = std::move(x);
    image.best_obj = header.at("best_obj").get<double>();
    image.best_ii = header.at("best_ii").get<int>();
    image.meta_result = header.at("meta_result").get<std::string>();
    image.failure = header.at("failure").get<std::string>();
    image.from_disk = true;
    image.file = path;
    return image;
  } catch (const std::exception& e) {
    return bad(std::string("has a bad header: ") + e.what());
  }
}

// The job's model: kept across requests, reloaded when the path, device or file changes.
struct UnitImageCache::Worker {
  std::shared_ptr<ModelCache> models;
  std::string path;
  DeviceChoice device;
  fs::file_time_type mtime;
  uintmax_t size = 0;
  std::unique_ptr<LoadedModel> session;
  std::string hash, stem;

  void ensure(const std::string& model_path, const DeviceChoice& model_device) {
    std::error_code ec;
    const auto t = fs::last_write_time(model_path, ec);
    const uintmax_t s = fs::file_size(model_path, ec);
    if (ec) throw Error("cannot read model '" + model_path + "': " + ec.message());
    const bool same_device = device.device == model_device.device && device.tf32 == model_device.tf32;
    if (session && path == model_path && same_device && t == mtime && s == size) return;
    session.reset();
    ModelOptions options;
    options.path = model_path;
    options.device = model_device;
    options.batch = 1;
    session = std::make_unique<LoadedModel>(models->load(options));
    hash = file_content_hash(model_path);
    stem = fs::path(model_path).stem().string();
    path = model_path;
    device = model_device;
    mtime = t;
    size = s;
  }
};

// The request being computed, kept between slices: its run steps on the worker's Net.
struct UnitImageCache::Active {
  uint64_t id = 0;
  std::string id_text;
  std::string path;  // the cache file to write ("" when nothing is cached)
  UnitImageKey key;
  vis::PixelSpace space;
  Tensor start;  // the start image when params.start_at is Image (the run reads it at its first step)
  std::optional<vis::ImageCrop> crop;    // the unit's receptive field (conv units)
  std::unique_ptr<vis::AscentLoop> run;  // on the GPU when the net is
};

UnitImageCache::UnitImageCache(std::string cache_dir, std::shared_ptr<ModelCache> models)
    : UnitImageCache(std::make_unique<JobRunner>(0, std::move(models)), nullptr, std::move(cache_dir)) {}

UnitImageCache::UnitImageCache(JobRunner& runner, std::string cache_dir)
    : UnitImageCache(nullptr, &runner, std::move(cache_dir)) {}

UnitImageCache::UnitImageCache(std::unique_ptr<JobRunner> own, JobRunner* runner, std::string cache_dir)
    : cache_dir_(std::move(cache_dir)),
      own_runner_(std::move(own)),
      runner_(runner ? *runner : *own_runner_),
      worker_(std::make_unique<Worker>()) {
  worker_->models = runner_.models();
  runner_.add(*this, kUnitImagePriority);
}

UnitImageCache::~UnitImageCache() {
  runner_.remove(*this);
}

uint64_t UnitImageCache::request(const UnitImageRequest& r) {
  nlohmann::json signature = {{"model", r.model_path}, {"device", r.device.device},
                              {"tf32", r.device.tf32}, {"layer", r.layer},
                              {"unit", r.unit},        {"params", vis::params_json(r.params)}};
  if (!r.params.direction.empty()) signature["direction"] = r.params.direction;
  std::string text = signature.dump();
  std::lock_guard<std::mutex> lock(mutex_);
  if (text == latest_signature_ && status_.request == latest_) return status_.request;
  latest_signature_ = std::move(text);
  const uint64_t id = latest_ + 1;
  latest_ = id;
  pending_ = std::make_pair(r, id);
  status_ = UnitImageStatus{};
  status_.state = UnitImageState::Loading;
  status_.request = id;
  status_.total = r.params.max_iter;
  changed_.notify_all();
  runner_.wake();
  return id;
}

void UnitImageCache::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = latest_ + 1;
  latest_ = id;
  pending_.reset();
  latest_signature_.clear();
  status_ = UnitImageStatus{};
  status_.request = id;
  changed_.notify_all();
  runner_.wake();
}

UnitImageStatus UnitImageCache::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return status_;
}

bool UnitImageCache::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return status_.state == UnitImageState::Ready || status_.state == UnitImageState::Failed ||
           status_.state == UnitImageState::Idle;
  });
}

void UnitImageCache::publish(uint64_t id, const std::function<void(UnitImageStatus&)>& change) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_.request != id) return;  // superseded: the status belongs to a newer request
    change(status_);
  }
  changed_.notify_all();
}

bool UnitImageCache::ready() {
  if (active_) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.has_value();
}

void UnitImageCache::run_slice() {
  if (active_ && superseded(active_->id)) active_.reset();  // a newer request or a cancel: stop at this step
  if (!active_) {
    std::optional<std::pair<UnitImageRequest, uint64_t>> next;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      next.swap(pending_);
    }
    if (!next) return;
    start(next->first, next->second);  // served from disk, failed, or a run to step from the next slice
    return;
  }
  step_for(kSliceBudget);
}

void UnitImageCache::start(const UnitImageRequest& request, uint64_t id) {
  try {
    worker_->ensure(request.model_path, request.device);
    if (superseded(id)) return;
    LoadedModel& session = *worker_->session;
    Net& net = *session.net;
    auto active = std::make_unique<Active>();
    active->id = id;
    const std::string layer = net.graph().blobs[static_cast<size_t>(net.blob_id(request.layer))].name;
    vis::AscentParams params = request.params;
    params.push_layer = layer;
    params.push_units = {request.unit};
    std::string start_hash;
    if (params.start_at == vis::StartAt::Image) {
      start_hash = file_content_hash(params.start_image);
      active->start = load_model_input(params.start_image, session);  // no notes on stderr from a background job
    }
    active->space = vis::pixel_space(session.preprocess, net.input_dims().at(1));
    active->key = make_unit_image_key(worker_->stem, worker_->hash, layer, request.unit, params, active->space,
                                      net.backend_name(), start_hash);
    active->id_text = unit_id(worker_->stem, layer, request.unit);
    active->crop = vis::ascent_unit_crop(net, params);
    active->path = cache_dir_.empty() ? std::string() : cache_dir_ + "/" + active->key.relative_path();
    std::string problem;
    if (!active->path.empty()) {
      if (std::optional<UnitImage> cached = read_unit_cache_file(active->path, active->key, &problem)) {
        cached->id = active->id_text;
        cached->pixels_rgb = pixels_rgb(cached->best_x, active->space);
        cached->crop = active->crop;
        auto image = std::make_shared<const UnitImage>(std::move(*cached));
        publish(id, [&](UnitImageStatus& s) {
          s.state = UnitImageState::Ready;
          s.id = active->id_text;
          s.iteration = s.total;
          s.image = image;
        });
        return;
      }
    }
    const std::string note = problem.empty() ? std::string() : problem + "; recomputed";
    publish(id, [&](UnitImageStatus& s) {
      s.state = UnitImageState::Computing;
      s.id = active->id_text;
      s.total = params.max_iter;
      s.note = note;
    });
    ++runs_started_;
    active->run = make_ascent_loop(net, params, active->space, active->start.empty() ? nullptr : &active->start);
    active_ = std::move(active);
  } catch (const std::exception& e) {
    fail(id, e.what());
  }
}

void UnitImageCache::step_for(double budget_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(budget_s);
  try {
    Active& a = *active_;
    do {
      if (!a.run->step()) {
        finish();
        return;
      }
      const int done = a.run->iteration();
      publish(a.id, [&](UnitImageStatus& s) { s.iteration = done; });
    } while (std::chrono::steady_clock::now() < until && !superseded(a.id));
  } catch (const std::exception& e) {
    fail(active_->id, e.what());
    active_.reset();
  }
}

void UnitImageCache::finish() {
  const std::unique_ptr<Active> a = std::move(active_);
  ++runs_completed_;
  const vis::UnitRecord& r = a->run->record(0);
  UnitImage result;
  result.id = a->id_text;
  result.best_x = r.best_x.empty() ? r.last_x : r.best_x;
  result.pixels_rgb = pixels_rgb(result.best_x, a->space);
  result.crop = a->crop;
  result.best_obj = r.best_obj;
  result.best_ii = r.best_ii;
  result.meta_result = r.meta_result();
  result.failure = r.failure;
  std::string write_note;
  if (!a->path.empty()) {
    try {
      write_unit_cache_file(a->path, a->key, result);
      result.file = a->path;
    } catch (const Error& e) {
      write_note = std::string(e.what()) + "; the image is not cached";
    }
  }
  auto image = std::make_shared<const UnitImage>(std::move(result));
  const int iterations = a->run->iteration();
  publish(a->id, [&](UnitImageStatus& s) {
    s.state = UnitImageState::Ready;
    s.iteration = iterations;
    s.image = image;
    if (!write_note.empty()) s.note = s.note.empty() ? write_note : s.note + "; " + write_note;
  });
}

void UnitImageCache::fail(uint64_t id, const std::string& message) {
  publish(id, [&](UnitImageStatus& s) {
    s.state = UnitImageState::Failed;
    s.error = message;
  });
}

}  // namespace deepvis::app
