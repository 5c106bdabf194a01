// The lowered ops (compute/onnx/lowerings.hpp) against oracles of their own: naive loops written from the ONNX
// formulas (ConvTranspose, batched MatMul), central differences for their gradients, and the numerically hard
// inputs (LogSoftmax and ReduceLogSumExp of large values) against double-precision sums. Their forward semantics
// are also pinned by the ONNX node tests (onnx_conformance_test.cpp) and whole exports by torch_parity_test.cpp.
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace deepvis;
using namespace deepvis::test;

namespace {

// ConvTranspose from its definition: every input pixel scatters its kernel into the output.
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, int64_t group, const Dims& stride, const Dims& dilation,
                            const Dims& pads, const Dims& output_padding) {
  const Dims& xd = x.dims();
  const Dims& wd = w.dims();
  const int64_t n = xd[0], c = xd[1], h = xd[2], wi = xd[3];
  const int64_t mg = wd[1], kh = wd[2], kw = wd[3];
  const int64_t cg = c / group;
  const int64_t oh = stride[0] * (h - 1) + output_padding[0] + (kh - 1) * dilation[0] + 1 - pads[0] - pads[2];
  const int64_t ow = stride[1] * (wi - 1) + output_padding[1] + (kw - 1) * dilation[1] + 1 - pads[1] - pads[3];
  std::vector<double> y(static_cast<size_t>(n * mg * group * oh * ow), 0.0);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t ci = 0; ci < c; ++ci) {
      const int64_t g = ci / cg;
      for (int64_t i = 0; i < h; ++i) {
        for (int64_t j = 0; j < wi; ++j) {
          const double v = x.at(((b * c + ci) * h + i) * wi + j);
          for (int64_t m = 0; m < mg; ++m) {
            for (int64_t a = 0; a < kh; ++a) {
              for (int64_t e = 0; e < kw; ++e) {
                const int64_t r = i * stride[0] + a * dilation[0] - pads[0];
                const int64_t s = j * stride[1] + e * dilation[1] - pads[1];
                if (r < 0 || r >= oh || s < 0 || s >= ow) continue;
                const int64_t out_c = g * mg + m;
                y[static_cast<size_t>(((b * mg * group + out_c) * oh + r) * ow + s)] +=
                    v * w.at(((ci * mg + m) * kh + a) * kw + e);
              }
            }
          }
        }
      }
    }
  }
  return Tensor({n, mg * group, oh, ow}, std::vector<float>(y.begin(), y.end()));
}

std::vector<float> values_of(const Tensor& t) {
  return {t.data(), t.data() + t.numel()};
}

Tensor forward(const Graph& g, const Tensor& x) {
  return run_forward(g, make_reference_backend(), x).clone();
}

}  // namespace

TEST_CASE(
    "onnx lowering: ConvTranspose (groups, stride 3x2, dilation, pads beyond the kernel, output_padding) "
    "equals the scatter definition, with central-difference gradients") {
  struct Case {
    int64_t group;
    Dims stride, dilation, pads, output_padding;
  };
  const Case cases[] = {
      {1, {1, 1}, {1, 1}, {0, 0, 0, 0}, {0, 0}},
      {2, {3, 2}, {1, 2}, {1, 0, 2, 1}, {1, 1}},
      {2, {2, 2}, {1, 1}, {3, 3, 2, 4}, {0, 1}},  // pads larger than kernel - 1: the lowering crops
  };
  for (const Case& c : cases) {
    CAPTURE(c.group);
    CAPTURE(to_string(c.pads));
    const Dims xd = {1, 4, 5, 6};
    const Tensor x = random_tensor(xd, 3);
    const Tensor w = random_tensor({4, 3, 3, 4}, 4);
    const Tensor bias = random_tensor({3 * c.group}, 5);
    Tensor want = naive_conv_transpose(x, w, c.group, c.stride, c.dilation, c.pads, c.output_padding);
    for (int64_t i = 0; i < want.numel(); ++i) {
      const int64_t plane = want.dims()[2] * want.dims()[3];
      want.at(i) += bias.at((i / plane) % want.dims()[1]);
    }
    OnnxModel m(13);
    m.input("x", xd);
    m.initializer("w", w.dims(), values_of(w));
    m.initializer("b", bias.dims(), values_of(bias));
    onnx::NodeProto& node = m.node("ConvTranspose", {"x", "w", "b"}, {"y"}, "up");
    set_attr(node, "group", c.group);
    set_attr(node, "strides", c.stride);
    set_attr(node, "dilations", c.dilation);
    set_attr(node, "pads", c.pads);
    set_attr(node, "output_padding", c.output_padding);
    m.output("y", want.dims());
    const Graph g = import_onnx_bytes(m.bytes(), "convtranspose.onnx");
    const Tensor got = forward(g, x);
    REQUIRE(got.dims() == want.dims());
    CHECK(max_abs_error(got, want) < 1e-4);
    const Tensor seed = random_tensor(want.dims(), 6);
    for (const auto& backend : backends()) CHECK(finite_difference_error(g, backend, x, seed) < 2e-2);
  }
}

TEST_CASE(
    "onnx lowering: MatMul of two activations with broadcast batch dims and 1-D operands, values and "
    "gradients through both operands") {
  // x: 2x1x3x4; A = x, B = Transpose(x) (2x1x4x3) broadcast against a constant 1x3x1x1 scale: (2,3,3,3) result.
  OnnxModel m(13);
  const Dims xd = {2, 1, 3, 4};
  m.input("x", xd);
  m.initializer("s", {1, 3, 1, 1}, {1.0f, -2.0f, 0.5f});
  onnx::NodeProto& t = m.node("Transpose", {"x"}, {"xt"}, "t");
  set_attr(t, "perm", std::vector<int64_t>{0, 1, 3, 2});
  m.node("Mul", {"xt", "s"}, {"bt"}, "scale");
  m.node("MatMul", {"x", "bt"}, {"y"}, "mm");
  m.output("y", {2, 3, 3, 3});
  const Graph g = import_onnx_bytes(m.bytes(), "bmm.onnx");
  const Tensor x = random_tensor(xd, 8);
  const Tensor got = forward(g, x);
  REQUIRE(got.dims() == Dims{2, 3, 3, 3});
  const float scale[] = {1.0f, -2.0f, 0.5f};
  double worst = 0;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t c = 0; c < 3; ++c) {
      for (int64_t i = 0; i < 3; ++i) {
        for (int64_t j = 0; j < 3; ++j) {
          double want = 0;
          for (int64_t k = 0; k < 4; ++k) want += x.at((b * 3 + i) * 4 + k) * x.at((b * 3 + j) * 4 + k) * scale[c];
          worst = std::max(worst, std::fabs(got.at(((b * 3 + c) * 3 + i) * 3 + j) - want));
        }
      }
    }
  }
  CHECK(worst < 1e-5);
  const Tensor seed = random_tensor({2, 3, 3, 3}, 9);
  for (const auto& backend : backends()) CHECK(finite_difference_error(g, backend, x, seed) < 2e-2);

  // A 1-D operand on either side: [4] x [2,4,3] -> [2,3] and [2,3,4] x [4] -> [2,3].
  for (bool vector_first : {true, false}) {
    CAPTURE(vector_first);
    OnnxModel v(13);
    v.input("x", {2, 3, 4});
    v.initializer("u", {4}, {1, 2, 3, 4});
    onnx::NodeProto& tr = v.node("Transpose", {"x"}, {"xt"}, "t");
    set_attr(tr, "perm", std::vector<int64_t>{0, 2, 1});
    if (vector_first) {
      v.node("MatMul", {"u", "xt"}, {"y"}, "mm");
    } else {
      v.node("MatMul", {"x", "u"}, {"y"}, "mm");
    }
    v.output("y", {2, 3});
    const Graph gv = import_onnx_bytes(v.bytes(), "vector.onnx");
    const Tensor xv = random_tensor({2, 3, 4}, 10);
    const Tensor y = forward(gv, xv);
    REQUIRE(y.dims() == Dims{2, 3});
    for (int64_t r = 0; r < 6; ++r) {
      double want = 0;
      for (int64_t k = 0; k < 4; ++k) want += xv.at(r * 4 + k) * static_cast<double>(k + 1);
      CHECK(y.at(r) == doctest::Approx(want).epsilon(1e-5));
    }
  }
}

TEST_CASE("onnx lowering: LogSoftmax and ReduceLogSumExp stay finite and exact for logits near 1000") {
  const Tensor x({1, 4}, {1000.0f, 1001.5f, 998.0f, 1000.25f});
  double shift = 1001.5;
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += std::exp(x.at(i) - shift);
  const double lse = shift + std::log(sum);
  {
    OnnxModel m(13);
    m.input("x", {1, 4});
    m.node("LogSoftmax", {"x"}, {"y"}, "ls");
    m.output("y", {1, 4});
    const Tensor y = forward(import_onnx_bytes(m.bytes(), "logsoftmax.onnx"), x);
    for (int i = 0; i < 4; ++i) CHECK(y.at(i) == doctest::Approx(x.at(i) - lse).epsilon(1e-6));
  }
  {
    OnnxModel m(13);
    m.input("x", {1, 4});
    onnx::NodeProto& n = m.node("ReduceLogSumExp", {"x"}, {"y"}, "lse");
    set_attr(n, "axes", std::vector<int64_t>{1});
    set_attr(n, "keepdims", int64_t{0});
    m.output("y", {1});
    const Tensor y = forward(import_onnx_bytes(m.bytes(), "lse.onnx"), x);
    REQUIRE(y.dims() == Dims{1});
    CHECK(y.at(0) == doctest::Approx(lse).epsilon(1e-7));
  }
}

TEST_CASE(
    "onnx lowering: cubic Resize with exclude_outside and a non-integer scale has central-difference "
    "gradients, and the CPU backend agrees with the reference") {
  OnnxModel m(13);
  const Dims xd = {1, 2, 5, 7};
  m.input("x", xd);
  m.initializer("roi", {0}, {});
  m.initializer("scales", {4}, {1.0f, 1.0f, 1.6f, 0.75f});
  onnx::NodeProto& n = m.node("Resize", {"x", "roi", "scales"}, {"y"}, "resize");
  set_attr(n, "mode", std::string("cubic"));
  set_attr(n, "exclude_outside", int64_t{1});
  set_attr(n, "cubic_coeff_a", -0.5f);
  m.output("y", {1, 2, 8, 5});
  const Graph g = import_onnx_bytes(m.bytes(), "cubic.onnx");
  const Tensor x = random_tensor(xd, 12);
  const Tensor ref = forward(g, x);
  REQUIRE(ref.dims() == Dims{1, 2, 8, 5});
  CHECK(max_abs_error(run_forward(g, make_cpu_backend(), x), ref) < 1e-5);
  const Tensor seed = random_tensor(ref.dims(), 13);
  for (const auto& backend : backends()) CHECK(finite_difference_error(g, backend, x, seed) < 2e-2);
}

TEST_CASE("onnx lowering: Reshape before opset 5 takes its shape from the attribute") {
  OnnxModel m(4);
  m.input("x", {1, 2, 3});
  onnx::NodeProto& n = m.node("Reshape", {"x"}, {"y"}, "reshape");
  set_attr(n, "shape", std::vector<int64_t>{1, 6});
  m.output("y", {1, 6});
  const Graph g = import_onnx_bytes(m.bytes(), "reshape4.onnx");
  const Tensor y = forward(g, Tensor({1, 2, 3}, {1, 2, 3, 4, 5, 6}));
  CHECK(y.dims() == Dims{1, 6});
  check_values(y, {1, 2, 3, 4, 5, 6});
}
