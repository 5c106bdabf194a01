// How the importer maps the ops that have no node of their own, and the opset differences of the rest: Split as one
// Slice per output, Sum and Mean as chains of Add (Mean ending in a Mul by 1/n), variadic Max, Squeeze without
// axes, Unsqueeze's axes as an attribute (opset 11) and an input (opset 13), Slice's attributes (opset 9), Pad's
// modes and ReduceMean's axes and keepdims. Values are checked by running the imported graph.
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Tensor run(const Graph& g, const Tensor& x, const std::string& output) {
  Net net(g, make_reference_backend());
  net.forward(x);
  return net.blob(net.blob_id(output)).clone();
}

}  // namespace

TEST_CASE("onnx import: Split becomes one Slice per output, by the split input or in equal parts") {
  for (bool listed : {true, false}) {
    CAPTURE(listed);
    OnnxModel m(13);
    m.input("x", {1, 4, 2});
    std::vector<std::string> inputs = {"x"};
    if (listed) {
      m.initializer_int64("parts", {2}, {1, 3});
      inputs.push_back("parts");
    }
    onnx::NodeProto& n = m.node("Split", inputs, {"a", "b"}, "split");
    set_attr(n, "axis", int64_t{1});
    m.node("Mul", {"a", "b"}, {"y"}, "mul");  // a broadcasts when its part is 1 channel
    m.output("y", {1, listed ? 3 : 2, 2});
    const Graph g = import_onnx_bytes(m.bytes(), "split.onnx");
    REQUIRE(g.nodes.size() == 3);
    CHECK(g.nodes[0].kind == OpKind::Slice);
    CHECK(g.nodes[0].name == "split/0");
    CHECK(g.blobs[static_cast<size_t>(g.nodes[1].output)].name == "b");
    const Tensor x({1, 4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    if (listed) {
      check_values(run(g, x, "y"), {3, 8, 5, 12, 7, 16});
    } else {
      check_values(run(g, x, "y"), {5, 12, 21, 32});
    }
  }
}

TEST_CASE("onnx import: Sum, Mean and Max of three inputs") {
  for (const char* op : {"Sum", "Mean", "Max"}) {
    CAPTURE(op);
    OnnxModel m(13);
    m.input("x", {1, 3});
    m.initializer("b", {3}, {10, -20, 30});
    m.initializer("c", {1}, {2});
    m.node(op, {"x", "b", "c"}, {"y"}, "many");
    m.output("y", {1, 3});
    const Graph g = import_onnx_bytes(m.bytes(), "variadic.onnx");
    CHECK(g.nodes.back().name == "many");
    const Tensor out = run(g, Tensor({1, 3}, {1, 2, 3}), "y");
    if (std::string(op) == "Sum") check_values(out, {13, -16, 35});
    if (std::string(op) == "Mean") check_values(out, {13.0f / 3, -16.0f / 3, 35.0f / 3}, 1e-6);
    if (std::string(op) == "Max") check_values(out, {10, 2, 30});
  }
}

TEST_CASE("onnx import: Squeeze without axes, Unsqueeze's axes by opset, Slice's attributes at opset 9") {
  {
    OnnxModel m(13);
    m.input("x", {2, 1, 3, 1});
    m.node("Squeeze", {"x"}, {"y"}, "sq");
    m.output("y", {2, 3});
    const Graph g = import_onnx_bytes(m.bytes(), "squeeze.onnx");
    CHECK(g.blobs[static_cast<size_t>(g.outputs[0])].dims == Dims{2, 3});
  }
  for (int64_t opset : {11, 13}) {
    CAPTURE(opset);
    OnnxModel m(opset);
    m.input("x", {2, 3});
    if (opset >= 13) {
      m.initializer_int64("axes", {2}, {-1, 0});
      m.node("Unsqueeze", {"x", "axes"}, {"y"}, "unsq");
    } else {
      set_attr(m.node("Unsqueeze", {"x"}, {"y"}, "unsq"), "axes", std::vector<int64_t>{-1, 0});
    }
    m.output("y", {1, 2, 3, 1});
    const Graph g = import_onnx_bytes(m.bytes(), "unsqueeze.onnx");
    CHECK(g.blobs[static_cast<size_t>(g.outputs[0])].dims == Dims{1, 2, 3, 1});
  }
  {
    OnnxModel m(9);
    m.input("x", {2, 4});
    onnx::NodeProto& n = m.node("Slice", {"x"}, {"y"}, "slice");
    set_attr(n, "starts", std::vector<int64_t>{1});
    set_attr(n, "ends", std::vector<int64_t>{100});
    set_attr(n, "axes", std::vector<int64_t>{1});
    m.output("y", {2, 3});
    const Graph g = import_onnx_bytes(m.bytes(), "slice9.onnx");
    check_values(run(g, Tensor({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), "y"), {2, 3, 4, 6, 7, 8});
  }
}

TEST_CASE("onnx import: Pad's reflect and edge modes, and an unknown mode named") {
  for (const char* mode : {"reflect", "edge", "wrap"}) {
    CAPTURE(mode);
    OnnxModel m(13);
    m.input("x", {1, 3});
    m.initializer_int64("pads", {4}, {0, 2, 0, 1});
    set_attr(m.node("Pad", {"x", "pads"}, {"y"}, "pad"), "mode", std::string(mode));
    m.output("y", {1, 6});
    if (std::string(mode) == "wrap") {
      CHECK_THROWS_WITH(import_onnx_bytes(m.bytes(), "pad.onnx"), doctest::Contains("mode 'wrap' is not supported"));
      continue;
    }
    const Graph g = import_onnx_bytes(m.bytes(), "pad.onnx");
    const Tensor out = run(g, Tensor({1, 3}, {1, 2, 3}), "y");
    if (std::string(mode) == "reflect") check_values(out, {3, 2, 1, 2, 3, 2});
    if (std::string(mode) == "edge") check_values(out, {1, 1, 1, 2, 3, 3});
  }
}

TEST_CASE("onnx import: ReduceMean's axes attribute, keepdims, and no axes meaning all") {
  for (bool keepdims : {true, false}) {
    for (bool all : {true, false}) {
      CAPTURE(keepdims);
      CAPTURE(all);
      OnnxModel m(13);
      m.input("x", {2, 3});
      onnx::NodeProto& n = m.node("ReduceMean", {"x"}, {"y"}, "mean");
      if (!all) set_attr(n, "axes", std::vector<int64_t>{-1});
      set_attr(n, "keepdims", int64_t{keepdims ? 1 : 0});
      const Dims want = all ? (keepdims ? Dims{1, 1} : Dims{}) : (keepdims ? Dims{2, 1} : Dims{2});
      m.output("y", want);
      const Graph g = import_onnx_bytes(m.bytes(), "mean.onnx");
      CHECK(g.blobs[static_cast<size_t>(g.outputs[0])].dims == want);
      const Tensor out = run(g, Tensor({2, 3}, {1, 2, 3, 4, 5, 9}), "y");
      if (all) {
        check_values(out, {4});
      } else {
        check_values(out, {2, 6});
      }
    }
  }
}
