#include "compute/core/graph_builder.hpp"

#include "compute/core/error.hpp"

namespace deepvis {

int GraphBuilder::add_blob(Blob blob) {
  if (graph_.find_blob(blob.name) >= 0) throw Error(graph_.source + ": duplicate blob name '" + blob.name + "'");
  graph_.blobs.push_back(std::move(blob));
  return static_cast<int>(graph_.blobs.size()) - 1;
}

int GraphBuilder::input(const std::string& name, Dims dims) {
  if (graph_.input >= 0) throw Error(graph_.source + ": more than one non-constant input ('" + name + "')");
  graph_.input = add_blob({name, std::move(dims), false, {}});
  return graph_.input;
}

int GraphBuilder::constant(const std::string& name, Tensor value) {
  Dims d = value.dims();
  return add_blob({name, std::move(d), true, std::move(value)});
}

int GraphBuilder::node(OpKind kind, OpParams params, std::vector<int> inputs, const std::string& name,
                       const std::string& output_name) {
  Node n;
  n.name = name.empty() ? std::string(op_name(kind)) + "_" + std::to_string(graph_.nodes.size()) : name;
  n.kind = kind;
  n.params = std::move(params);
  n.inputs = std::move(inputs);
  std::vector<Dims> in;
  for (int b : n.inputs) {
    if (b < 0 || static_cast<size_t>(b) >= graph_.blobs.size()) {
      throw Error(graph_.source + ": node '" + n.name + "' reads an undefined blob");
    }
    in.push_back(graph_.blobs[static_cast<size_t>(b)].dims);
  }
  Dims out = infer_dims(n, in);
  n.output = add_blob({output_name.empty() ? n.name : output_name, std::move(out), false, {}});
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back().output;
}

Graph GraphBuilder::build(std::vector<int> outputs) {
  if (outputs.empty() && !graph_.nodes.empty()) outputs.push_back(graph_.nodes.back().output);
  graph_.outputs = std::move(outputs);
  return std::move(graph_);
}

}  // namespace deepvis
