#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "compute/io/npy.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <sstream>

namespace deepvis::app {

namespace {

struct ForwardFlags {
  ModelFlags model;
  std::string input;
  std::string layers;
  std::string out;
};

std::vector<int> requested_blobs(const Net& net, const std::string& spec) {
  std::vector<int> blobs;
  const Graph& g = net.graph();
  if (spec == "all") {
    for (const Node& node : g.nodes) blobs.push_back(node.output);
  } else if (spec.empty()) {
    blobs = g.outputs;
  } else {
    std::stringstream ss(spec);
    std::string name;
    while (std::getline(ss, name, ',')) {
      try {
        blobs.push_back(net.blob_id(name));
      } catch (const Error& e) {
        throw CommandError(kExitUsage, e.what());
      }
    }
  }
  return blobs;
}

// Top-5 of batch element 0 of the first output, with softmax probabilities when the output is not one already,
// and the card's label of each when it has labels.
nlohmann::json top5(const Tensor& out, const std::vector<std::string>* labels) {
  const int64_t n = out.numel() / out.dim(0);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  const int64_t k = std::min<int64_t>(5, n);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                    [&](int64_t a, int64_t b) { return out.at(a) > out.at(b); });
  double sum = 0;
  const float top = out.at(idx[0]);
  for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(out.at(i) - top));
  nlohmann::json j = nlohmann::json::array();
  for (int64_t r = 0; r < k; ++r) {
    const float v = out.at(idx[static_cast<size_t>(r)]);
    j.push_back({{"index", idx[static_cast<size_t>(r)]}, {"value", v}, {"softmax", std::exp(v - top) / sum}});
    if (labels && idx[static_cast<size_t>(r)] < static_cast<int64_t>(labels->size())) {
      j.back()["label"] = (*labels)[static_cast<size_t>(idx[static_cast<size_t>(r)])];
    }
  }
  return j;
}

int run_forward(const ForwardFlags& f) {
  LoadedModel session = load_net(f.model);
  std::unique_ptr<Net>& net = session.net;
  const std::vector<int> blobs = requested_blobs(*net, f.layers);
  const Tensor input = load_input(f.input, f.model, session);
  if (input.dim(0) != net->batch()) net->set_batch(static_cast<int>(input.dim(0)));
  net->forward(input);

  nlohmann::json written = nlohmann::json::array();
  if (!f.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(f.out, ec);
    if (ec) throw CommandError(kExitOutput, "cannot create '" + f.out + "': " + ec.message());
    for (int b : blobs) {
      const std::string path =
          (std::filesystem::path(f.out) / (safe_file_name(net->graph().blobs[static_cast<size_t>(b)].name) + ".npy"))
              .string();
      write_npy(path, net->blob(b));
      written.push_back(path);
    }
  }
  const Tensor& output = net->blob(net->graph().outputs.front());
  const nlohmann::json top = top5(output, session.labels());
  if (f.model.json) {
    std::printf("%s\n",
                nlohmann::json{{"output", net->graph().blobs[static_cast<size_t>(net->graph().outputs.front())].name},
                               {"top5", top},
                               {"written", written}}
                    .dump(2)
                    .c_str());
  } else {
    std::printf("top-5 of '%s' (%s):\n",
                net->graph().blobs[static_cast<size_t>(net->graph().outputs.front())].name.c_str(),
                to_string(output.dims()).c_str());
    for (const auto& e : top) {
      std::printf("  %5lld  %12.5f  (softmax %.4f)%s%s\n", static_cast<long long>(e["index"].get<int64_t>()),
                  e["value"].get<double>(), e["softmax"].get<double>(), e.contains("label") ? "  " : "",
                  e.contains("label") ? e["label"].get<std::string>().c_str() : "");
    }
    if (!written.empty()) std::printf("wrote %zu blobs to %s\n", written.size(), f.out.c_str());
  }
  return kExitOk;
}

}  // namespace

Subcommand add_forward_command(CLI::App& parent) {
  auto flags = std::make_shared<ForwardFlags>();
  CLI::App* parser = parent.add_subcommand("forward", "Run an input through the model; print the top-5, save blobs");
  add_model_flags(*parser, flags->model);
  parser->add_option("--input", flags->input, "Image file, or a preprocessed .npy (float32, NxCxHxW)")->required();
  parser->add_option("--layers", flags->layers, "Blobs to save: a,b,... or all (default: the outputs)");
  parser->add_option("--out", flags->out, "Folder for DIR/<blob>.npy");
  return {parser, [flags] { return run_guarded("forward", [&] { return run_forward(*flags); }); }};
}

}  // namespace deepvis::app
