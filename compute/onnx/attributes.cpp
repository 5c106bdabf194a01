#include "compute/onnx/attributes.hpp"

#include "compute/core/error.hpp"

namespace deepvis::onnx_internal {

using onnx::AttributeProto;

namespace {

const char* type_name(int type) {
  switch (type) {
    case AttributeProto::FLOAT: return "FLOAT";
    case AttributeProto::INT: return "INT";
    case AttributeProto::STRING: return "STRING";
    case AttributeProto::TENSOR: return "TENSOR";
    case AttributeProto::GRAPH: return "GRAPH";
    case AttributeProto::FLOATS: return "FLOATS";
    case AttributeProto::INTS: return "INTS";
    case AttributeProto::STRINGS: return "STRINGS";
    case AttributeProto::TENSORS: return "TENSORS";
    case AttributeProto::GRAPHS: return "GRAPHS";
    case AttributeProto::SPARSE_TENSOR: return "SPARSE_TENSOR";
    default: return "UNDEFINED";
  }
}

// Very old exporters leave `type` unset; the field that holds a value says it.
int effective_type(const AttributeProto& a) {
  if (a.type() != AttributeProto::UNDEFINED) return a.type();
  if (a.has_f()) return AttributeProto::FLOAT;
  if (a.has_i()) return AttributeProto::INT;
  if (a.has_s()) return AttributeProto::STRING;
  if (a.has_t()) return AttributeProto::TENSOR;
  if (a.floats_size() > 0) return AttributeProto::FLOATS;
  if (a.ints_size() > 0) return AttributeProto::INTS;
  if (a.strings_size() > 0) return AttributeProto::STRINGS;
  return AttributeProto::UNDEFINED;
}

}  // namespace

void NodeAttributes::fail(const std::string& why) const {
  throw Error(where_ + ": " + why);
}

const AttributeProto* NodeAttributes::find(const std::string& name) const {
  for (const AttributeProto& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const AttributeProto& NodeAttributes::typed(const std::string& name, int type) const {
  const AttributeProto* a = find(name);
  if (!a) fail("attribute '" + name + "' is required");
  const int actual = effective_type(*a);
  if (actual != type) {
    fail("attribute '" + name + "' should be " + type_name(type) + ", got " + type_name(actual));
  }
  return *a;
}

int64_t NodeAttributes::get_int(const std::string& name, int64_t fallback) const {
  return has(name) ? require_int(name) : fallback;
}

int64_t NodeAttributes::require_int(const std::string& name) const {
  return typed(name, AttributeProto::INT).i();
}

float NodeAttributes::get_float(const std::string& name, float fallback) const {
  return has(name) ? typed(name, AttributeProto::FLOAT).f() : fallback;
}

std::string NodeAttributes::get_string(const std::string& name, const std::string& fallback) const {
  return has(name) ? typed(name, AttributeProto::STRING).s() : fallback;
}

std::vector<int64_t> NodeAttributes::get_ints(const std::string& name, std::vector<int64_t> fallback) const {
  return has(name) ? require_ints(name) : fallback;
}

std::vector<int64_t> NodeAttributes::require_ints(const std::string& name) const {
  const AttributeProto& a = typed(name, AttributeProto::INTS);
  return {a.ints().begin(), a.ints().end()};
}

std::vector<float> NodeAttributes::get_floats(const std::string& name, std::vector<float> fallback) const {
  if (!has(name)) return fallback;
  const AttributeProto& a = typed(name, AttributeProto::FLOATS);
  return {a.floats().begin(), a.floats().end()};
}

const onnx::TensorProto* NodeAttributes::get_tensor(const std::string& name) const {
  return has(name) ? &typed(name, AttributeProto::TENSOR).t() : nullptr;
}

}  // namespace deepvis::onnx_internal
