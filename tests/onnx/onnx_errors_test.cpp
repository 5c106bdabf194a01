// The importer's refusals: each is a deepvis::Error that names the file and, for node problems, the node and
// op, and says why.
#include "compute/core/error.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace deepvis {

namespace {

namespace fs = std::filesystem;
using test::OnnxModel;
using test::set_attr;

constexpr const char* kRealModel = "/usr/share/libonnx-testdata/data/node/test_averagepool_2d_default/model.onnx";

// The message of the Error that importing `bytes` as `name` throws ("" when it imports).
std::string import_error(const std::string& bytes, const std::string& name, const ImportOptions& options = {}) {
  try {
    import_onnx_bytes(bytes, name, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string import_file_error(const std::string& path) {
  try {
    import_onnx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Shows the whole message when the part is missing.
#define CHECK_CONTAINS(text, part)                              \
  do {                                                          \
    const std::string text_ = (text);                           \
    CHECK_MESSAGE(contains(text_, part), "message: " << text_); \
  } while (0)

// x (1x2x5x5) -> Relu: a valid starting point that tests break in one place.
OnnxModel relu_model(int64_t opset = 13) {
  OnnxModel m(opset);
  m.input("x", {1, 2, 5, 5});
  m.node("Relu", {"x"}, {"y"}, "relu1");
  m.output("y", {1, 2, 5, 5});
  return m;
}

// A Conv whose weights W are an initializer stored externally at `location`.
OnnxModel external_conv_model(const std::string& location) {
  OnnxModel m(13);
  m.input("x", {1, 1, 3, 3});
  onnx::TensorProto& w = m.initializer("W", {1, 1, 1, 1}, {});
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w.add_external_data();
  loc->set_key("location");
  loc->set_value(location);
  m.node("Conv", {"x", "W"}, {"y"}, "conv1");
  m.output("y", {1, 1, 3, 3});
  return m;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

}  // namespace

TEST_CASE("onnx: a truncated model file is refused naming the file") {
  std::ifstream in(kRealModel, std::ios::binary);
  REQUIRE(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  REQUIRE(import_error(bytes, "whole.onnx").empty());  // the untouched model imports

  const fs::path dir = test::make_temp_dir("truncated");
  write_bytes(dir / "half.onnx", bytes.substr(0, bytes.size() / 2));
  const std::string msg = import_file_error((dir / "half.onnx").string());
  CHECK_CONTAINS(msg, "half.onnx");
  CHECK_CONTAINS(msg, "truncated or corrupt");
  fs::remove_all(dir);
}

TEST_CASE("onnx: garbage bytes, an empty file and a missing file are refused") {
  std::mt19937 rng(7);
  std::string garbage(4096, '\0');
  for (char& c : garbage) c = static_cast<char>(rng() & 0xff);
  const std::string msg = import_error(garbage, "noise.onnx");
  CHECK_CONTAINS(msg, "noise.onnx");
  CHECK_CONTAINS(msg, "not a valid ONNX model");

  // Text parses as nothing sensible either.
  CHECK_CONTAINS(import_error("hello, this is not a model", "text.onnx"), "text.onnx: not a valid ONNX model");
  CHECK_CONTAINS(import_error("", "empty.onnx"), "empty.onnx: the file is empty");
  CHECK_CONTAINS(import_file_error("/nonexistent/model.onnx"), "/nonexistent/model.onnx: cannot open");
}

TEST_CASE("onnx: an unsupported op is rejected at import with the supported list") {
  OnnxModel m(13);
  m.input("x", {1, 4, 3});
  m.initializer("W", {1, 6, 3}, std::vector<float>(18, 0.1f));
  m.initializer("R", {1, 6, 2}, std::vector<float>(12, 0.1f));
  onnx::NodeProto& gru = m.node("GRU", {"x", "W", "R"}, {"y"}, "gru1");
  set_attr(gru, "hidden_size", int64_t{2});
  m.output("y", {-1, -1, -1, -1});
  const std::string msg = import_error(m.bytes(), "rnn.onnx");
  // The list is sorted and holds the lowered and eliminated ops too.
  CHECK_CONTAINS(msg, "rnn.onnx: node 'gru1' (op GRU): unsupported op; supported: Abs, Acos, Acosh, Add, Asin,");
  CHECK_CONTAINS(msg, "ConvTranspose, Cos, Cosh, DepthToSpace, Div, Dropout,");
  CHECK_CONTAINS(msg, "Resize, Round, Selu,");

  // Hardmax (opset 9), unnamed: the node is named after its op and index.
  OnnxModel hm(9);
  hm.input("x", {1, 1, 2, 2});
  hm.node("Relu", {"x"}, {"r"});
  hm.node("Hardmax", {"r"}, {"y"});
  hm.output("y", {1, 1, 2, 2});
  CHECK_CONTAINS(import_error(hm.bytes(), "hardmax.onnx"),
                 "hardmax.onnx: node 'Hardmax_1' (op Hardmax): unsupported op");
}

TEST_CASE("onnx: opsets outside 1..17 are refused, and ops read differently before opset 7 are refused there") {
  CHECK_CONTAINS(import_error(relu_model(18).bytes(), "new.onnx"), "new.onnx: opset 18 not supported (1..17)");
  CHECK(import_error(relu_model(1).bytes(), "one.onnx").empty());
  CHECK(import_error(relu_model(6).bytes(), "six.onnx").empty());
  CHECK(import_error(relu_model(7).bytes(), "seven.onnx").empty());
  // Opset 6's Tile took (input, tiles, axis), not repeats.
  OnnxModel tile(5);
  tile.input("x", {1, 2});
  tile.initializer_int64("tiles", {1}, {2});
  tile.initializer_int64("axis", {1}, {1});
  tile.node("Tile", {"x", "tiles", "axis"}, {"y"}, "tile");
  tile.output("y", {1, 4});
  CHECK_CONTAINS(import_error(tile.bytes(), "tile5.onnx"),
                 "node 'tile' (op Tile): this op at opset 5 is not supported (from opset 6)");
  // Legacy broadcasting from an axis has no NumPy equivalent.
  OnnxModel add(6);
  add.input("x", {1, 2, 3});
  add.initializer("b", {2}, {1, 2});
  onnx::NodeProto& a = add.node("Add", {"x", "b"}, {"y"}, "add");
  set_attr(a, "broadcast", int64_t{1});
  set_attr(a, "axis", int64_t{1});
  add.output("y", {1, 2, 3});
  CHECK_CONTAINS(import_error(add.bytes(), "add6.onnx"), "legacy broadcasting from an axis (opset 6)");
  CHECK(import_error(relu_model(17).bytes(), "seventeen.onnx").empty());
  // Newer exporters write IR 9 or 10 with old opsets; the opset decides.
  OnnxModel ir10 = relu_model(13);
  ir10.proto.set_ir_version(10);
  CHECK(import_error(ir10.bytes(), "ir10.onnx").empty());
}

TEST_CASE("onnx: external data may not escape the model's folder") {
  const fs::path root = test::make_temp_dir("escape");
  const fs::path dir = root / "model";
  fs::create_directories(dir);
  const float one = 1.0f;
  write_bytes(root / "secret.bin", std::string(reinterpret_cast<const char*>(&one), sizeof one));

  // The file exists, but outside the folder.
  const std::string up = external_conv_model("../secret.bin").save(dir, "up.onnx");
  std::string msg = import_file_error(up);
  CHECK_CONTAINS(msg, "up.onnx");
  CHECK_CONTAINS(msg, "tensor 'W'");
  CHECK_CONTAINS(msg, "'../secret.bin' escapes the model's folder");

  const std::string abs = external_conv_model((root / "secret.bin").string()).save(dir, "abs.onnx");
  msg = import_file_error(abs);
  CHECK_CONTAINS(msg, "abs.onnx");
  CHECK_CONTAINS(msg, "tensor 'W'");
  CHECK_CONTAINS(msg, "is absolute");

  // A symlink inside the folder that points out of it.
  fs::create_symlink(root / "secret.bin", dir / "link.bin");
  msg = import_file_error(external_conv_model("link.bin").save(dir, "link.onnx"));
  CHECK_CONTAINS(msg, "link.onnx");
  CHECK_CONTAINS(msg, "'link.bin' escapes the model's folder");

  // Inside the folder but missing, and a range past the end of the file.
  msg = import_file_error(external_conv_model("absent.bin").save(dir, "absent.onnx"));
  CHECK_CONTAINS(msg, "absent.onnx: tensor 'W': external data file 'absent.bin' not found");
  write_bytes(dir / "short.bin", "ab");
  msg = import_file_error(external_conv_model("short.bin").save(dir, "short.onnx"));
  CHECK_CONTAINS(msg, "short.onnx: tensor 'W': raw_data holds 2 bytes");
  fs::remove_all(root);
}

TEST_CASE("onnx: a missing initializer is reported with the node and the name") {
  OnnxModel m(13);
  m.input("x", {1, 1, 3, 3});
  m.node("Conv", {"x", "W_missing"}, {"y"}, "conv1");
  m.output("y", {-1, -1, -1, -1});
  const std::string msg = import_error(m.bytes(), "missing.onnx");
  CHECK_CONTAINS(msg, "missing.onnx");
  CHECK_CONTAINS(msg, "W_missing");
}

TEST_CASE("onnx: 3-D convolution and 1-D pooling are refused naming the node") {
  OnnxModel m(13);
  m.input("x", {1, 1, 4, 4, 4});
  m.initializer("W", {1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f));
  m.node("Conv", {"x", "W"}, {"y"}, "conv3d");
  m.output("y", {1, 1, 3, 3, 3});
  const std::string msg = import_error(m.bytes(), "vol.onnx");
  CHECK_CONTAINS(msg, "vol.onnx: node 'conv3d' (op Conv): only 2-D convolution is supported");
  CHECK_CONTAINS(msg, "5-D");

  OnnxModel p(13);
  p.input("x", {1, 1, 8});
  onnx::NodeProto& pool = p.node("MaxPool", {"x"}, {"y"}, "pool1d");
  set_attr(pool, "kernel_shape", std::vector<int64_t>{2});
  p.output("y", {1, 1, 7});
  CHECK_CONTAINS(import_error(p.bytes(), "line.onnx"), "line.onnx: node 'pool1d' (op MaxPool): only 2-D pooling");
}

TEST_CASE("onnx: unsupported forms of supported ops are refused") {
  SUBCASE("MaxPool indices used") {
    OnnxModel m(13);
    m.input("x", {1, 1, 4, 4});
    onnx::NodeProto& pool = m.node("MaxPool", {"x"}, {"y", "idx"}, "pool1");
    set_attr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
    m.output("y", {1, 1, 3, 3});
    m.output("idx", {1, 1, 3, 3}, onnx::TensorProto::INT64);
    CHECK_CONTAINS(import_error(m.bytes(), "idx.onnx"),
                   "idx.onnx: node 'pool1' (op MaxPool): its indices output ('idx') is used");
  }
  SUBCASE("Pad mode that is not constant, reflect or edge") {
    OnnxModel m(13);
    m.input("x", {1, 1, 4, 4});
    m.initializer_int64("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
    onnx::NodeProto& pad = m.node("Pad", {"x", "pads"}, {"y"}, "pad1");
    set_attr(pad, "mode", std::string("wrap"));
    m.output("y", {1, 1, 6, 6});
    CHECK_CONTAINS(import_error(m.bytes(), "pad.onnx"),
                   "pad.onnx: node 'pad1' (op Pad): mode 'wrap' is not supported (constant, reflect and edge are)");
  }
  SUBCASE("BatchNormalization in training mode") {
    OnnxModel m(15);
    m.input("x", {1, 2, 3, 3});
    for (const char* n : {"s", "b", "mean", "var"}) m.initializer(n, {2}, {1, 1});
    onnx::NodeProto& bn = m.node("BatchNormalization", {"x", "s", "b", "mean", "var"}, {"y"}, "bn1");
    set_attr(bn, "training_mode", int64_t{1});
    m.output("y", {1, 2, 3, 3});
    CHECK_CONTAINS(import_error(m.bytes(), "bn.onnx"), "bn.onnx: node 'bn1' (op BatchNormalization): training_mode=1");
  }
  SUBCASE("Reshape with a computed shape") {
    OnnxModel m(13);
    m.input("x", {1, 2, 3, 3});
    m.input("shape", {2}, onnx::TensorProto::INT64);
    m.node("Reshape", {"x", "shape"}, {"y"}, "reshape1");
    m.output("y", {-1, -1});
    // Bound, the shape is a constant; free, it is a second input.
    ImportOptions bound;
    bound.bind_inputs["shape"] = Tensor({2}, {1, 18});
    CHECK(import_error(m.bytes(), "reshape.onnx", bound).empty());
    const std::string msg = import_error(m.bytes(), "reshape.onnx");
    CHECK_CONTAINS(msg, "reshape.onnx: the model has 2 non-constant inputs ('x', 'shape')");
  }
  SUBCASE("pads of the wrong length") {
    OnnxModel m(13);
    m.input("x", {1, 1, 4, 4});
    m.initializer("W", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    onnx::NodeProto& conv = m.node("Conv", {"x", "W"}, {"y"}, "conv1");
    set_attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1, 1, 1});
    m.output("y", {-1, -1, -1, -1});
    CHECK_CONTAINS(import_error(m.bytes(), "pads.onnx"),
                   "pads.onnx: node 'conv1' (op Conv): attribute 'pads' has 6 values; a 2-D op needs 4");
  }
  SUBCASE("a non-float input") {
    OnnxModel m(13);
    m.input("x", {1, 4}, onnx::TensorProto::INT32);
    m.node("Relu", {"x"}, {"y"}, "relu1");
    m.output("y", {1, 4}, onnx::TensorProto::INT32);
    CHECK_CONTAINS(import_error(m.bytes(), "int.onnx"), "int.onnx: input 'x' has element type int32");
  }
  SUBCASE("binding a name that is not an input") {
    ImportOptions options;
    options.bind_inputs["nope"] = Tensor({1});
    CHECK_CONTAINS(import_error(relu_model().bytes(), "bind.onnx", options),
                   "bind.onnx: cannot bind 'nope': the model has no graph input of that name");
  }
  SUBCASE("dims that do not fit") {
    OnnxModel m(13);
    m.input("x", {1, 3, 4, 4});
    m.initializer("W", {2, 2, 3, 3}, std::vector<float>(36, 1.0f));
    m.node("Conv", {"x", "W"}, {"y"}, "conv1");
    m.output("y", {-1, -1, -1, -1});
    const std::string msg = import_error(m.bytes(), "chan.onnx");
    CHECK_CONTAINS(msg, "chan.onnx");
    CHECK_CONTAINS(msg, "conv1");
    CHECK_CONTAINS(msg, "channels");
  }
}

}  // namespace deepvis
