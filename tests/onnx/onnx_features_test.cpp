// What the importer does to valid models: external data, Dropout/Identity elimination, BatchNorm folding,
// auto_pad, the opset-dependent forms of Clip, Softmax and Pad, and the Reshape batch rule. Values are checked
// by running the imported graph on the reference backend against hand-computed results.
#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

namespace deepvis {

namespace {

namespace fs = std::filesystem;
using test::OnnxModel;
using test::set_attr;

Graph import_model(const OnnxModel& m, const ImportOptions& options = {}) {
  return import_onnx_bytes(m.bytes(), "test.onnx", options);
}

std::vector<OpKind> kinds(const Graph& g) {
  std::vector<OpKind> k;
  for (const Node& n : g.nodes) k.push_back(n.kind);
  return k;
}

Tensor iota_tensor(Dims dims) {
  Tensor t(std::move(dims));
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = static_cast<float>(i);
  return t;
}

const Node& only_node(const Graph& g) {
  REQUIRE(g.nodes.size() == 1);
  return g.nodes[0];
}

void append_floats(std::string& bytes, const std::vector<float>& values) {
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

void set_external(onnx::TensorProto& t, const std::string& location, int64_t offset, int64_t length) {
  t.clear_float_data();
  t.set_data_location(onnx::TensorProto::EXTERNAL);
  const std::pair<const char*, std::string> entries[] = {
      {"location", location}, {"offset", std::to_string(offset)}, {"length", std::to_string(length)}};
  for (const auto& [key, value] : entries) {
    auto* e = t.add_external_data();
    e->set_key(key);
    e->set_value(value);
  }
}

// x (1x2x4x4) -> Conv 3x3 pad 1 (3 outputs, with bias) -> BatchNormalization -> Relu.
OnnxModel conv_bn_model(bool conv_bias) {
  OnnxModel m(13);
  m.input("x", {1, 2, 4, 4});
  m.initializer("W", {3, 2, 3, 3}, [] {
    const Tensor t = test::random_tensor({3, 2, 3, 3}, 11);
    return std::vector<float>(t.data(), t.data() + t.numel());
  }());
  std::vector<std::string> conv_inputs = {"x", "W"};
  if (conv_bias) {
    m.initializer("B", {3}, {0.1f, -0.2f, 0.3f});
    conv_inputs.push_back("B");
  }
  m.initializer("scale", {3}, {1.5f, 0.5f, -2.0f});
  m.initializer("beta", {3}, {0.25f, -0.5f, 1.0f});
  m.initializer("mean", {3}, {0.2f, -0.1f, 0.4f});
  m.initializer("var", {3}, {0.5f, 2.0f, 1.25f});
  onnx::NodeProto& conv = m.node("Conv", conv_inputs, {"conv_out"}, "conv1");
  set_attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  onnx::NodeProto& bn = m.node("BatchNormalization", {"conv_out", "scale", "beta", "mean", "var"}, {"bn_out"}, "bn1");
  set_attr(bn, "epsilon", 1e-3f);
  m.node("Relu", {"bn_out"}, {"y"}, "relu1");
  m.output("y", {1, 3, 4, 4});
  return m;
}

}  // namespace

TEST_CASE("onnx: external data inside the model's folder is loaded") {
  const fs::path dir = test::make_temp_dir("external");
  fs::create_directories(dir / "weights");
  // One file holding W after 8 bytes of padding, then B.
  std::string bytes(8, '\0');
  append_floats(bytes, {1.0f, 2.0f, 3.0f, 4.0f});
  append_floats(bytes, {0.5f});
  std::ofstream(dir / "weights" / "conv.bin", std::ios::binary) << bytes;

  OnnxModel m(13);
  m.input("x", {1, 1, 3, 3});
  set_external(m.initializer("W", {1, 1, 2, 2}, {}), "weights/conv.bin", 8, 16);
  set_external(m.initializer("B", {1}, {}), "weights/../weights/conv.bin", 24, 4);  // still inside
  m.node("Conv", {"x", "W", "B"}, {"y"}, "conv1");
  m.output("y", {1, 1, 2, 2});
  const Graph g = import_onnx(m.save(dir));

  const Blob& w = g.blobs[static_cast<size_t>(g.find_blob("W"))];
  REQUIRE(w.constant);
  CHECK(w.dims == Dims{1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) CHECK(w.value.at(i) == static_cast<float>(i + 1));
  CHECK(g.blobs[static_cast<size_t>(g.find_blob("B"))].value.at(0) == 0.5f);

  // y[0,0] = 1*x00 + 2*x01 + 3*x10 + 4*x11 + 0.5 with x = 0..8: 0 + 2 + 9 + 16 + 0.5.
  const Tensor y = test::run_forward(g, make_reference_backend(), iota_tensor({1, 1, 3, 3}));
  CHECK(y.at(0) == doctest::Approx(27.5));
  CHECK(y.at(3) == doctest::Approx(1 * 4 + 2 * 5 + 3 * 7 + 4 * 8 + 0.5));
  fs::remove_all(dir);
}

TEST_CASE("onnx: Dropout, Identity and zero Pads are eliminated and their consumers rewired") {
  OnnxModel m(13);
  m.input("x", {1, 4});
  m.initializer("ratio", {}, {0.5f});
  m.node("Identity", {"x"}, {"x_id"}, "id1");
  m.node("Relu", {"x_id"}, {"r"}, "relu1");
  m.node("Dropout", {"r", "ratio"}, {"d"}, "drop1");
  m.node("Sigmoid", {"d"}, {"s"}, "sig1");
  m.node("Identity", {"s"}, {"out"}, "id2");
  m.output("out", {1, 4});
  const Graph g = import_model(m);

  REQUIRE(kinds(g) == std::vector<OpKind>{OpKind::Relu, OpKind::Sigmoid});
  CHECK(g.nodes[0].name == "relu1");
  CHECK(g.nodes[0].inputs == std::vector<int>{g.input});
  CHECK(g.nodes[1].inputs == std::vector<int>{g.nodes[0].output});
  CHECK(g.outputs == std::vector<int>{g.nodes[1].output});
  CHECK(g.find_blob("d") < 0);
  CHECK(g.find_blob("x_id") < 0);
  CHECK(g.find_blob("ratio") < 0);  // read as a parameter, never a blob

  const Tensor y = test::run_forward(g, make_reference_backend(), Tensor({1, 4}, {-2.0f, -0.5f, 0.0f, 1.5f}));
  const float expected[] = {0.5f, 0.5f, 0.5f, 1.0f / (1.0f + std::exp(-1.5f))};  // dropout is identity at inference
  for (int i = 0; i < 4; ++i) CHECK(y.at(i) == doctest::Approx(expected[i]));

  SUBCASE("a Pad of zeros is an Identity too") {
    OnnxModel z(13);
    z.input("x", {1, 1, 2, 2});
    z.initializer_int64("pads", {8}, {0, 0, 0, 0, 0, 0, 0, 0});
    z.node("Pad", {"x", "pads"}, {"xp"}, "nopad");
    z.node("Relu", {"xp"}, {"y"}, "relu1");
    z.output("y", {1, 1, 2, 2});
    const Graph gz = import_model(z);
    REQUIRE(kinds(gz) == std::vector<OpKind>{OpKind::Relu});
    CHECK(gz.nodes[0].inputs == std::vector<int>{gz.input});
  }

  SUBCASE("opset 10 Dropout (ratio attribute) and an Identity of weights") {
    OnnxModel old(10);
    old.input("x", {1, 1, 2, 2});
    old.initializer("W0", {1, 1, 1, 1}, {3.0f});
    old.node("Identity", {"W0"}, {"W"}, "wid");
    set_attr(old.node("Dropout", {"x"}, {"xd", "mask"}, "drop"), "ratio", 0.3f);  // mask unused: fine
    old.node("Conv", {"xd", "W"}, {"y"}, "conv1");
    old.output("y", {1, 1, 2, 2});
    const Graph g2 = import_model(old);
    REQUIRE(kinds(g2) == std::vector<OpKind>{OpKind::Conv});
    CHECK(g2.nodes[0].inputs[0] == g2.input);
    CHECK(g2.blobs[static_cast<size_t>(g2.nodes[0].inputs[1])].constant);
    const Tensor y2 = test::run_forward(g2, make_reference_backend(), iota_tensor({1, 1, 2, 2}));
    for (int i = 0; i < 4; ++i) CHECK(y2.at(i) == doctest::Approx(3.0 * i));
  }
}

TEST_CASE("onnx: BatchNormalization folds into the preceding Conv with the same output") {
  for (const bool bias : {true, false}) {
    CAPTURE(bias);
    const OnnxModel m = conv_bn_model(bias);
    ImportOptions unfolded_options;
    unfolded_options.fold_batchnorm = false;
    const Graph folded = import_model(m);
    const Graph unfolded = import_model(m, unfolded_options);
    REQUIRE(kinds(folded) == std::vector<OpKind>{OpKind::Conv, OpKind::Relu});
    REQUIRE(kinds(unfolded) == std::vector<OpKind>{OpKind::Conv, OpKind::BatchNorm, OpKind::Relu});
    CHECK(folded.nodes[0].name == "conv1");
    CHECK(folded.blobs[static_cast<size_t>(folded.nodes[0].output)].name == "bn_out");
    CHECK(folded.find_blob("conv_out") < 0);
    CHECK(folded.find_blob("scale") < 0);

    const Tensor x = test::random_tensor({1, 2, 4, 4}, 5);
    const auto ref = make_reference_backend();
    // Before the Relu, so that its kink cannot hide a difference.
    Net a(folded, ref);
    Net b(unfolded, ref);
    a.forward(x);
    b.forward(x);
    const Tensor& fa = a.blob(a.blob_id("bn_out"));
    const Tensor& fb = b.blob(b.blob_id("bn_out"));
    CHECK(test::max_relative_error(fa, fb) < 1e-5);
    // Channel 2 has a negative scale: the fold must flip it, and the values must not be all zero.
    CHECK(test::max_abs_error(fb, Tensor(fb.dims())) > 0.1);
  }

  SUBCASE("not folded when the Conv output has another reader") {
    OnnxModel m = conv_bn_model(true);
    m.output("conv_out", {1, 3, 4, 4});
    CHECK(kinds(import_model(m)) == std::vector<OpKind>{OpKind::Conv, OpKind::BatchNorm, OpKind::Relu});
  }
}

TEST_CASE("onnx: auto_pad SAME_UPPER, SAME_LOWER and VALID become explicit pads") {
  auto conv = [](const std::string& auto_pad) {
    OnnxModel m(13);
    m.input("x", {1, 1, 5, 5});
    m.initializer("W", {1, 1, 2, 2}, {1, 1, 1, 1});
    onnx::NodeProto& n = m.node("Conv", {"x", "W"}, {"y"}, "conv1");
    set_attr(n, "auto_pad", auto_pad);
    set_attr(n, "strides", std::vector<int64_t>{2, 2});
    m.output("y", {1, 1, -1, -1});
    return import_model(m);
  };
  const auto ref = make_reference_backend();
  const Tensor x = iota_tensor({1, 1, 5, 5});

  // out = ceil(5/2) = 3; total pad (3-1)*2 + 2 - 5 = 1, at the end for UPPER, the beginning for LOWER.
  const Graph upper = conv("SAME_UPPER");
  const auto& pu = only_node(upper).params_as<ConvParams>();
  CHECK(pu.pads_begin == Dims{0, 0});
  CHECK(pu.pads_end == Dims{1, 1});
  const Tensor yu = test::run_forward(upper, ref, x);
  REQUIRE(yu.dims() == Dims{1, 1, 3, 3});
  CHECK(yu.at(0) == 0 + 1 + 5 + 6);
  CHECK(yu.at(8) == 24);  // only x[4,4] is inside the last window

  const Graph lower = conv("SAME_LOWER");
  const auto& pl = only_node(lower).params_as<ConvParams>();
  CHECK(pl.pads_begin == Dims{1, 1});
  CHECK(pl.pads_end == Dims{0, 0});
  const Tensor yl = test::run_forward(lower, ref, x);
  REQUIRE(yl.dims() == Dims{1, 1, 3, 3});
  CHECK(yl.at(0) == 0);
  CHECK(yl.at(8) == 18 + 19 + 23 + 24);

  const Graph valid = conv("VALID");
  CHECK(only_node(valid).params_as<ConvParams>().pads_end == Dims{0, 0});
  CHECK(valid.blobs[static_cast<size_t>(valid.outputs[0])].dims == Dims{1, 1, 2, 2});

  // MaxPool 3x3/2 on 6x6: out 3, total pad 1.
  OnnxModel m(13);
  m.input("x", {1, 1, 6, 6});
  onnx::NodeProto& pool = m.node("MaxPool", {"x"}, {"y"}, "pool1");
  set_attr(pool, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(pool, "strides", std::vector<int64_t>{2, 2});
  set_attr(pool, "auto_pad", std::string("SAME_UPPER"));
  m.output("y", {1, 1, 3, 3});
  const Graph pooled = import_model(m);
  const auto& pp = only_node(pooled).params_as<PoolParams>();
  CHECK(pp.pads_begin == Dims{0, 0});
  CHECK(pp.pads_end == Dims{1, 1});
}

TEST_CASE("onnx: Clip bounds are attributes before opset 11 and inputs from 11") {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x({1, 4}, {-3.0f, -0.5f, 1.0f, 5.0f});
  const auto ref = make_reference_backend();

  OnnxModel v10(10);
  v10.input("x", {1, 4});
  onnx::NodeProto& c10 = v10.node("Clip", {"x"}, {"y"}, "clip");
  set_attr(c10, "min", -1.0f);
  set_attr(c10, "max", 2.0f);
  v10.output("y", {1, 4});
  const Graph g10 = import_model(v10);
  CHECK(only_node(g10).params_as<ClipParams>().min == -1.0f);
  CHECK(only_node(g10).params_as<ClipParams>().max == 2.0f);
  const Tensor y10 = test::run_forward(g10, ref, x);
  const float e10[] = {-1.0f, -0.5f, 1.0f, 2.0f};
  for (int i = 0; i < 4; ++i) CHECK(y10.at(i) == e10[i]);

  OnnxModel v11(11);
  v11.input("x", {1, 4});
  v11.initializer("lo", {}, {-1.0f});
  v11.node("Clip", {"x", "lo"}, {"y"}, "clip");  // max absent
  v11.output("y", {1, 4});
  const Graph g11 = import_model(v11);
  CHECK(only_node(g11).params_as<ClipParams>().min == -1.0f);
  CHECK(only_node(g11).params_as<ClipParams>().max == inf);
  CHECK(only_node(g11).inputs.size() == 1);  // the bound is a parameter, not an input

  OnnxModel v13(13);  // only max, through a Constant node; min skipped with ""
  v13.input("x", {1, 4});
  set_attr(v13.node("Constant", {}, {"hi"}, "hi_const"), "value_float", 2.0f);
  v13.node("Clip", {"x", "", "hi"}, {"y"}, "clip");
  v13.output("y", {1, 4});
  const Graph g13 = import_model(v13);
  CHECK(only_node(g13).params_as<ClipParams>().min == -inf);
  const Tensor y13 = test::run_forward(g13, ref, x);
  const float e13[] = {-3.0f, -0.5f, 1.0f, 2.0f};
  for (int i = 0; i < 4; ++i) CHECK(y13.at(i) == e13[i]);
}

TEST_CASE("onnx: Softmax defaults differ between opset 11 and 13") {
  auto softmax = [](int64_t opset) {
    OnnxModel m(opset);
    m.input("x", {2, 3, 4});
    m.node("Softmax", {"x"}, {"y"}, "sm");
    m.output("y", {2, 3, 4});
    return import_model(m);
  };
  const Tensor x = test::random_tensor({2, 3, 4}, 3, -2.0f, 2.0f);
  const auto ref = make_reference_backend();

  // Opset 11: coerced to 2-D at axis 1, so each batch row of 12 values sums to 1.
  const Graph g11 = softmax(11);
  CHECK(only_node(g11).params_as<SoftmaxParams>().axis == 1);
  CHECK(only_node(g11).params_as<SoftmaxParams>().coerce_2d);
  const Tensor y11 = test::run_forward(g11, ref, x);
  for (int r = 0; r < 2; ++r) {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += y11.at(r * 12 + i);
    CHECK(sum == doctest::Approx(1.0));
  }

  // Opset 13: along the last axis, so each group of 4 sums to 1.
  const Graph g13 = softmax(13);
  CHECK(only_node(g13).params_as<SoftmaxParams>().axis == 2);
  CHECK_FALSE(only_node(g13).params_as<SoftmaxParams>().coerce_2d);
  const Tensor y13 = test::run_forward(g13, ref, x);
  for (int r = 0; r < 6; ++r) {
    double sum = 0;
    for (int i = 0; i < 4; ++i) sum += y13.at(r * 4 + i);
    CHECK(sum == doctest::Approx(1.0));
  }
}

TEST_CASE("onnx: Reshape batch rule keeps exported shapes working at another batch") {
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1, 18}, std::vector<int64_t>{1, -1}}) {
    OnnxModel m(13);
    m.input("x", {1, 2, 3, 3});
    m.initializer_int64("shape", {2}, shape);
    m.node("Reshape", {"x", "shape"}, {"y"}, "flat");
    m.output("y", {1, 18});
    const Graph g = import_model(m);
    CHECK(only_node(g).params_as<ReshapeParams>().shape == Dims{0, shape[1]});
    CHECK(g.find_blob("shape") < 0);  // an int64 shape is a parameter, not a blob

    Net net(g, make_reference_backend());
    net.set_batch(2);
    const int out = g.outputs[0];
    REQUIRE(net.blob_dims(out) == Dims{2, 18});
    const Tensor x = test::random_tensor({2, 2, 3, 3}, 9);
    net.forward(x);
    const Tensor& y = net.blob(out);
    for (int64_t i = 0; i < x.numel(); ++i) CHECK(y.at(i) == x.at(i));
  }

  // A first entry that is not the batch stays as written.
  OnnxModel m(13);
  m.input("x", {2, 6});
  m.initializer_int64("shape", {2}, {3, 4});
  m.node("Reshape", {"x", "shape"}, {"y"}, "r");
  m.output("y", {3, 4});
  const Graph kept = import_model(m);
  CHECK(only_node(kept).params_as<ReshapeParams>().shape == Dims{3, 4});
}

TEST_CASE("onnx: Pad, Concat, Flatten, Constant and a symbolic batch dim") {
  SUBCASE("Pad attributes (opset 10) and inputs (opset 11)") {
    OnnxModel v10(10);
    v10.input("x", {1, 1, 2, 2});
    onnx::NodeProto& p10 = v10.node("Pad", {"x"}, {"y"}, "pad");
    set_attr(p10, "pads", std::vector<int64_t>{0, 0, 1, 2, 0, 0, 3, 4});
    set_attr(p10, "value", 7.0f);
    v10.output("y", {1, 1, 6, 8});
    const Graph g10 = import_model(v10);
    const auto& a = only_node(g10).params_as<PadParams>();
    CHECK(a.pads_begin == Dims{0, 0, 1, 2});
    CHECK(a.pads_end == Dims{0, 0, 3, 4});
    CHECK(a.value == 7.0f);

    OnnxModel v11(11);
    v11.input("x", {1, 1, 2, 2});
    v11.initializer_int64("pads", {8}, {0, 0, 1, 2, 0, 0, 3, 4});
    v11.initializer("value", {}, {7.0f});
    v11.node("Pad", {"x", "pads", "value"}, {"y"}, "pad");
    v11.output("y", {1, 1, 6, 8});
    const Graph g = import_model(v11);
    const auto& b = only_node(g).params_as<PadParams>();
    CHECK(b.pads_begin == a.pads_begin);
    CHECK(b.pads_end == a.pads_end);
    CHECK(b.value == 7.0f);
    const Tensor y = test::run_forward(g, make_reference_backend(), iota_tensor({1, 1, 2, 2}));
    CHECK(y.at(0) == 7.0f);
    CHECK(y.at(1 * 8 + 2) == 0.0f);  // x[0,0] lands at row 1, column 2
    CHECK(y.at(2 * 8 + 3) == 3.0f);
  }
  SUBCASE("negative Concat and Flatten axes, Constant operands") {
    OnnxModel m(13);
    m.input("x", {1, 2, 2, 2});
    onnx::TensorProto value;
    value.set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : {1, 1, 2, 2}) value.add_dims(d);
    for (float v : {10.0f, 20.0f, 30.0f, 40.0f}) value.add_float_data(v);
    onnx::NodeProto& c = m.node("Constant", {}, {"k"}, "k");
    auto* attr = c.add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    *attr->mutable_t() = value;
    set_attr(m.node("Concat", {"x", "k"}, {"cat"}, "cat"), "axis", int64_t{-3});
    set_attr(m.node("Flatten", {"cat"}, {"y"}, "flat"), "axis", int64_t{-3});
    m.output("y", {1, 12});
    const Graph g = import_model(m);
    REQUIRE(kinds(g) == std::vector<OpKind>{OpKind::Concat, OpKind::Flatten});
    CHECK(g.nodes[0].params_as<ConcatParams>().axis == 1);
    CHECK(g.nodes[1].params_as<FlattenParams>().axis == 1);
    CHECK(g.blobs[static_cast<size_t>(g.nodes[0].inputs[1])].constant);
    const Tensor y = test::run_forward(g, make_reference_backend(), iota_tensor({1, 2, 2, 2}));
    REQUIRE(y.dims() == Dims{1, 12});
    CHECK(y.at(7) == 7.0f);
    CHECK(y.at(8) == 10.0f);
    CHECK(y.at(11) == 40.0f);
  }
  SUBCASE("a symbolic batch dim imports as 1; initializers listed as inputs are constants") {
    OnnxModel m(13);
    m.input("x", {1, 3});
    m.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param(
        "N");
    m.input("W", {3, 2});
    m.initializer("W", {3, 2}, {1, 0, 0, 1, 1, 1});
    m.node("MatMul", {"x", "W"}, {"y"}, "mm");
    m.output("y", {-1, 2});
    const Graph g = import_model(m);
    CHECK(g.blobs[static_cast<size_t>(g.input)].dims == Dims{1, 3});
    const Tensor y = test::run_forward(g, make_reference_backend(), Tensor({1, 3}, {1, 2, 3}));
    CHECK(y.at(0) == 4.0f);
    CHECK(y.at(1) == 5.0f);
  }
}

TEST_CASE("onnx: a small CNN runs at another batch on the cpu backend like the unfolded reference") {
  // Conv -> BatchNormalization -> Relu -> MaxPool -> Reshape [1, -1] -> Gemm -> Softmax, exported at batch 1.
  OnnxModel m = conv_bn_model(true);
  m.graph().clear_output();
  onnx::NodeProto& pool = m.node("MaxPool", {"y"}, {"pooled"}, "pool1");
  set_attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(pool, "strides", std::vector<int64_t>{2, 2});
  m.initializer_int64("flat_shape", {2}, {1, -1});
  m.node("Reshape", {"pooled", "flat_shape"}, {"flat"}, "flatten");
  const Tensor fc = test::random_tensor({5, 12}, 21);
  m.initializer("fc_w", {5, 12}, std::vector<float>(fc.data(), fc.data() + fc.numel()));
  m.initializer("fc_b", {5}, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f});
  set_attr(m.node("Gemm", {"flat", "fc_w", "fc_b"}, {"logits"}, "fc"), "transB", int64_t{1});
  m.node("Softmax", {"logits"}, {"prob"}, "softmax");
  m.output("prob", {1, 5});

  ImportOptions unfolded;
  unfolded.fold_batchnorm = false;
  Net fast(import_model(m), make_cpu_backend(), 2);
  Net oracle(import_model(m, unfolded), make_reference_backend(), 2);
  const Tensor x = test::random_tensor({2, 2, 4, 4}, 8);
  fast.forward(x);
  oracle.forward(x);
  const Tensor& a = fast.blob(fast.blob_id("prob"));
  const Tensor& b = oracle.blob(oracle.blob_id("prob"));
  REQUIRE(a.dims() == Dims{2, 5});
  CHECK(test::max_relative_error(a, b) < 1e-4);
  const Tensor& la = fast.blob(fast.blob_id("logits"));
  const Tensor& lb = oracle.blob(oracle.blob_id("logits"));
  CHECK(test::max_relative_error(la, lb) < 1e-4);
  // The two images give different rows (so the second is not a copy of the first).
  double row_difference = 0;
  for (int i = 0; i < 5; ++i) row_difference += std::fabs(lb.at(i) - lb.at(5 + i));
  CHECK(row_difference > 1e-2);
}

TEST_CASE("onnx: supported_onnx_ops lists every op kind, the lowered ops and the eliminated ops, sorted") {
  const auto ops = supported_onnx_ops();
  CHECK(std::is_sorted(ops.begin(), ops.end()));
  for (std::string_view kind : kOpNames) {
    CAPTURE(kind);
    CHECK(std::find(ops.begin(), ops.end(), kind) != ops.end());
  }
  for (const char* op : {"Dropout", "Identity", "Constant", "Split", "Sum", "Mean", "Resize", "Upsample",
                         "ConvTranspose", "InstanceNormalization", "LayerNormalization", "LogSoftmax", "ReduceMin"}) {
    CAPTURE(op);
    CHECK(std::find(ops.begin(), ops.end(), op) != ops.end());
  }
  CHECK(std::find(ops.begin(), ops.end(), "GRU") == ops.end());
}

}  // namespace deepvis
