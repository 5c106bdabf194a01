#include "app/commands/model_session.hpp"

#include "compute/core/error.hpp"
#include "compute/image/load_image.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <omp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>

namespace deepvis::app {

void add_model_flags(CLI::App& cmd, ModelFlags& flags, bool model_required) {
  auto* model = cmd.add_option("--model", flags.model, "ONNX model file");
  if (model_required) model->required();
  cmd.add_option("--device", flags.device, "Where to compute: cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  cmd.add_option("--threads", flags.threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd.add_flag("--json", flags.json, "Machine-readable output");
  cmd.add_option("--size", flags.size, "Input size WxH (default: the model's)");
  cmd.add_option("--crop", flags.crop, "How an image is fitted: center or stretch")
      ->check(CLI::IsMember({"center", "stretch"}));
  cmd.add_flag("--bgr", flags.bgr, "Feed channels in BGR order (Caffe models)");
  cmd.add_option("--scale", flags.scale, "Pixel scale: input = (p*scale - mean)/std, p in 0..255");
  cmd.add_option("--mean", flags.mean, "Per-channel mean a,b,c (in the fed channel order)");
  cmd.add_option("--std", flags.stdev, "Per-channel std a,b,c");
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

}  // namespace

Preprocess preprocess_from_flags(const ModelFlags& flags) {
  Preprocess p;
  if (!flags.size.empty()) {
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
  p.crop = parse_crop_mode(flags.crop);
  p.bgr = flags.bgr;
  p.scale = flags.scale;
  p.mean = parse_floats(flags.mean, "mean");
  p.stdev = parse_floats(flags.stdev, "std");
  for (float s : p.stdev) {
    if (s == 0.0f) throw CommandError(kExitUsage, "--std: a standard deviation of 0");
  }
  return p;
}

std::unique_ptr<Net> load_net(const ModelFlags& flags, int batch) {
  if (flags.device == "cuda") {
    throw CommandError(kExitUsage, "--device cuda: the CUDA backend is not available in this build yet; use cpu");
  }
  if (flags.threads > 0) omp_set_num_threads(flags.threads);
  Graph graph;
  try {
    graph = import_onnx(flags.model);
  } catch (const Error& e) {
    throw CommandError(kExitBadModel, e.what());
  }
  try {
    return std::make_unique<Net>(std::move(graph), make_cpu_backend(), batch);
  } catch (const Error& e) {
    throw CommandError(kExitBadModel, e.what());
  }
}

Tensor load_input(const std::string& path, const ModelFlags& flags, const Net& net) {
  try {
    const bool npy = std::filesystem::path(path).extension() == ".npy";
    Tensor input =
        npy ? read_npy(path) : preprocess_image(load_image_rgb(path), preprocess_from_flags(flags), net.input_dims());
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

int run_guarded(const char* command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const CommandError& e) {
    std::fprintf(stderr, "deepvis %s: %s\n", command, e.what());
    return e.code();
  } catch (const Error& e) {
    std::fprintf(stderr, "deepvis %s: %s\n", command, e.what());
    return kExitFailure;
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
