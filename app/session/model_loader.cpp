#include "app/session/model_loader.hpp"

#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"
#include "compute/io/npy.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/device_query.hpp"
#endif

#include <omp.h>

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
  if (device.device == "cuda") throw EnvironmentError("--device cuda: " + reason);
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

LoadedModel load_model(const ModelOptions& options) {
  if (options.threads > 0) omp_set_num_threads(options.threads);
  LoadedModel loaded;
  std::shared_ptr<Backend> backend = pick_backend(options.device, loaded.device_note);
  Graph graph;
  try {
    loaded.card = find_model_card(options.path);
    if (!options.labels.empty()) {  // the labels file overrides the card's labels (or gives a card-less model some)
      if (!loaded.card) {
        loaded.card.emplace();
        loaded.card->path = options.labels;
        loaded.card->name = options.path;
      }
      loaded.card->labels = read_labels_file(options.labels);
    }
    ImportOptions import;
    import.report = options.report;
    import.keep_simplified = options.keep_simplified;
    graph = import_onnx(options.path, import);
    loaded.net = std::make_unique<Net>(std::move(graph), std::move(backend), options.batch);
    if (loaded.card) check_card_fits(*loaded.card, *loaded.net);
  } catch (const ModelError&) {
    throw;
  } catch (const EnvironmentError&) {
    throw;
  } catch (const Error& e) {
    throw ModelError(e.what());
  }
  loaded.preprocess = resolve_preprocess(options.preprocess, loaded.card);
  const Dims& in = loaded.net->input_dims();
  if (!loaded.card || loaded.card->path == options.labels) {
    loaded.assumption_note = assumption_note(options, in.size() == 4 ? in[1] : 0);
  }
  return loaded;
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
