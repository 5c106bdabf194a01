// Inputs the fuzzer (scripts/fuzz) found crashing the importer, replayed through the same entry point: each must
// now import or be refused with a deepvis::Error. Beside them, handcrafted models for each class of bug it found,
// asserting that the refusal says what failed. They run in the main test binary and, under ASan and UBSan, in
// build-fuzz/onnx_fuzz_regressions (tests/fuzz/CMakeLists.txt), where the undefined behaviour they once hit shows.
#include "tests/fuzz/onnx_import_target.hpp"
#include "tests/onnx/onnx_model_builder.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace deepvis {

namespace {

namespace fs = std::filesystem;
using onnx::TensorProto;
using test::FuzzOutcome;
using test::FuzzResult;
using test::OnnxModel;
using test::set_attr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The deepvis::Error the model is refused with ("" when it imports).
std::string refusal(const OnnxModel& m) {
  const FuzzResult r = test::import_untrusted(m.bytes(), "regression.onnx");
  return r.outcome == FuzzOutcome::Refused ? r.error : "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#define CHECK_REFUSED_WITH(model, part)                                        \
  do {                                                                         \
    const std::string error_ = refusal(model);                                 \
    CHECK_MESSAGE(contains(error_, part), "refused with: '" << error_ << "'"); \
  } while (0)

}  // namespace

TEST_CASE("fuzz regressions: every saved crash imports or is refused with a deepvis::Error") {
  const fs::path dir = fs::path(DEEPVIS_SOURCE_DIR) / "tests/fixtures/fuzz-regressions";
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".onnx") continue;
    CAPTURE(entry.path().filename().string());
    const FuzzResult r = test::import_untrusted(read_bytes(entry.path()), entry.path().string());
    CHECK((r.outcome != FuzzOutcome::Refused || !r.error.empty()));
    ++replayed;
  }
  CHECK(replayed > 0);
}

// Declared dims whose element count overflows int64 (or exceeds what any tensor can hold) are refused before any
// arithmetic on them.
TEST_CASE("fuzz regressions: an input claiming an absurd element count is refused naming it") {
  OnnxModel m;
  m.input("x", {kMax, 4, 5});
  m.node("Relu", {"x"}, {"y"}, "relu");
  m.output("y", {kMax, 4, 5});
  const std::string error = refusal(m);
  CHECK_MESSAGE(contains(error, "input 'x'"), error);
  CHECK_MESSAGE(contains(error, "2^40 elements"), error);
}

// libonnx's Conv and pooling inference divides by the strides: a 0 was SIGFPE.
TEST_CASE("fuzz regressions: a zero stride is refused by the converter, not a SIGFPE in libonnx") {
  OnnxModel m(12);
  m.input("x", {1, 3, 32, 32});
  auto& node = m.node("AveragePool", {"x"}, {"y"}, "pool");
  set_attr(node, "kernel_shape", std::vector<int64_t>{5, 5});
  set_attr(node, "strides", std::vector<int64_t>{3, 0});
  m.output("y", {1, 3, 10, 10});
  CHECK_REFUSED_WITH(m, "'strides' must be positive");
}

// DepthToSpace's divides by blocksize squared, which wraps around to 0 for 2^32.
TEST_CASE("fuzz regressions: a block size of 2^32 is refused by the converter, not a SIGFPE in libonnx") {
  OnnxModel m(13);
  m.input("x", {1, 8, 2, 2});
  set_attr(m.node("DepthToSpace", {"x"}, {"y"}, "d2s"), "blocksize", int64_t{1} << 32);
  m.output("y", {1, 2, 4, 4});
  CHECK_REFUSED_WITH(m, "'d2s'");
}

// libonnx's auto_pad inference walked a dim of 2^39 down by the stride one subtraction at a time (hours).
TEST_CASE("fuzz regressions: auto_pad over a huge dim imports without libonnx walking it") {
  OnnxModel m(11);
  m.input("x", {1, 1, 1, int64_t{1} << 39});
  auto& node = m.node("AveragePool", {"x"}, {"y"}, "pool");
  set_attr(node, "kernel_shape", std::vector<int64_t>{1, 3});
  set_attr(node, "strides", std::vector<int64_t>{1, 2});
  set_attr(node, "auto_pad", std::string("SAME_UPPER"));
  m.output("y", {1, 1, 1, int64_t{1} << 38});
  const FuzzResult r = test::import_untrusted(m.bytes(), "regression.onnx");
  CHECK_MESSAGE(r.outcome == FuzzOutcome::Imported, r.error);
}

// Conv inference read the input's dims at the weights' rank, past the end of a shorter input.
TEST_CASE("fuzz regressions: Conv weights of another rank than the input are refused") {
  OnnxModel m;
  m.input("x", {1, 1, 5});
  m.initializer("w", {1, 1, 1, 1, 1, 1, 1}, {1.0f});
  m.node("Conv", {"x", "w"}, {"y"}, "conv");
  m.output("y", {-1, -1, -1});
  CHECK_REFUSED_WITH(m, "'conv'");
}

// libonnx's LayerNormalization inference read the input's dims at an axis it never checked (SIGSEGV).
TEST_CASE("fuzz regressions: a LayerNormalization axis outside the input is refused, not a SIGSEGV in libonnx") {
  OnnxModel m(17);
  m.input("x", {3, 4});
  m.initializer("scale", {4}, {1.0f, 1.0f, 1.0f, 1.0f});
  set_attr(m.node("LayerNormalization", {"x", "scale"}, {"y", "mean", "inv_std"}, "norm"), "axis", int64_t{-1000});
  m.output("y", {3, 4});
  m.output("mean", {3, 1});  // the outputs whose dims libonnx derives from the axis
  m.output("inv_std", {3, 1});
  CHECK_REFUSED_WITH(m, "'norm'");
}

// libonnx's Gemm-6 inference read a scalar operand's dims as a matrix's (SIGSEGV).
TEST_CASE("fuzz regressions: a scalar operand of an opset-6 Gemm is refused, not a SIGSEGV in libonnx") {
  OnnxModel m(6);
  m.input("x", {3, 4});
  m.initializer("a", {}, {1.0f});
  m.initializer("c", {}, {0.0f});
  m.node("Gemm", {"a", "x", "c"}, {"y"}, "gemm");
  m.output("y", {-1, -1});
  CHECK_REFUSED_WITH(m, "'gemm'");
}

// libonnx's shape inference copies a constant shape input's raw_data whole into a buffer sized by its dims: 4 bytes
// claimed as one int64 went into an empty one (SIGSEGV).
TEST_CASE("fuzz regressions: constant raw data shorter than its dims say is refused before libonnx reads it") {
  OnnxModel m;
  m.input("x", {1, 3, 1});
  TensorProto& axes = m.initializer_int64("axes", {1}, {});
  axes.set_raw_data(std::string(4, '\0'));
  m.node("Squeeze", {"x", "axes"}, {"y"}, "squeeze");
  m.output("y", {1, 3});
  CHECK_REFUSED_WITH(m, "raw_data holds 4 bytes");
}

// libonnx infers Expand's output rank from its shape input's length, one dim at a time: a Range of 2^62 values
// (whose length ONNX's Range inference computes from the constant inputs) had it allocate until memory ran out.
TEST_CASE("fuzz regressions: a shape input of 2^62 values is refused, not allocated") {
  OnnxModel m;
  m.input("x", {1, 3});
  m.initializer_int64("start", {}, {0});
  m.initializer_int64("limit", {}, {int64_t{1} << 62});
  m.initializer_int64("delta", {}, {1});
  m.node("Range", {"start", "limit", "delta"}, {"shape"}, "range");
  m.node("Expand", {"x", "shape"}, {"y"}, "expand");
  m.output("y", {-1});
  CHECK_REFUSED_WITH(m, "'range'");
}

// Folding shape arithmetic: each of these is now left unfolded, and the node that cannot run is named.
TEST_CASE("fuzz regressions: Size of dims whose product overflows is not folded") {
  OnnxModel m;
  m.input("x", {kMax, kMax});
  m.node("Size", {"x"}, {"n"}, "size");
  m.output("n", {}, TensorProto::INT64);
  CHECK_REFUSED_WITH(m, "'size'");
}

namespace {

// x (1x6) reshaped by a shape that `make_shape` computes from constants, into `shape`.
OnnxModel reshaped_by(const std::function<void(OnnxModel&)>& make_shape, int64_t opset = 13) {
  OnnxModel m(opset);
  m.input("x", {1, 6});
  make_shape(m);
  m.node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  m.output("y", {-1, -1});
  return m;
}

}  // namespace

TEST_CASE("fuzz regressions: integer shape arithmetic that overflows is not folded") {
  const OnnxModel m = reshaped_by([](OnnxModel& model) {
    model.initializer_int64("a", {2}, {kMax, 1});
    model.initializer_int64("b", {2}, {2, 1});
    model.node("Mul", {"a", "b"}, {"shape"}, "mul");
  });
  CHECK_REFUSED_WITH(m, "'reshape'");
}

TEST_CASE("fuzz regressions: a NaN cast to int64 is not folded") {
  const OnnxModel m = reshaped_by([](OnnxModel& model) {
    model.initializer("nan", {2}, {std::numeric_limits<float>::quiet_NaN(), 6.0f});
    set_attr(model.node("Cast", {"nan"}, {"shape"}, "cast"), "to", int64_t{TensorProto::INT64});
  });
  CHECK_REFUSED_WITH(m, "'cast'");
}

TEST_CASE("fuzz regressions: an Unsqueeze listing an axis twice is not folded (it read past its input's dims)") {
  const OnnxModel m = reshaped_by(
      [](OnnxModel& model) {
        model.initializer_int64("v", {2}, {1, 6});
        set_attr(model.node("Unsqueeze", {"v"}, {"shape"}, "unsqueeze"), "axes", std::vector<int64_t>{0, 0});
      },
      11);
  CHECK_REFUSED_WITH(m, "'unsqueeze'");
}

TEST_CASE("fuzz regressions: a ConstantOfShape of 2^40 elements is not built") {
  OnnxModel m;
  m.input("x", {1, 1});
  m.initializer_int64("dims", {2}, {int64_t{1} << 20, int64_t{1} << 20});
  m.node("ConstantOfShape", {"dims"}, {"zeros"}, "fill");
  m.node("Add", {"x", "zeros"}, {"y"}, "add");
  m.output("y", {-1, -1});
  CHECK_REFUSED_WITH(m, "'fill'");
}

// Kernel sizes, pads and split parts are any int64 in a file: sums and products of them and the dims overflowed.
TEST_CASE("fuzz regressions: SAME padding of a huge kernel overflows into a refusal naming the node") {
  OnnxModel m(12);
  m.input("x", {1, 3, 32, 32});
  auto& node = m.node("MaxPool", {"x"}, {"y"}, "pool");
  set_attr(node, "kernel_shape", std::vector<int64_t>{kMax, 2});
  set_attr(node, "auto_pad", std::string("SAME_UPPER"));
  m.output("y", {1, 3, 32, 32});
  const std::string error = refusal(m);
  CHECK_MESSAGE(contains(error, "'pool'"), error);
  CHECK_MESSAGE(contains(error, "overflows"), error);
}

TEST_CASE("fuzz regressions: pads that overflow the dims are refused") {
  OnnxModel m;
  m.input("x", {1, 3, 4, 4});
  m.initializer_int64("pads", {8}, {0, 0, kMax, 0, 0, 0, 1, 0});
  m.node("Pad", {"x", "pads"}, {"y"}, "pad");
  m.output("y", {-1, -1, -1, -1});
  CHECK_REFUSED_WITH(m, "overflows");
}

TEST_CASE("fuzz regressions: split parts whose sum overflows are refused") {
  OnnxModel m;
  m.input("x", {1, 4});
  m.initializer_int64("parts", {2}, {kMax, 1});
  set_attr(m.node("Split", {"x", "parts"}, {"a", "b"}, "split"), "axis", int64_t{1});
  m.output("a", {-1, -1});
  m.output("b", {-1, -1});
  CHECK_REFUSED_WITH(m, "add up to more than");
}

}  // namespace deepvis
