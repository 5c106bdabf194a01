#include "app/session/model_loader.hpp"

#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"
#include "compute/io/npy.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/device_query.hpp"
#endif

#include <omp.h>

#include <algorithm>
#include <filesystem>

namespace deepvis::app {
namespace {

// The defaults that neither an override nor a card replaced, as the one-line note says them.
std::string assumption_note(const ModelOptions& options, int64_t channels) {
  const CardPreprocess& o = options.preprocess;
  std::vector<std::string> assumed;
  if (!o.scale) assumed.push_back("scale 1");
  if (!o.mean && !o.stdev) {
    assumed.push_back("no mean/std");
  } else if (!o.mean) {
    assumed.push_back("no mean");
  } else if (!o.stdev) {
    assumed.push_back("no std");
  }
  if (!o.crop) assumed.push_back("center crop");
  if (!o.channel_order && channels == 3) assumed.push_back("RGB");
  if (assumed.empty()) return "";
  std::string note = "no model card for " + options.path + "; assuming ";
  for (size_t i = 0; i < assumed.size(); ++i) note += (i ? ", " : "") + assumed[i];
  return note;
}

// A card that contradicts the model is a bad model description: say so before any input is read.
void check_card_fits(const ModelCard& card, const Net& net) {
  const Dims& in = net.input_dims();
  if (card.preprocess.channel_order && in.size() == 4) {
    const bool gray = *card.preprocess.channel_order == ChannelOrder::Gray;
    if (gray != (in[1] == 1)) {
      throw ModelError("card " + card.path + ": preprocess.channel_order is " +
                       channel_order_name(*card.preprocess.channel_order) + " but the model's input " + to_string(in) +
                       " has " + std::to_string(in[1]) + " channel" + (in[1] == 1 ? "" : "s"));
    }
  }
  if (card.labels && !net.graph().outputs.empty()) {
    const Dims& out = net.blob_dims(net.graph().outputs.front());
    const int64_t per_item = out.empty() || out[0] == 0 ? 0 : numel(out) / out[0];
    if (per_item != static_cast<int64_t>(card.labels->size())) {
      throw ModelError("card " + card.path + ": " + std::to_string(card.labels->size()) + " labels but the output " +
                       to_string(out) + " has " + std::to_string(per_item) + " values per image");
    }
  }
}

// The backend the device choice names: cuda needs a usable GPU; auto takes one when there is one and else notes
// why it runs on the CPU (`note`; empty in builds without CUDA, where the CPU is the only choice).
std::shared_ptr<Backend> pick_backend(const DeviceChoice& device, std::string& note) {
  if (device.device == "cpu") return make_cpu_backend();
  std::string reason = gpu_problem();
#ifdef DEEPVIS_HAVE_CUDA
  if (reason.empty()) {
    try {
      cuda::CudaOptions options = cuda::cuda_options_from_env();
      options.tf32 = options.tf32 || device.tf32;
      return cuda::make_cuda_backend(options);
    } catch (const Error& e) {
      reason = e.what();
    }
  }
  if (device.device == "cuda") throw EnvironmentError("--device cuda: no usable GPU (" + reason + ")");
  note = "no usable GPU (" + reason + "); using the CPU";
#else
  (void)note;  // a CPU-only build has nothing to note: the CPU is its only choice
  if (device.device == "cuda") throw EnvironmentError("--device cuda: no usable GPU (" + reason + ")");
#endif
  return make_cpu_backend();
}

}  // namespace

std::string gpu_problem() {
#ifdef DEEPVIS_HAVE_CUDA
  return cuda::query_runtime().problem;
#else
  return "this build has no CUDA backend (configure with -DDEEPVIS_CUDA=ON)";
#endif
}

Preprocess resolve_preprocess(const CardPreprocess& overrides, const std::optional<ModelCard>& card) {
  Preprocess p;
  if (card) p = apply_card_preprocess(card->preprocess, p);
  return apply_card_preprocess(overrides, p);
}

namespace {

// Anything but the typed errors front ends tell apart is the model's fault.
template <class F>
auto as_model_error(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ModelError&) {
    throw;
  } catch (const EnvironmentError&) {
    throw;
  } catch (const Error& e) {
    throw ModelError(e.what());
  }
}

// The file's size and modification time, which say whether a shared import is still the file's.
std::string file_stamp(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return "";
  const auto time = std::filesystem::last_write_time(path, ec);
  if (ec) return "";
  return std::to_string(size) + "@" + std::to_string(time.time_since_epoch().count());
}

}  // namespace

std::shared_ptr<const SharedModel> load_shared_model(const ModelOptions& options) {
  auto shared = std::make_shared<SharedModel>();
  shared->path = options.path;
  shared->device = options.device;
  shared->backend = pick_backend(options.device, shared->device_note);
  as_model_error([&] {
    shared->card = find_model_card(options.path);
    ImportOptions import;
    import.report = options.report;
    import.keep_simplified = options.keep_simplified;
    shared->graph = import_onnx(options.path, import);
  });
  // Host backends share the graph's own storage; a device backend gets one copy for every job.
  if (shared->backend->device() != Device::Cpu) {
    shared->constants = as_model_error([&] { return upload_constants(shared->graph, *shared->backend); });
  }
  return shared;
}

LoadedModel open_model(std::shared_ptr<const SharedModel> shared, const ModelOptions& options) {
  if (options.threads > 0) omp_set_num_threads(options.threads);
  LoadedModel loaded;
  loaded.device_note = shared->device_note;
  loaded.card = shared->card;
  as_model_error([&] {
    if (!options.labels.empty()) {  // the labels file overrides the card's labels (or gives a card-less model some)
      if (!loaded.card) {
        loaded.card.emplace();
        loaded.card->path = options.labels;
        loaded.card->name = options.path;
      }
      loaded.card->labels = read_labels_file(options.labels);
    }
    loaded.net = std::make_unique<Net>(shared->graph, shared->backend, options.batch, shared->constants);
    if (loaded.card) check_card_fits(*loaded.card, *loaded.net);
  });
  loaded.preprocess = resolve_preprocess(options.preprocess, loaded.card);
  const Dims& in = loaded.net->input_dims();
  if (!loaded.card || loaded.card->path == options.labels) {
    loaded.assumption_note = assumption_note(options, in.size() == 4 ? in[1] : 0);
  }
  loaded.shared = std::move(shared);
  return loaded;
}

LoadedModel load_model(const ModelOptions& options) {
  if (options.threads > 0) omp_set_num_threads(options.threads);
  return open_model(load_shared_model(options), options);
}

LoadedModel ModelCache::load(const ModelOptions& options) {
  if (options.report || options.keep_simplified) return load_model(options);
  const std::string stamp = file_stamp(options.path);
  std::shared_ptr<const SharedModel> shared;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.model.expired(); }),
                   entries_.end());
    for (const Entry& e : entries_) {
      if (e.path == options.path && e.device == options.device && !stamp.empty() && e.stamp == stamp) {
        shared = e.model.lock();
        if (shared) break;
      }
    }
  }
  if (!shared) {
    // Imported outside the lock: a job importing a large model must not hold up another job's cache hit.
    shared = load_shared_model(options);
    std::lock_guard<std::mutex> lock(mutex_);
    ++imports_;
    entries_.push_back(Entry{options.path, options.device, stamp, shared});
  }
  return open_model(std::move(shared), options);
}

int ModelCache::imports() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return imports_;
}

Tensor load_model_input(const std::string& path, const LoadedModel& model, bool* no_face) {
  const Net& net = *model.net;
  if (no_face) *no_face = false;
  try {
    const bool npy = std::filesystem::path(path).extension() == ".npy";
    const Tensor input =
        npy ? read_npy(path) : preprocess_image(load_image_rgb(path), model.preprocess, net.input_dims(), no_face);
    Dims expected = net.input_dims();
    expected[0] = input.rank() > 0 ? input.dim(0) : 1;
    if (input.dims() != expected) {
      throw InputError("input '" + path + "' has dims " + to_string(input.dims()) + "; the model expects " +
                       to_string(net.input_dims()) + (npy ? "" : " (check --size)"));
    }
    return input;
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(e.what());
  }
}

}  // namespace deepvis::app
