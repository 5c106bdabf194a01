#pragma once
// One ONNX node as the converters see it: its inputs as blobs, dims and constants, its attributes, and the ways to
// emit deepvis nodes for it. Ops that have no deepvis node of their own are lowered into several (`step`), the last
// one carrying the ONNX node's name and output (`emit`), so errors, layer names and blob names stay the model's.
#include "compute/core/error.hpp"
#include "compute/onnx/attributes.hpp"
#include "compute/onnx/import_context.hpp"

#include <functional>
#include <string>
#include <vector>

namespace deepvis::onnx_internal {

class NodeView {
 public:
  NodeView(ImportContext& context, const onnx::NodeProto& node, std::string node_name)
      : ctx(context),
        proto(node),
        name(std::move(node_name)),
        attrs(node, ctx.source + ": node '" + name + "' (op " + node.op_type() + ")") {}

  ImportContext& ctx;
  const onnx::NodeProto& proto;
  const std::string name;
  const NodeAttributes attrs;

  const std::string& where() const { return attrs.where(); }
  [[noreturn]] void fail(const std::string& why) const { attrs.fail(why); }
  int64_t opset() const { return ctx.opset; }

  std::string input(int i) const { return i < proto.input_size() ? proto.input(i) : std::string(); }
  bool has_input(int i) const { return !input(i).empty(); }
  const std::string& required_input(int i, const char* what) const {
    if (!has_input(i)) fail(std::string("the ") + what + " input (" + std::to_string(i) + ") is missing");
    return proto.input(i);
  }
  int blob(int i, const char* what) { return ctx.blob(required_input(i, what), where()); }
  Dims dims(int i, const char* what) { return ctx.dims(required_input(i, what), where()); }
  const std::string& output() const { return proto.output(0); }

  void require_constant(int i, const char* what) const {
    const std::string& in = required_input(i, what);
    if (!ctx.is_defined(in)) fail("input '" + in + "' is not produced by any node, initializer or graph input");
    if (!ctx.is_constant(in)) fail(std::string("the ") + what + " '" + in + "' must be a constant (an initializer)");
  }

  // Outputs after the first (MaxPool indices, Dropout mask, BatchNorm training statistics) are not computed.
  void require_only_first_output(const char* what) const {
    for (int k = 1; k < proto.output_size(); ++k) {
      const std::string& out = proto.output(k);
      if (!out.empty() && ctx.is_used(out)) {
        fail(std::string("its ") + what + " output ('" + out + "') is used; only the first output is supported");
      }
    }
  }

  // The node that carries the ONNX node's name and (first) output; returns its blob.
  int emit(OpKind kind, OpParams params, std::vector<int> inputs) {
    int out = -1;
    try {
      out = ctx.builder.node(kind, std::move(params), std::move(inputs), name, output());
    } catch (const Error& e) {
      // Dims inference names the node too ("Conv node 'x': ..."); once is enough.
      const std::string prefix = std::string(op_name(kind)) + " node '" + name + "': ";
      const std::string what = e.what();
      fail(what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
    }
    ctx.define(output(), out);
    return out;
  }

  // An intermediate node of a lowering, named '<node>/<suffix>'; its output blob.
  int step(OpKind kind, OpParams params, std::vector<int> inputs, const std::string& suffix) {
    try {
      return ctx.builder.node(kind, std::move(params), std::move(inputs), name + "/" + suffix, name + "/" + suffix);
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  // A constant computed by a lowering (an interpolation matrix, flipped weights), named '<node>/<suffix>'.
  int constant(const std::string& suffix, Tensor value) {
    return ctx.builder.constant(name + "/" + suffix, std::move(value));
  }
};

using Converter = std::function<void(NodeView&)>;

float scalar_constant(NodeView& n, int i, const char* what);
int64_t normalize_axis(const NodeView& n, int64_t axis, int64_t rank, bool inclusive_end);
// Axes from the attribute (older opsets) or the input `slot` (newer ones); absent: empty.
Dims axes_of(NodeView& n, int slot);
// Each axis made non-negative, sorted; an axis listed twice fails.
Dims normalized_axes(const NodeView& n, const Dims& axes, int64_t rank);

}  // namespace deepvis::onnx_internal
