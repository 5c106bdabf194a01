#pragma once
// Builds a Graph node by node, inferring dims as it goes. Used by the ONNX importer and by tests.
#include "compute/core/graph.hpp"

#include <string>
#include <vector>

namespace deepvis {

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string source = "graph") { graph_.source = std::move(source); }

  // The (single) non-constant input.
  int input(const std::string& name, Dims dims);
  int constant(const std::string& name, Tensor value);
  // Adds a node; returns its output blob. The output is named `output_name`, or after the node when empty.
  int node(OpKind kind, OpParams params, std::vector<int> inputs, const std::string& name = "",
           const std::string& output_name = "");
  const Dims& dims(int blob) const { return graph_.blobs.at(static_cast<size_t>(blob)).dims; }
  Graph& graph() { return graph_; }

  // Outputs default to the last node's output.
  Graph build(std::vector<int> outputs = {});

 private:
  int add_blob(Blob blob);
  Graph graph_;
};

}  // namespace deepvis
