#pragma once
// Typed access to a node's attributes. Every error names the file, node, op and attribute.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace deepvis::onnx_internal {

class NodeAttributes {
 public:
  // `where` is the node's description for messages: "model.onnx: node 'conv1' (op Conv)".
  NodeAttributes(const onnx::NodeProto& node, std::string where) : node_(node), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  [[noreturn]] void fail(const std::string& why) const;

  bool has(const std::string& name) const { return find(name) != nullptr; }
  const onnx::AttributeProto* find(const std::string& name) const;

  int64_t get_int(const std::string& name, int64_t fallback) const;
  int64_t require_int(const std::string& name) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  std::vector<int64_t> require_ints(const std::string& name) const;
  std::vector<float> get_floats(const std::string& name, std::vector<float> fallback) const;
  const onnx::TensorProto* get_tensor(const std::string& name) const;  // nullptr when absent

 private:
  const onnx::AttributeProto& typed(const std::string& name, int type) const;
  const onnx::NodeProto& node_;
  std::string where_;
};

}  // namespace deepvis::onnx_internal
