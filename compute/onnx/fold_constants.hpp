#pragma once
// Constant folding at import: the value of an ONNX node whose inputs are all known (initializers, Constants,
// earlier folded values) or that only reads a static shape (Shape, Size). Exports carry whole subgraphs of shape
// arithmetic (`x.view(x.size(0), -1)` is Shape -> Gather -> Unsqueeze -> Concat -> Reshape) that the engine has
// no business running: they are evaluated here once and vanish. The model's symbolic batch size is carried as a
// marked element, so a shape built from it stays "whatever the batch is" instead of being baked in.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace deepvis::onnx_internal {

struct FoldedValue {
  int32_t elem_type = onnx::TensorProto::INT64;  // the ONNX element type it stands for
  std::vector<int64_t> dims;
  std::vector<int64_t> ints;   // integer and bool types
  std::vector<double> floats;  // floating types
  std::vector<bool> batch;     // per element of `ints`: the model's symbolic batch size (empty: none)

  bool is_float() const;
  int64_t numel() const;
  bool has_batch() const;
};

// Decodes an initializer or Constant value; nullopt for element types folding does not handle (strings, ...).
std::optional<FoldedValue> folded_from_proto(const onnx::TensorProto& t, const std::string& where);

// As a TensorProto named `name`; elements marked as the batch are written as `batch_value`.
onnx::TensorProto folded_to_proto(const FoldedValue& v, const std::string& name, int64_t batch_value);

// The static shape of a value as an int64 vector (batch-marked where the model's batch is symbolic), or nullopt
// when some dim is unknown.
using ShapeLookup = std::function<std::optional<FoldedValue>(const std::string& name)>;

// The node's outputs when it can be evaluated now: `inputs[i]` is null where input i is unknown (or absent).
// Nullopt when it cannot: an unknown input, an op folding does not evaluate, arithmetic on the symbolic batch.
std::optional<std::vector<FoldedValue>> fold_node(const onnx::NodeProto& node, int64_t opset,
                                                  const std::vector<const FoldedValue*>& inputs,
                                                  const ShapeLookup& shape_of);

// The op types fold_node evaluates (for the error that lists what is left unsupported).
bool foldable_op(const std::string& op_type);

}  // namespace deepvis::onnx_internal
