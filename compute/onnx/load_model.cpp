#include "compute/onnx/load_model.hpp"

#include "compute/core/error.hpp"
#include "compute/onnx/fold_constants.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/onnx/shape_inference.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/checker.h>

#include <algorithm>
#include <limits>
#include <map>

namespace deepvis::onnx_internal {

namespace {

// The checker's messages span lines; ours are one line.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

onnx::ModelProto parse(const std::string& bytes, const std::string& source) {
  if (bytes.empty()) throw Error(source + ": the file is empty, not an ONNX model");
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(source + ": models over 2 GB must keep their weights in external data files");
  }
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(std::numeric_limits<int>::max());  // the default would refuse big models
  onnx::ModelProto model;
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    throw Error(source + ": not a valid ONNX model: the protobuf data is truncated or corrupt");
  }
  // Garbage can happen to parse as a message of unknown fields; a model always has a graph and an IR version.
  if (!model.has_graph() || model.ir_version() <= 0) {
    throw Error(source + ": not a valid ONNX model: no graph or IR version (truncated or not an .onnx file)");
  }
  return model;
}

int64_t default_opset(const onnx::ModelProto& model, const std::string& source) {
  for (const auto& entry : model.opset_import()) {
    if (entry.domain().empty() || entry.domain() == "ai.onnx") {
      const int64_t v = entry.version();
      if (v < kMinOpset || v > kMaxOpset) {
        throw Error(source + ": opset " + std::to_string(v) + " not supported (" + std::to_string(kMinOpset) + ".." +
                    std::to_string(kMaxOpset) + ")");
      }
      return v;
    }
  }
  throw Error(source + ": the model imports no default-domain (ai.onnx) opset");
}

// Every op that is unsupported is listed at once, with how many nodes use it and the first of them, so one run
// tells the whole story of a model. Run twice: before the checker with `may_fold` (ops that simplification may
// still remove pass), so that an op we can never run gets this message rather than the checker's, and fails fast
// on large models; and after simplification, on what is left.
void check_ops_supported(const onnx::GraphProto& graph, const std::string& source, bool may_fold) {
  std::vector<std::string> supported = supported_onnx_ops();
  std::map<std::string, std::vector<std::string>> missing;  // op -> node names
  std::vector<std::string> order;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    const bool default_domain = node.domain().empty() || node.domain() == "ai.onnx";
    if (default_domain && std::find(supported.begin(), supported.end(), node.op_type()) != supported.end()) continue;
    if (default_domain && may_fold && (foldable_op(node.op_type()) || node.op_type() == "If")) continue;
    const std::string op = default_domain ? node.op_type() : node.domain() + "." + node.op_type();
    if (!missing.count(op)) order.push_back(op);
    missing[op].push_back(node.name().empty() ? node.op_type() + "_" + std::to_string(i) : node.name());
  }
  if (missing.empty()) return;
  std::string list;
  for (const std::string& op : supported) list += (list.empty() ? "" : ", ") + op;
  std::string what;
  for (const std::string& op : order) {
    const std::vector<std::string>& nodes = missing[op];
    what += (what.empty() ? "" : "; ") + op + " (" + std::to_string(nodes.size()) + " node" +
            (nodes.size() == 1 ? "" : "s") + ": '" + nodes[0] + "'" + (nodes.size() > 1 ? ", ..." : "") + ")";
  }
  if (order.size() == 1 && missing[order[0]].size() == 1) {  // the one-node form names the node first
    throw Error(source + ": node '" + missing[order[0]][0] + "' (op " + order[0] +
                "): unsupported op; supported: " + list);
  }
  throw Error(source + ": " + std::to_string(order.size()) + " unsupported op" + (order.size() == 1 ? "" : "s") + ": " +
              what + "; supported: " + list);
}

}  // namespace

LoadedModel load_model(const std::string& bytes, const std::string& source, const std::filesystem::path& model_dir) {
  LoadedModel loaded;
  loaded.model = parse(bytes, source);
  loaded.opset = default_opset(loaded.model, source);
  loaded.nodes_in_file = loaded.model.graph().node_size();
  check_ops_supported(loaded.model.graph(), source, /*may_fold=*/true);
  onnx::GraphProto& graph = *loaded.model.mutable_graph();
  for (onnx::TensorProto& t : *graph.mutable_initializer()) load_external_data(t, model_dir, source);
  for (onnx::NodeProto& node : *graph.mutable_node()) {
    for (onnx::AttributeProto& a : *node.mutable_attribute()) {
      if (a.has_t()) load_external_data(*a.mutable_t(), model_dir, source);
    }
  }
  // This checker (ONNX 1.12) refuses IR versions above its own 8, which newer exporters write even with old
  // opsets; IR 9 and 10 only add element types that no op of opsets <= 17 accepts, so check those as IR 8.
  if (loaded.model.ir_version() > onnx::IR_VERSION) loaded.model.set_ir_version(onnx::IR_VERSION);
  try {
    onnx::checker::check_model(loaded.model);
  } catch (const std::exception& e) {
    throw Error(source + ": the ONNX checker rejected the model: " + one_line(e.what()));
  }
  check_constants(loaded.model, source);
  try {
    infer_shapes(loaded.model);
  } catch (const std::exception& e) {
    throw Error(source + ": ONNX shape inference failed: " + one_line(e.what()));
  }
  loaded.simplified = simplify_model(loaded.model, loaded.opset, source);
  check_ops_supported(loaded.model.graph(), source, /*may_fold=*/false);
  return loaded;
}

}  // namespace deepvis::onnx_internal
