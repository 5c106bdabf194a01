#pragma once
// Tiny ONNX models built in C++ with the protobuf API, for importer tests.
#include "compute/core/tensor.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace deepvis::test {

class OnnxModel {
 public:
  explicit OnnxModel(int64_t opset = 13);

  onnx::ModelProto proto;
  onnx::GraphProto& graph() { return *proto.mutable_graph(); }

  void input(const std::string& name, const Dims& dims, int32_t elem_type = onnx::TensorProto::FLOAT);
  // The checker wants a shape on outputs; -1 leaves a dim unknown.
  void output(const std::string& name, const Dims& dims, int32_t elem_type = onnx::TensorProto::FLOAT);
  onnx::TensorProto& initializer(const std::string& name, const Dims& dims, const std::vector<float>& values);
  onnx::TensorProto& initializer_int64(const std::string& name, const Dims& dims, const std::vector<int64_t>& values);
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "");

  std::string bytes() const;
  // Writes `file_name` into `dir`; returns its path.
  std::string save(const std::filesystem::path& dir, const std::string& file_name = "model.onnx") const;
};

void set_attr(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_attr(onnx::NodeProto& node, const std::string& name, float value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value);
void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values);

// A fresh empty folder under the system temp dir.
std::filesystem::path make_temp_dir(const std::string& tag);

}  // namespace deepvis::test
