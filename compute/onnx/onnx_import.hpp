#pragma once
// ONNX model import: an .onnx file (default domain, opsets 1 to 17) becomes a deepvis Graph. Everything the
// engine cannot run is refused here, at import, with a deepvis::Error naming the file, the node and the reason.
#include "compute/core/graph.hpp"

#include <map>
#include <string>
#include <vector>

namespace deepvis {

// What simplification at import did (compute/onnx/model_simplifier.hpp), for `deepvis info`.
struct ImportReport {
  int nodes_in_file = 0;   // ONNX nodes in the file
  int nodes_left = 0;      // ONNX nodes after simplification, which the converter turns into the Graph
  int folded = 0;          // evaluated at import (Constants, shape arithmetic)
  int inlined_ifs = 0;     // If nodes replaced by their taken branch
  int dead = 0;            // nodes no graph output needs
  int batch_fixed = 0;     // folded values of the symbolic batch written as 1 (not Reshape targets)
  std::string simplified;  // the simplified model, serialized, when ImportOptions::keep_simplified
};

struct ImportOptions {
  // Graph inputs turned into constants (conformance tests bind every input but the first).
  std::map<std::string, Tensor> bind_inputs;
  // Fold a BatchNormalization into the Conv before it when that Conv feeds only it.
  bool fold_batchnorm = true;
  // Filled in when given.
  ImportReport* report = nullptr;
  // Also serialize the simplified model into report->simplified (it passes the ONNX checker).
  bool keep_simplified = false;
};

// External data files are read from the model's folder.
Graph import_onnx(const std::string& path, const ImportOptions& options = {});
// `source_name` names the model in messages; external data is read from its folder.
Graph import_onnx_bytes(const std::string& bytes, const std::string& source_name, const ImportOptions& options = {});

// The ONNX op types the importer accepts: those with a node of their own, the lowered ones (compute/onnx/lowerings.hpp)
// and the eliminated ones (Dropout, Identity, Constant), sorted.
std::vector<std::string> supported_onnx_ops();

}  // namespace deepvis
