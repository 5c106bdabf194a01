#include "compute/onnx/onnx_import.hpp"

#include "compute/core/error.hpp"
#include "compute/onnx/import_context.hpp"
#include "compute/onnx/load_model.hpp"
#include "compute/onnx/simplify.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <onnx/checker.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace deepvis {

using onnx_internal::convert_node;
using onnx_internal::data_type_name;
using onnx_internal::fold_batchnorm;
using onnx_internal::ImportContext;
using onnx_internal::load_model;
using onnx_internal::LoadedModel;
using onnx_internal::remove_unused_blobs;

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "'" : ", '") + n + "'";
  return s;
}

// The one free input's dims. A symbolic batch dim becomes 1 (Net::set_batch changes it); other dims must be fixed.
Dims input_dims(const onnx::ValueInfoProto& vi, const std::string& source) {
  const std::string where = source + ": input '" + vi.name() + "'";
  if (!vi.type().has_tensor_type()) throw Error(where + " is not a tensor");
  const auto& tt = vi.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT) {
    throw Error(where + " has element type " + data_type_name(tt.elem_type()) + "; deepvis runs float32 inputs only");
  }
  if (!tt.has_shape()) throw Error(where + " has no shape; deepvis needs the input dims");
  Dims dims;
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& d = tt.shape().dim(i);
    if (d.has_dim_value()) {
      dims.push_back(d.dim_value());
    } else if (i == 0) {
      dims.push_back(1);
    } else {
      throw Error(where + " has an unknown dim " + std::to_string(i) +
                  (d.has_dim_param() ? " ('" + d.dim_param() + "')" : std::string()) +
                  "; deepvis needs fixed dims except the batch");
    }
  }
  try {
    check_dims(dims);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  // The Net's batch is dim 0 and at least 1; an input with no elements has nothing to visualize.
  if (dims.empty() || numel(dims) == 0) {
    throw Error(where + " has dims " + to_string(dims) + "; deepvis needs an input with elements, batch first");
  }
  return dims;
}

Graph convert_model(const LoadedModel& loaded, const std::string& source, const ImportOptions& options) {
  const onnx::GraphProto& g = loaded.model.graph();
  ImportContext ctx(source, loaded.opset);
  for (const onnx::NodeProto& node : g.node()) {
    for (const std::string& in : node.input()) {
      if (!in.empty()) ++ctx.uses[in];
    }
  }
  for (const onnx::ValueInfoProto& out : g.output()) ++ctx.uses[out.name()];

  if (g.sparse_initializer_size() > 0) throw Error(source + ": sparse initializers are not supported");
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : g.initializer()) {
    ctx.add_constant(t.name(), &t);
    initializers.insert(t.name());
  }

  std::set<std::string> input_names;
  std::vector<const onnx::ValueInfoProto*> free_inputs;
  for (const onnx::ValueInfoProto& vi : g.input()) {
    input_names.insert(vi.name());
    auto bound = options.bind_inputs.find(vi.name());
    if (bound != options.bind_inputs.end()) {
      ctx.add_constant(vi.name(), bound->second);
    } else if (!initializers.count(vi.name())) {
      free_inputs.push_back(&vi);
    }
  }
  for (const auto& [name, value] : options.bind_inputs) {
    if (!input_names.count(name)) {
      throw Error(source + ": cannot bind '" + name + "': the model has no graph input of that name");
    }
  }
  if (free_inputs.size() != 1) {
    std::vector<std::string> names;
    for (const auto* vi : free_inputs) names.push_back(vi->name());
    throw Error(source + ": the model has " + std::to_string(free_inputs.size()) + " non-constant inputs" +
                (names.empty() ? std::string() : " (" + join_names(names) + ")") +
                "; deepvis needs exactly one (the image)");
  }
  const onnx::ValueInfoProto& in = *free_inputs[0];
  ctx.define(in.name(), ctx.builder.input(in.name(), input_dims(in, source)));

  for (int i = 0; i < g.node_size(); ++i) convert_node(ctx, g.node(i), i);

  std::vector<int> outputs;
  for (const onnx::ValueInfoProto& out : g.output()) {
    outputs.push_back(ctx.blob(out.name(), source + ": graph output '" + out.name() + "'"));
  }
  Graph graph = ctx.builder.build(outputs);
  if (options.fold_batchnorm) fold_batchnorm(graph);
  remove_unused_blobs(graph);
  try {
    infer_all_dims(graph);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return graph;
}

}  // namespace

Graph import_onnx(const std::string& path, const ImportOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a folder, not an .onnx file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the model file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw Error(path + ": reading the model file failed");
  return import_onnx_bytes(bytes.str(), path, options);
}

Graph import_onnx_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options) {
  const LoadedModel loaded = load_model(bytes, source_name, std::filesystem::path(source_name).parent_path());
  if (options.report) {
    ImportReport& r = *options.report;
    r.nodes_in_file = loaded.nodes_in_file;
    r.nodes_left = loaded.model.graph().node_size();
    r.folded = loaded.simplified.folded;
    r.inlined_ifs = loaded.simplified.inlined_ifs;
    r.dead = loaded.simplified.dead;
    r.batch_fixed = loaded.simplified.batch_fixed;
    if (options.keep_simplified) {
      try {
        onnx::checker::check_model(loaded.model);
      } catch (const std::exception& e) {
        throw Error(source_name + ": the simplified model fails the ONNX checker (a deepvis bug): " + e.what());
      }
      r.simplified = loaded.model.SerializeAsString();
    }
  }
  return convert_model(loaded, source_name, options);
}

std::vector<std::string> supported_onnx_ops() {
  return onnx_internal::converted_onnx_ops();
}

}  // namespace deepvis
