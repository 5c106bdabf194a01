// Simplification at import (compute/onnx/model_simplifier.hpp): constant folding of shape arithmetic, If nodes
// whose condition folds, dead nodes, and the error that lists every unsupported op. Oracles: PyTorch's own
// export and forward (tests/fixtures/make_view_flatten.py), the ONNX checker (C++ and Python), hand-computed
// values of each folded op, and the op actually run by the taken branch.
#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/fold_constants.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>
#include <onnx/checker.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace deepvis {

namespace {

namespace fs = std::filesystem;
using onnx_internal::FoldedValue;
using test::OnnxModel;
using test::set_attr;

fs::path view_flatten_fixture() {
  const fs::path dir = fs::path(DEEPVIS_BINARY_DIR) / "simplify-fixtures/view_flatten";
  if (!fs::exists(dir / "dynamic.onnx")) {
    const auto r = test::run_process(
        {"/usr/bin/python3", std::string(DEEPVIS_SOURCE_DIR) + "/tests/fixtures/make_view_flatten.py", dir.string()});
    INFO(r.output);
    REQUIRE_MESSAGE(r.exit_code == 0, "exporting the PyTorch fixture failed (is python3-torch installed?)");
  }
  return dir;
}

Graph import_reporting(const fs::path& file, ImportReport& report) {
  ImportOptions options;
  options.report = &report;
  return import_onnx(file.string(), options);
}

std::vector<OpKind> kinds(const Graph& g) {
  std::vector<OpKind> k;
  for (const Node& n : g.nodes) k.push_back(n.kind);
  return k;
}

// Forward at batch 1, then at batch 2 after set_batch, each against PyTorch's output.
void check_forward(const Graph& graph, const fs::path& dir) {
  Net net(graph, make_cpu_backend());
  for (int batch : {1, 2}) {
    CAPTURE(batch);
    if (batch != net.batch()) net.set_batch(batch);
    net.forward(read_npy((dir / ("input" + std::to_string(batch) + ".npy")).string()));
    const Tensor want = read_npy((dir / ("output" + std::to_string(batch) + ".npy")).string());
    CHECK(test::max_relative_error(net.blob(graph.outputs.front()), want) <= 1e-5);
  }
}

FoldedValue ints(std::vector<int64_t> dims, std::vector<int64_t> values) {
  FoldedValue v;
  v.dims = std::move(dims);
  v.ints = std::move(values);
  return v;
}

std::vector<FoldedValue> fold(const onnx::NodeProto& node, const std::vector<const FoldedValue*>& inputs,
                              int64_t opset = 13) {
  const auto out = onnx_internal::fold_node(node, opset, inputs, [](const std::string&) { return std::nullopt; });
  REQUIRE(out.has_value());
  return *out;
}

onnx::NodeProto make_node(const std::string& op, int inputs) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(op);
  for (int i = 0; i < inputs; ++i) n.add_input("in" + std::to_string(i));
  n.add_output("out");
  return n;
}

// x 1x2x3x3 -> If(Shape(x)[1] == `equal_to`) then Relu(x) else Sigmoid(x); the branches read x from outside.
OnnxModel if_model(int64_t equal_to) {
  OnnxModel m(13);
  m.input("x", {1, 2, 3, 3});
  m.initializer_int64("one", {}, {1});
  m.initializer_int64("want", {}, {equal_to});
  m.node("Shape", {"x"}, {"shape"}, "shape");
  m.node("Gather", {"shape", "one"}, {"channels"}, "gather");
  m.node("Equal", {"channels", "want"}, {"cond"}, "equal");
  onnx::NodeProto& iff = m.node("If", {"cond"}, {"y"}, "if");
  for (const auto& [branch, op] :
       {std::pair<const char*, const char*>{"then_branch", "Relu"}, {"else_branch", "Sigmoid"}}) {
    onnx::AttributeProto* a = iff.add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* g = a->mutable_g();
    g->set_name(branch);
    onnx::NodeProto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(std::string(branch) + "_op");
    n->add_input("x");
    n->add_output(std::string(branch) + "_y");
    onnx::ValueInfoProto* out = g->add_output();
    out->set_name(std::string(branch) + "_y");
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  m.output("y", {1, 2, 3, 3});
  return m;
}

}  // namespace

TEST_CASE("onnx simplify: PyTorch's x.view(x.size(0), -1) folds away and matches PyTorch at batch 1 and 2") {
  const fs::path dir = view_flatten_fixture();
  const std::vector<OpKind> want = {OpKind::Conv, OpKind::Relu, OpKind::MaxPool, OpKind::Reshape, OpKind::Gemm};
  SUBCASE("dynamic batch axis: Shape, Gather, Unsqueeze, Concat and three Constants fold; the batch stays symbolic") {
    ImportReport report;
    const Graph graph = import_reporting(dir / "dynamic.onnx", report);
    CHECK(report.nodes_in_file == 12);
    CHECK(report.folded == 7);
    CHECK(report.nodes_left == 5);
    CHECK(report.batch_fixed == 0);
    CHECK(kinds(graph) == want);
    const Node& reshape = graph.nodes[3];
    CHECK(std::get<ReshapeParams>(reshape.params).shape == Dims{0, -1});  // "copy the batch", not a baked 1
    check_forward(graph, dir);
  }
  SUBCASE("fixed batch: the one Constant folds") {
    ImportReport report;
    const Graph graph = import_reporting(dir / "fixed.onnx", report);
    CHECK(report.folded == 1);
    CHECK(kinds(graph) == want);
    check_forward(graph, dir);
  }
}

TEST_CASE("onnx simplify: the simplified model passes the ONNX checker (C++ and Python) and runs the same") {
  const fs::path dir = view_flatten_fixture();
  ImportReport report;
  ImportOptions options;
  options.report = &report;
  options.keep_simplified = true;
  const Graph original = import_onnx((dir / "dynamic.onnx").string(), options);
  REQUIRE_FALSE(report.simplified.empty());
  onnx::ModelProto simplified;
  REQUIRE(simplified.ParseFromString(report.simplified));
  CHECK_NOTHROW(onnx::checker::check_model(simplified));
  for (const onnx::NodeProto& node : simplified.graph().node()) {
    CHECK_MESSAGE(node.op_type() != "Shape", "a Shape node is left");
    CHECK_MESSAGE(node.op_type() != "Constant", "a Constant node is left");
  }
  const fs::path file = test::make_temp_dir("simplified") / "simplified.onnx";
  std::ofstream(file, std::ios::binary) << report.simplified;
  const auto py = test::run_process({"/usr/bin/python3", "-c",
                                     "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m); "
                                     "print(len(m.graph.node))",
                                     file.string()});
  INFO(py.output);
  CHECK(py.exit_code == 0);
  CHECK(py.output == "5\n");
  const Graph again = import_onnx(file.string());
  CHECK(kinds(again) == kinds(original));
  check_forward(again, dir);

  // The CLI writes the same file and says what folded.
  const fs::path cli_file = file.parent_path() / "cli.onnx";
  const auto r = test::run_process({test::deepvis_binary(), "info", "--model", (dir / "dynamic.onnx").string(),
                                    "--device", "cpu", "--simplified", cli_file.string()});
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("import: 12 ONNX nodes, 7 folded at import, 0 If branches taken, 0 dead; 5 converted") !=
        std::string::npos);
  std::ifstream in(cli_file, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(written == report.simplified);
}

TEST_CASE("onnx simplify: an If whose condition folds is replaced by its taken branch") {
  Tensor x({1, 2, 3, 3});
  for (int64_t i = 0; i < x.numel(); ++i) x.at(i) = static_cast<float>(i) - 8.5f;
  for (const bool channels_are_two : {true, false}) {
    CAPTURE(channels_are_two);
    ImportReport report;
    ImportOptions options;
    options.report = &report;
    const Graph graph = import_onnx_bytes(if_model(channels_are_two ? 2 : 5).bytes(), "if.onnx", options);
    CHECK(report.inlined_ifs == 1);
    CHECK(kinds(graph) == std::vector<OpKind>{channels_are_two ? OpKind::Relu : OpKind::Sigmoid});
    Net net(graph, make_reference_backend());
    net.forward(x);
    const Tensor& y = net.blob(graph.outputs.front());
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = x.at(i);
      const double want = channels_are_two ? std::max(v, 0.0) : 1.0 / (1.0 + std::exp(-v));
      REQUIRE(std::fabs(y.at(i) - want) <= 1e-6);
    }
  }
}

TEST_CASE("onnx simplify: a node no graph output needs is dropped") {
  OnnxModel m(13);
  m.input("x", {1, 2, 2, 2});
  m.node("Relu", {"x"}, {"y"}, "kept");
  m.node("Sigmoid", {"x"}, {"unused"}, "dead");
  m.output("y", {1, 2, 2, 2});
  ImportReport report;
  ImportOptions options;
  options.report = &report;
  const Graph graph = import_onnx_bytes(m.bytes(), "dead.onnx", options);
  CHECK(report.dead == 1);
  CHECK(kinds(graph) == std::vector<OpKind>{OpKind::Relu});
}

TEST_CASE("onnx: every unsupported op is listed at once, with its node count and first node") {
  OnnxModel m(13);
  m.input("x", {1, 2, 2, 2});
  m.node("Hardmax", {"x"}, {"t1"}, "hardmax1");
  m.node("Shrink", {"t1"}, {"e1"}, "shrink1");
  m.node("Hardmax", {"e1"}, {"t2"}, "hardmax2");
  m.output("t2", {1, 2, 2, 2});
  std::string msg;
  try {
    import_onnx_bytes(m.bytes(), "many.onnx", {});
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("many.onnx: 2 unsupported ops: Hardmax (2 nodes: 'hardmax1', ...); Shrink (1 node: 'shrink1'); "
                 "supported: ") == 0);
  // The CLI's exit code for it is 3 (bad model).
  const fs::path dir = test::make_temp_dir("unsupported");
  const auto r = test::run_process({test::deepvis_binary(), "info", "--model", m.save(dir), "--device", "cpu"});
  CHECK(r.exit_code == 3);
  CHECK(r.output.find("2 unsupported ops") != std::string::npos);
}

TEST_CASE("onnx simplify: folded ops give NumPy's values (hand-computed)") {
  SUBCASE("Gather along axis 1 with a negative index") {
    onnx::NodeProto n = make_node("Gather", 2);
    set_attr(n, "axis", int64_t{1});
    const FoldedValue data = ints({2, 3}, {1, 2, 3, 4, 5, 6});
    const FoldedValue idx = ints({2}, {-1, 0});
    const FoldedValue out = fold(n, {&data, &idx}).at(0);
    CHECK(out.dims == std::vector<int64_t>{2, 2});
    CHECK(out.ints == std::vector<int64_t>{3, 1, 6, 4});
  }
  SUBCASE("Slice with a negative step, clamped ends, and steps of 2") {
    onnx::NodeProto n = make_node("Slice", 5);
    const FoldedValue data = ints({6}, {0, 1, 2, 3, 4, 5});
    const FoldedValue starts = ints({1}, {-1});
    const FoldedValue ends = ints({1}, {std::numeric_limits<int64_t>::min()});
    const FoldedValue axes = ints({1}, {0});
    const FoldedValue steps = ints({1}, {-2});
    CHECK(fold(n, {&data, &starts, &ends, &axes, &steps}).at(0).ints == std::vector<int64_t>{5, 3, 1});  // x[::-2]
    const FoldedValue s2 = ints({1}, {1});
    const FoldedValue e2 = ints({1}, {100});
    const FoldedValue st2 = ints({1}, {2});
    CHECK(fold(n, {&data, &s2, &e2, &axes, &st2}).at(0).ints == std::vector<int64_t>{1, 3, 5});  // x[1:100:2]
  }
  SUBCASE("Div of integers truncates toward zero; Range; Cast to bool") {
    onnx::NodeProto div = make_node("Div", 2);
    const FoldedValue a = ints({3}, {7, -7, 9});
    const FoldedValue b = ints({}, {2});
    CHECK(fold(div, {&a, &b}).at(0).ints == std::vector<int64_t>{3, -3, 4});
    onnx::NodeProto range = make_node("Range", 3);
    const FoldedValue start = ints({}, {10});
    const FoldedValue limit = ints({}, {2});
    const FoldedValue delta = ints({}, {-3});
    CHECK(fold(range, {&start, &limit, &delta}).at(0).ints == std::vector<int64_t>{10, 7, 4});
    onnx::NodeProto cast = make_node("Cast", 1);
    set_attr(cast, "to", int64_t{onnx::TensorProto::BOOL});
    const FoldedValue c = ints({3}, {0, 5, -1});
    CHECK(fold(cast, {&c}).at(0).ints == std::vector<int64_t>{0, 1, 1});
  }
  SUBCASE("Expand broadcasts; Unsqueeze at opset 11 reads its axes attribute; Concat of 2-D values on axis 1") {
    onnx::NodeProto expand = make_node("Expand", 2);
    const FoldedValue x = ints({2, 1}, {1, 2});
    const FoldedValue shape = ints({2}, {2, 3});
    const FoldedValue e = fold(expand, {&x, &shape}).at(0);
    CHECK(e.dims == std::vector<int64_t>{2, 3});
    CHECK(e.ints == std::vector<int64_t>{1, 1, 1, 2, 2, 2});
    onnx::NodeProto unsqueeze = make_node("Unsqueeze", 1);
    set_attr(unsqueeze, "axes", std::vector<int64_t>{0, -1});
    const FoldedValue u = fold(unsqueeze, {&x}, 11).at(0);
    CHECK(u.dims == std::vector<int64_t>{1, 2, 1, 1});
    onnx::NodeProto concat = make_node("Concat", 2);
    set_attr(concat, "axis", int64_t{1});
    const FoldedValue y = ints({2, 2}, {7, 8, 9, 10});
    const FoldedValue c = fold(concat, {&x, &y}).at(0);
    CHECK(c.dims == std::vector<int64_t>{2, 3});
    CHECK(c.ints == std::vector<int64_t>{1, 7, 8, 2, 9, 10});
  }
  SUBCASE("Transpose: the default reverses the dims, a perm moves them, batch marks move with their elements") {
    onnx::NodeProto t = make_node("Transpose", 1);
    FoldedValue x = ints({2, 3}, {1, 2, 3, 4, 5, 6});
    x.batch = {false, false, false, false, true, false};
    const FoldedValue r = fold(t, {&x}).at(0);
    CHECK(r.dims == std::vector<int64_t>{3, 2});
    CHECK(r.ints == std::vector<int64_t>{1, 4, 2, 5, 3, 6});
    CHECK(r.batch == std::vector<bool>{false, false, false, true, false, false});  // the 5 moved to index 3
    onnx::NodeProto p = make_node("Transpose", 1);
    set_attr(p, "perm", std::vector<int64_t>{1, 2, 0});
    const FoldedValue y = ints({2, 1, 3}, {1, 2, 3, 4, 5, 6});
    const FoldedValue q = fold(p, {&y}).at(0);
    CHECK(q.dims == std::vector<int64_t>{1, 3, 2});
    CHECK(q.ints == std::vector<int64_t>{1, 4, 2, 5, 3, 6});
    onnx::NodeProto bad = make_node("Transpose", 1);
    set_attr(bad, "perm", std::vector<int64_t>{0, 0});
    CHECK_FALSE(onnx_internal::fold_node(bad, 13, {&x}, [](const std::string&) { return std::nullopt; }).has_value());
  }
  SUBCASE("arithmetic on the symbolic batch is not folded; copying it keeps the mark") {
    FoldedValue batch = ints({1}, {0});
    batch.batch = {true};
    const FoldedValue two = ints({1}, {2});
    onnx::NodeProto mul = make_node("Mul", 2);
    CHECK_FALSE(
        onnx_internal::fold_node(mul, 13, {&batch, &two}, [](const std::string&) { return std::nullopt; }).has_value());
    onnx::NodeProto concat = make_node("Concat", 2);
    set_attr(concat, "axis", int64_t{0});
    const FoldedValue minus_one = ints({1}, {-1});
    const FoldedValue c = fold(concat, {&batch, &minus_one}).at(0);
    CHECK(c.ints == std::vector<int64_t>{0, -1});
    CHECK(c.batch == std::vector<bool>{true, false});
  }
}

}  // namespace deepvis
