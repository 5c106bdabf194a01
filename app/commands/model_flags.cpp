#include "app/commands/model_flags.hpp"

#include "compute/core/error.hpp"

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

}  // namespace

ModelOptions model_options(const ModelFlags& flags, int batch) {
  ModelOptions o;
  o.path = flags.model;
  o.device = {flags.device, flags.tf32};
  o.threads = flags.threads;
  o.labels = flags.labels;
  o.batch = batch;
  CardPreprocess& p = o.preprocess;
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
  if (bgr_given(flags)) p.channel_order = flags.bgr ? ChannelOrder::Bgr : ChannelOrder::Rgb;
  if (scale_given(flags)) p.scale = flags.scale;
  if (mean_given(flags)) p.mean = parse_floats(flags.mean, "mean");
  if (std_given(flags)) p.stdev = parse_floats(flags.stdev, "std");
  for (float s : p.stdev.value_or(std::vector<float>{})) {
    if (s == 0.0f) throw CommandError(kExitUsage, "--std: a standard deviation of 0");
  }
  return o;
}

Preprocess preprocess_from_flags(const ModelFlags& flags, const std::optional<ModelCard>& card) {
  return resolve_preprocess(model_options(flags).preprocess, card);
}

LoadedModel load_net(const ModelFlags& flags, int batch, ImportReport* report, bool keep_simplified) {
  require_device(flags.device);
  ModelOptions options = model_options(flags, batch);
  options.report = report;
  options.keep_simplified = keep_simplified;
  LoadedModel model = load_model(options);
  if (!model.device_note.empty() && !flags.json) std::fprintf(stderr, "%s\n", model.device_note.c_str());
  return model;
}

Tensor load_input(const std::string& path, const ModelFlags& flags, const LoadedModel& model) {
  const bool image = std::filesystem::path(path).extension() != ".npy";
  if (image && !model.assumption_note.empty() && !flags.json) {
    std::fprintf(stderr, "%s\n", model.assumption_note.c_str());
  }
  bool no_face = false;
  Tensor input = load_model_input(path, model, &no_face);
  if (no_face) std::fprintf(stderr, "no face found in %s; using a centre crop\n", path.c_str());
  return input;
}

void require_device(const std::string& device) {
  if (device != "cuda") return;
  // The same words in every build: a CPU-only build has no usable GPU either, and says why in the parentheses.
  const std::string problem = gpu_problem();
  if (!problem.empty()) throw CommandError(kExitEnvironment, "--device cuda: no usable GPU (" + problem + ")");
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

}  // namespace deepvis::app
