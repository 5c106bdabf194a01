#include "app/build_commit.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/model_flags.hpp"
#include "app/commands/output_check.hpp"
#include "app/library_report.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/receptive_field.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

namespace deepvis::app {

namespace {

struct InfoFlags {
  ModelFlags model;
  bool ops = false;
  bool receptive_fields = false;
  std::string simplified;  // write the simplified model here
};

std::string simplification_line(const ImportReport& r) {
  std::string line = "import: " + std::to_string(r.nodes_in_file) + " ONNX nodes, " + std::to_string(r.folded) +
                     " folded at import, " + std::to_string(r.inlined_ifs) + " If branches taken, " +
                     std::to_string(r.dead) + " dead; " + std::to_string(r.nodes_left) + " converted";
  if (r.batch_fixed > 0) {
    line += "; " + std::to_string(r.batch_fixed) + " folded values hold the batch size, written as 1";
  }
  return line;
}

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
  if (!flags.simplified.empty()) require_writable_folder(flags.simplified, "--simplified");
  ImportReport report;
  const LoadedModel session = load_net(flags.model, 0, &report, !flags.simplified.empty());
  if (!flags.simplified.empty()) {
    std::ofstream out(flags.simplified, std::ios::binary | std::ios::trunc);
    out << report.simplified;
    if (!out.flush()) throw OutputError("cannot write '" + flags.simplified + "' (disk full?)");
  }
  const std::unique_ptr<Net>& net = session.net;
  const Graph& g = net->graph();
  if (flags.model.json) {
    nlohmann::json j;
    const Blob& in = g.blobs[static_cast<size_t>(g.input)];
    j["model"] = flags.model.model;
    j["import"] = {{"nodes_in_file", report.nodes_in_file}, {"folded", report.folded},
                   {"inlined_ifs", report.inlined_ifs},     {"dead", report.dead},
                   {"nodes_left", report.nodes_left},       {"batch_fixed", report.batch_fixed}};
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
  std::printf("%s\n", simplification_line(report).c_str());
  if (!flags.simplified.empty()) std::printf("wrote the simplified model to %s\n", flags.simplified.c_str());
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

nlohmann::json field_json(const vis::ReceptiveField& f) {
  nlohmann::json j = {{"kind", vis::receptive_kind_name(f.kind)}};
  if (f.kind == vis::ReceptiveField::Kind::Spatial) {
    j["size"] = {f.y.size, f.x.size};
    j["stride"] = {f.y.stride, f.x.stride};
    j["pad"] = {f.y.pad, f.x.pad};
    j["aligned"] = f.aligned;
  }
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

// Each layer's receptive field (compute/vis/receptive_field.hpp): size, stride and padding per axis, so that unit
// (y, x) sees input rows y * stride - pad .. + size - 1.
int print_receptive_fields(const InfoFlags& flags) {
  const LoadedModel session = load_net(flags.model, 0);
  const Graph& g = session.net->graph();
  const std::vector<vis::ReceptiveField> fields = vis::receptive_fields(g);
  if (flags.model.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (const Node& node : g.nodes) {
      nlohmann::json j = field_json(fields[static_cast<size_t>(node.output)]);
      j["name"] = g.blobs[static_cast<size_t>(node.output)].name;
      j["op"] = std::string(op_name(node.kind));
      layers.push_back(j);
    }
    std::printf("%s\n", nlohmann::json{{"model", flags.model.model}, {"receptive_fields", layers}}.dump(2).c_str());
    return kExitOk;
  }
  int width = 5;
  for (const Node& node : g.nodes) {
    width = std::max(width, static_cast<int>(g.blobs[static_cast<size_t>(node.output)].name.size()));
  }
  std::printf("%s: receptive fields (unit y sees input rows y * stride - pad .. + r - 1; likewise x)\n",
              flags.model.model.c_str());
  std::printf("%-*s  %-18s %-16s %s\n", width, "layer", "op", "shape", "receptive field");
  int misaligned = 0;
  for (const Node& node : g.nodes) {
    const Blob& out = g.blobs[static_cast<size_t>(node.output)];
    const vis::ReceptiveField& f = fields[static_cast<size_t>(node.output)];
    misaligned += f.aligned ? 0 : 1;
    std::printf("%-*s  %-18s %-16s %s\n", width, out.name.c_str(), std::string(op_name(node.kind)).c_str(),
                to_string(out.dims).c_str(), vis::describe(f).c_str());
  }
  if (misaligned > 0) std::printf("%d layers join branches that are not aligned\n", misaligned);
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
  parser->add_flag("--receptive-fields", flags->receptive_fields,
                   "With --model: each layer's receptive field in input pixels (size, stride, padding per axis)");
  parser->add_option("--simplified", flags->simplified,
                     "With --model: write the graph that runs (after constant folding, If branches and dead nodes "
                     "removed) as an ONNX file");
  return {parser, [flags] {
            return run_guarded("info", [&] {
              if (flags->ops) return print_ops(flags->model.json);
              if (flags->receptive_fields && flags->model.model.empty()) {
                throw CommandError(kExitUsage, "--receptive-fields needs --model");
              }
              if (flags->receptive_fields) return print_receptive_fields(*flags);
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
