#include "app/build_commit.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/model_session.hpp"
#include "app/library_report.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace deepvis::app {

namespace {

struct InfoFlags {
  ModelFlags model;
  bool ops = false;
};

int64_t parameter_count(const Graph& g, const Node& node) {
  int64_t n = 0;
  for (int in : node.inputs) {
    const Blob& b = g.blobs[static_cast<size_t>(in)];
    if (b.constant) n += numel(b.dims);
  }
  return n;
}

int print_ops(bool json) {
  const auto ops = supported_onnx_ops();
  if (json) {
    std::printf("%s\n", nlohmann::json{{"ops", ops}}.dump(2).c_str());
  } else {
    std::printf("Supported ONNX ops (opsets 7-17, default domain):\n");
    for (const auto& op : ops) std::printf("  %s\n", op.c_str());
  }
  return kExitOk;
}

int print_model(const InfoFlags& flags) {
  const ModelSession session = load_net(flags.model);
  const std::unique_ptr<Net>& net = session.net;
  const Graph& g = net->graph();
  if (flags.model.json) {
    nlohmann::json j;
    const Blob& in = g.blobs[static_cast<size_t>(g.input)];
    j["model"] = flags.model.model;
    j["inputs"] = nlohmann::json::array({{{"name", in.name}, {"shape", in.dims}}});
    j["outputs"] = nlohmann::json::array();
    for (int o : g.outputs) {
      j["outputs"].push_back(
          {{"name", g.blobs[static_cast<size_t>(o)].name}, {"shape", g.blobs[static_cast<size_t>(o)].dims}});
    }
    j["layers"] = nlohmann::json::array();
    for (const Node& node : g.nodes) {
      const Blob& out = g.blobs[static_cast<size_t>(node.output)];
      j["layers"].push_back({{"name", out.name},
                             {"node", node.name},
                             {"op", std::string(op_name(node.kind))},
                             {"shape", out.dims},
                             {"params", describe_params(node)},
                             {"param_count", parameter_count(g, node)}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  const Blob& in = g.blobs[static_cast<size_t>(g.input)];
  std::printf("%s: input '%s' %s, %zu layers\n", flags.model.model.c_str(), in.name.c_str(), to_string(in.dims).c_str(),
              g.nodes.size());
  int width = 5;
  for (const Node& node : g.nodes) {
    width = std::max(width, static_cast<int>(g.blobs[static_cast<size_t>(node.output)].name.size()));
  }
  std::printf("%-*s  %-18s %-16s %12s  %s\n", width, "layer", "op", "shape", "parameters", "details");
  int64_t total = 0;
  for (const Node& node : g.nodes) {
    const Blob& out = g.blobs[static_cast<size_t>(node.output)];
    const int64_t params = parameter_count(g, node);
    total += params;
    std::printf("%-*s  %-18s %-16s %12lld  %s\n", width, out.name.c_str(), std::string(op_name(node.kind)).c_str(),
                to_string(out.dims).c_str(), static_cast<long long>(params), describe_params(node).c_str());
  }
  std::printf("total parameters: %lld\n", static_cast<long long>(total));
  return kExitOk;
}

}  // namespace

Subcommand add_info_command(CLI::App& parent) {
  auto flags = std::make_shared<InfoFlags>();
  CLI::App* parser =
      parent.add_subcommand("info",
                            "Without --model: versions of deepvis and its libraries, and the GPUs found. "
                            "With --model: the model's layers (name, op, shape, parameters)");
  add_model_flags(*parser, flags->model, /*model_required=*/false);
  parser->add_flag("--ops", flags->ops, "List the supported ONNX ops");
  return {parser, [flags] {
            return run_guarded("info", [&] {
              if (flags->ops) return print_ops(flags->model.json);
              if (!flags->model.model.empty()) return print_model(*flags);
              std::printf("deepvis %s (commit %s)\n", DEEPVIS_VERSION, build_commit());
              for (const auto& [library, version] : library_report()) {
                std::printf("  %-10s %s\n", library.c_str(), version.c_str());
              }
              return static_cast<int>(kExitOk);
            });
          }};
}

}  // namespace deepvis::app
