#include "compute/onnx/import_context.hpp"

#include "compute/core/error.hpp"
#include "compute/onnx/tensor_proto.hpp"

#include <cmath>

namespace deepvis::onnx_internal {

void ImportContext::add_constant(const std::string& name, const onnx::TensorProto* proto) {
  auto c = std::make_shared<ConstantValue>();
  c->name = name;
  c->proto = proto;
  constants_[name] = std::move(c);
}

void ImportContext::add_constant(const std::string& name, Tensor value) {
  auto c = std::make_shared<ConstantValue>();
  c->name = name;
  c->bound = std::move(value);
  constants_[name] = std::move(c);
}

void ImportContext::alias(const std::string& name, const std::string& existing, const std::string& where) {
  auto c = constants_.find(existing);
  if (c != constants_.end()) {
    constants_[name] = c->second;  // shared: materialized once, under the original name
    return;
  }
  blobs_[name] = blob(existing, where);
}

void ImportContext::undefined(const std::string& name, const std::string& where) const {
  throw Error(where + ": input '" + name + "' is not produced by any node, initializer or graph input");
}

int ImportContext::blob(const std::string& name, const std::string& where) {
  auto b = blobs_.find(name);
  if (b != blobs_.end()) return b->second;
  auto c = constants_.find(name);
  if (c == constants_.end()) undefined(name, where);
  ConstantValue& value = *c->second;
  if (value.blob < 0) {
    Tensor t =
        value.proto ? tensor_proto_to_float(*value.proto, source + ": tensor '" + value.name + "'") : value.bound;
    value.blob = builder.constant(value.name, std::move(t));
  }
  return value.blob;
}

Dims ImportContext::dims(const std::string& name, const std::string& where) {
  auto c = constants_.find(name);
  if (c != constants_.end() && c->second->blob < 0) {
    return c->second->proto ? tensor_proto_dims(*c->second->proto) : c->second->bound.dims();
  }
  return builder.dims(blob(name, where));
}

Tensor ImportContext::constant_float(const std::string& name, const std::string& where, const std::string& what) {
  auto c = constants_.find(name);
  if (c == constants_.end()) {
    if (!is_defined(name)) undefined(name, where);
    throw Error(where + ": " + what + " '" + name + "' must be a constant (an initializer or Constant node)");
  }
  const ConstantValue& value = *c->second;
  return value.proto ? tensor_proto_to_float(*value.proto, source + ": tensor '" + value.name + "'") : value.bound;
}

std::vector<int64_t> ImportContext::constant_int64(const std::string& name, const std::string& where,
                                                   const std::string& what) {
  auto c = constants_.find(name);
  if (c == constants_.end()) {
    if (!is_defined(name)) undefined(name, where);
    throw Error(where + ": " + what + " '" + name + "' must be a constant (an initializer or Constant node)");
  }
  const ConstantValue& value = *c->second;
  if (value.proto) return tensor_proto_to_int64(*value.proto, source + ": tensor '" + value.name + "'");
  // A bound input arrives as fp32; shapes and pads are small integers, exact in fp32.
  std::vector<int64_t> out;
  for (int64_t i = 0; i < value.bound.numel(); ++i) {
    const float v = value.bound.at(i);
    if (!std::isfinite(v) || std::fabs(v) > 1e15f || std::trunc(v) != v) {
      throw Error(where + ": " + what + " '" + name + "' holds the non-integer " + std::to_string(v));
    }
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

}  // namespace deepvis::onnx_internal
