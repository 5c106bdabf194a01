#pragma once
// State shared while converting one model's nodes: the graph being built, which ONNX value names map to which
// blobs, and the constants (initializers, Constant nodes, bound inputs) that become blobs only when a node
// reads them as data; shapes and pads are read from them directly and never become blobs.
#include "compute/core/graph_builder.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deepvis::onnx_internal {

struct ConstantValue {
  std::string name;                          // the blob's name once materialized
  const onnx::TensorProto* proto = nullptr;  // initializer or Constant node value
  Tensor bound;                              // a bound input, when proto is null
  int blob = -1;                             // materialized blob, -1 until a node reads it as data
};

class ImportContext {
 public:
  ImportContext(std::string source_name, int64_t opset_version)
      : source(std::move(source_name)), opset(opset_version), builder(source) {}

  const std::string source;
  const int64_t opset;
  GraphBuilder builder;
  std::map<std::string, int> uses;             // value name -> number of readers (node inputs and graph outputs)
  std::deque<onnx::TensorProto> owned_protos;  // values of Constant nodes given as value_float(s)/value_int(s)

  bool is_constant(const std::string& name) const { return constants_.count(name) > 0; }
  bool is_defined(const std::string& name) const { return blobs_.count(name) > 0 || is_constant(name); }
  bool is_used(const std::string& name) const {
    auto it = uses.find(name);
    return it != uses.end() && it->second > 0;
  }

  void add_constant(const std::string& name, const onnx::TensorProto* proto);
  void add_constant(const std::string& name, Tensor value);
  // A node's output blob.
  void define(const std::string& name, int blob) { blobs_[name] = blob; }
  // `name` is another name for `existing` (eliminated Identity and Dropout).
  void alias(const std::string& name, const std::string& existing, const std::string& where);

  // The blob holding `name`, materializing a constant. `where` prefixes the error when it is undefined.
  int blob(const std::string& name, const std::string& where);
  Dims dims(const std::string& name, const std::string& where);
  // A constant's values; errors (naming `what`) when `name` is not a constant.
  Tensor constant_float(const std::string& name, const std::string& where, const std::string& what);
  std::vector<int64_t> constant_int64(const std::string& name, const std::string& where, const std::string& what);

 private:
  [[noreturn]] void undefined(const std::string& name, const std::string& where) const;
  std::map<std::string, int> blobs_;
  std::map<std::string, std::shared_ptr<ConstantValue>> constants_;
};

// The ONNX node at `index` becomes zero or one deepvis Node (Identity, Dropout and Constant add none).
void convert_node(ImportContext& ctx, const onnx::NodeProto& node, int index);
// The ONNX op types convert_node takes, sorted.
std::vector<std::string> converted_onnx_ops();

}  // namespace deepvis::onnx_internal
