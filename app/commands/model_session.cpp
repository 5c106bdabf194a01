#include "app/commands/model_session.hpp"

#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/device_query.hpp"
#endif

#include <omp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>

namespace deepvis::app {

void add_model_flags(CLI::App& cmd, ModelFlags& flags, bool model_required) {
  auto* model = cmd.add_option("--model", flags.model, "ONNX model file (its card <model>.deepvis.json is read too)");
  if (model_required) model->required();
  cmd.add_option("--device", flags.device, "Where to compute: cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cmd.add_flag("--tf32", flags.tf32,
               "On the GPU: TF32 tensor cores for convolutions and GEMMs (faster; about 1e-3 relative error, see "
               "docs/engine.md); default exact fp32");
  cmd.add_option("--threads", flags.threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd.add_flag("--json", flags.json, "Machine-readable output");
  // Each preprocessing flag overrides the model card's value.
  flags.size_option = cmd.add_option("--size", flags.size, "Input size WxH (default: the card's, else the model's)");
  flags.crop_option = cmd.add_option("--crop", flags.crop, "How an image is fitted: center, stretch or face")
                          ->check(CLI::IsMember({"center", "stretch", "face"}));
  flags.bgr_option = cmd.add_flag("--bgr", flags.bgr, "Feed channels in BGR order (Caffe models); --bgr=false: RGB");
  flags.scale_option = cmd.add_option("--scale", flags.scale, "Pixel scale: input = (p*scale - mean)/std, p in 0..255");
  flags.mean_option = cmd.add_option("--mean", flags.mean, "Per-channel mean a,b,c (in the fed channel order)");
  flags.std_option = cmd.add_option("--std", flags.stdev, "Per-channel std a,b,c");
  cmd.add_option("--labels", flags.labels, "Labels file, one per line, overriding the model card's");
}

namespace {

std::vector<float> parse_floats(const std::string& text, const char* flag) {
  std::vector<float> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stof(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CommandError(kExitUsage, std::string("--") + flag + ": '" + item + "' is not a number");
    }
  }
  return out;
}

// Whether a flag was given: counted by the parser, or (flags filled in by code) set to a non-default value.
bool given(const CLI::Option* option, bool differs_from_default) {
  return option ? option->count() > 0 : differs_from_default;
}

bool size_given(const ModelFlags& f) {
  return given(f.size_option, !f.size.empty());
}
bool crop_given(const ModelFlags& f) {
  return given(f.crop_option, f.crop != "center");
}
bool bgr_given(const ModelFlags& f) {
  return given(f.bgr_option, f.bgr);
}
bool scale_given(const ModelFlags& f) {
  return given(f.scale_option, f.scale != 1.0f);
}
bool mean_given(const ModelFlags& f) {
  return given(f.mean_option, !f.mean.empty());
}
bool std_given(const ModelFlags& f) {
  return given(f.std_option, !f.stdev.empty());
}

// The defaults that neither a flag nor a card replaced, as the one-line note says them.
std::string assumption_note(const ModelFlags& flags, int64_t channels) {
  std::vector<std::string> assumed;
  if (!scale_given(flags)) assumed.push_back("scale 1");
  if (!mean_given(flags) && !std_given(flags)) {
    assumed.push_back("no mean/std");
  } else if (!mean_given(flags)) {
    assumed.push_back("no mean");
  } else if (!std_given(flags)) {
    assumed.push_back("no std");
  }
  if (!crop_given(flags)) assumed.push_back("center crop");
  if (!bgr_given(flags) && channels == 3) assumed.push_back("RGB");
  if (assumed.empty()) return "";
  std::string note = "no model card for " + flags.model + "; assuming ";
  for (size_t i = 0; i < assumed.size(); ++i) note += (i ? ", " : "") + assumed[i];
  return note;
}

// A card that contradicts the model is a bad model description: say so before any input is read.
void check_card_fits(const ModelCard& card, const Net& net) {
  const Dims& in = net.input_dims();
  if (card.preprocess.channel_order && in.size() == 4) {
    const bool gray = *card.preprocess.channel_order == ChannelOrder::Gray;
    if (gray != (in[1] == 1)) {
      throw Error("card " + card.path + ": preprocess.channel_order is " +
                  channel_order_name(*card.preprocess.channel_order) + " but the model's input " + to_string(in) +
                  " has " + std::to_string(in[1]) + " channel" + (in[1] == 1 ? "" : "s"));
    }
  }
  if (card.labels && !net.graph().outputs.empty()) {
    const Dims& out = net.blob_dims(net.graph().outputs.front());
    const int64_t per_item = out.empty() || out[0] == 0 ? 0 : numel(out) / out[0];
    if (per_item != static_cast<int64_t>(card.labels->size())) {
      throw Error("card " + card.path + ": " + std::to_string(card.labels->size()) + " labels but the output " +
                  to_string(out) + " has " + std::to_string(per_item) + " values per image");
    }
  }
}

// Why a GPU cannot be used here; empty when it can.
std::string gpu_problem() {
#ifdef DEEPVIS_HAVE_CUDA
  return cuda::query_runtime().problem;
#else
  return "this build has no CUDA backend (configure with -DDEEPVIS_CUDA=ON)";
#endif
}

// The backend --device names: cuda needs a usable GPU (exit 5 with the reason otherwise); auto takes one when
// there is one and else says, once, why it runs on the CPU (silent with --json, and in builds without CUDA).
std::shared_ptr<Backend> pick_backend(const ModelFlags& flags) {
  if (flags.device == "cpu") return make_cpu_backend();
  std::string reason = gpu_problem();
#ifdef DEEPVIS_HAVE_CUDA
  if (reason.empty()) {
    try {
      cuda::CudaOptions options = cuda::cuda_options_from_env();
      options.tf32 = options.tf32 || flags.tf32;
      return cuda::make_cuda_backend(options);
    } catch (const Error& e) {
      reason = e.what();
    }
  }
  if (flags.device == "cuda") throw CommandError(kExitEnvironment, "--device cuda: no usable GPU (" + reason + ")");
  if (!flags.json) std::fprintf(stderr, "no usable GPU (%s); using the CPU\n", reason.c_str());
#else
  if (flags.device == "cuda") throw CommandError(kExitEnvironment, "--device cuda: " + reason);
#endif
  return make_cpu_backend();
}

}  // namespace

Preprocess preprocess_from_flags(const ModelFlags& flags, const std::optional<ModelCard>& card) {
  Preprocess p;
  if (card) p = apply_card_preprocess(card->preprocess, p);
  if (size_given(flags)) {
    int w = 0;
    int h = 0;
    char x = 0;
    std::stringstream ss(flags.size);
    if (!(ss >> w >> x >> h) || x != 'x' || w < 1 || h < 1) {
      throw CommandError(kExitUsage, "--size: '" + flags.size + "' is not WxH");
    }
    p.width = w;
    p.height = h;
  }
  if (crop_given(flags)) p.crop = parse_crop_mode(flags.crop);
  if (bgr_given(flags)) p.bgr = flags.bgr;
  if (scale_given(flags)) p.scale = flags.scale;
  if (mean_given(flags)) p.mean = parse_floats(flags.mean, "mean");
  if (std_given(flags)) p.stdev = parse_floats(flags.stdev, "std");
  for (float s : p.stdev) {
    if (s == 0.0f) throw CommandError(kExitUsage, "--std: a standard deviation of 0");
  }
  return p;
}

ModelSession load_net(const ModelFlags& flags, int batch, ImportReport* report, bool keep_simplified) {
  if (flags.threads > 0) omp_set_num_threads(flags.threads);
  ModelSession session;
  Graph graph;
  std::shared_ptr<Backend> backend = pick_backend(flags);
  try {
    session.card = find_model_card(flags.model);
    if (!flags.labels.empty()) {  // --labels overrides the card's labels (or gives a card-less model some)
      if (!session.card) {
        session.card.emplace();
        session.card->path = flags.labels;
        session.card->name = flags.model;
      }
      session.card->labels = read_labels_file(flags.labels);
    }
    ImportOptions import;
    import.report = report;
    import.keep_simplified = keep_simplified;
    graph = import_onnx(flags.model, import);
  } catch (const Error& e) {
    throw CommandError(kExitBadModel, e.what());
  }
  try {
    session.net = std::make_unique<Net>(std::move(graph), std::move(backend), batch);
    if (session.card) check_card_fits(*session.card, *session.net);
  } catch (const Error& e) {
    throw CommandError(kExitBadModel, e.what());
  }
  session.preprocess = preprocess_from_flags(flags, session.card);
  const Dims& in = session.net->input_dims();
  if (!session.card || session.card->path == flags.labels) {
    session.assumption_note = assumption_note(flags, in.size() == 4 ? in[1] : 0);
  }
  return session;
}

Tensor load_input(const std::string& path, const ModelFlags& flags, const ModelSession& session) {
  const Net& net = *session.net;
  try {
    const bool npy = std::filesystem::path(path).extension() == ".npy";
    Tensor input;
    if (npy) {
      input = read_npy(path);
    } else {
      const cv::Mat rgb = load_image_rgb(path);
      if (!session.assumption_note.empty() && !flags.json)
        std::fprintf(stderr, "%s\n", session.assumption_note.c_str());
      bool no_face = false;
      input = preprocess_image(rgb, session.preprocess, net.input_dims(), &no_face);
      if (no_face) std::fprintf(stderr, "no face found in %s; using a centre crop\n", path.c_str());
    }
    Dims expected = net.input_dims();
    expected[0] = input.rank() > 0 ? input.dim(0) : 1;
    if (input.dims() != expected) {
      throw Error("input '" + path + "' has dims " + to_string(input.dims()) + "; the model expects " +
                  to_string(net.input_dims()) + (npy ? "" : " (check --size)"));
    }
    return input;
  } catch (const CommandError&) {
    throw;
  } catch (const Error& e) {
    throw CommandError(kExitBadInput, e.what());
  }
}

void require_device(const std::string& device) {
  if (device != "cuda") return;
  const std::string problem = gpu_problem();
#ifdef DEEPVIS_HAVE_CUDA
  if (!problem.empty()) throw CommandError(kExitEnvironment, "--device cuda: no usable GPU (" + problem + ")");
#else
  throw CommandError(kExitEnvironment, "--device cuda: " + problem);
#endif
}

int run_guarded(const char* command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const CommandError& e) {
    std::fprintf(stderr, "deepvis %s: %s\n", command, e.what());
    return e.code();
  } catch (const Error& e) {
    std::fprintf(stderr, "deepvis %s: %s\n", command, e.what());
    return exit_code_for(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "deepvis %s: internal error: %s\n", command, e.what());
    return kExitFailure;
  }
}

std::string safe_file_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

}  // namespace deepvis::app
