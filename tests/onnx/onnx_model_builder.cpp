#include "tests/onnx/onnx_model_builder.hpp"

#include <unistd.h>
#include <atomic>
#include <fstream>
#include <stdexcept>

namespace deepvis::test {

OnnxModel::OnnxModel(int64_t opset) {
  proto.set_ir_version(8);
  proto.set_producer_name("deepvis-tests");
  auto* op = proto.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  graph().set_name("test");
}

void OnnxModel::input(const std::string& name, const Dims& dims, int32_t elem_type) {
  auto* vi = graph().add_input();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

void OnnxModel::output(const std::string& name, const Dims& dims, int32_t elem_type) {
  auto* vi = graph().add_output();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d >= 0) dim->set_dim_value(d);
  }
}

onnx::TensorProto& OnnxModel::initializer(const std::string& name, const Dims& dims, const std::vector<float>& values) {
  auto* t = graph().add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
  return *t;
}

onnx::TensorProto& OnnxModel::initializer_int64(const std::string& name, const Dims& dims,
                                                const std::vector<int64_t>& values) {
  auto* t = graph().add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : values) t->add_int64_data(v);
  return *t;
}

onnx::NodeProto& OnnxModel::node(const std::string& op, const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs, const std::string& name) {
  auto* n = graph().add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& in : inputs) n->add_input(in);
  for (const auto& out : outputs) n->add_output(out);
  return *n;
}

std::string OnnxModel::bytes() const {
  return proto.SerializeAsString();
}

std::string OnnxModel::save(const std::filesystem::path& dir, const std::string& file_name) const {
  const std::filesystem::path path = dir / file_name;
  std::ofstream out(path, std::ios::binary);
  out << bytes();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  return path.string();
}

void set_attr(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_attr(onnx::NodeProto& node, const std::string& name, float value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_attr(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

void set_attr(onnx::NodeProto& node, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

std::filesystem::path make_temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("deepvis-onnx-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace deepvis::test
