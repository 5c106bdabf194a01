// Smooth activations (compute/ops/smooth.hpp): hand-computed forward values, finite differences of the backward on
// the reference and CPU backends, the CPU backend against the reference in every mode (the true derivative in
// each: none is a rectifier), and their ONNX attributes' defaults through the importer.
#include "compute/ops/smooth.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/onnx/onnx_model_builder.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

struct Case {
  OpKind kind;
  SmoothParams params;
  float lo, hi;              // an input range inside the op's domain
  std::vector<float> kinks;  // inputs a finite-difference step must not cross
};

const SmoothParams kSelu{1.67326319217681884765625f, 0.0f, 1.05070102214813232421875f};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {OpKind::Tanh, {}, -3, 3, {}},
      {OpKind::Elu, {1.0f, 0, 0}, -3, 3, {0}},
      {OpKind::Elu, {0.5f, 0, 0}, -3, 3, {0}},
      {OpKind::Selu, kSelu, -3, 3, {0}},
      {OpKind::Softplus, {}, -6, 6, {}},
      {OpKind::HardSigmoid, {0.2f, 0.5f, 0}, -4, 4, {-2.5f, 2.5f}},
      {OpKind::HardSwish, {}, -5, 5, {-3, 3}},
      {OpKind::Erf, {}, -2, 2, {}},
      {OpKind::Exp, {}, -3, 3, {}},
      {OpKind::Log, {}, 0.2f, 5, {}},
      {OpKind::Sqrt, {}, 0.2f, 5, {}},
      {OpKind::Reciprocal, {}, 0.3f, 4, {}},
      {OpKind::Abs, {}, -3, 3, {0}},
      {OpKind::Neg, {}, -3, 3, {}},
      {OpKind::Sin, {}, -3, 3, {}},
      {OpKind::Cos, {}, -3, 3, {}},
      {OpKind::Tan, {}, -1.2f, 1.2f, {}},
      {OpKind::Asin, {}, -0.9f, 0.9f, {}},
      {OpKind::Acos, {}, -0.9f, 0.9f, {}},
      {OpKind::Atan, {}, -3, 3, {}},
      {OpKind::Sinh, {}, -3, 3, {}},
      {OpKind::Cosh, {}, -3, 3, {}},
      {OpKind::Asinh, {}, -3, 3, {}},
      {OpKind::Acosh, {}, 1.2f, 4, {}},
      {OpKind::Atanh, {}, -0.9f, 0.9f, {}},
      {OpKind::Floor, {}, -3, 3, {-3, -2, -1, 0, 1, 2, 3}},
      {OpKind::Ceil, {}, -3, 3, {-3, -2, -1, 0, 1, 2, 3}},
      {OpKind::Round, {}, -3, 3, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}},
      {OpKind::Sign, {}, -3, 3, {0}},
  };
  return all;
}

Graph smooth_graph(const Case& c, const Dims& dims) {
  return single_node_graph(c.kind, c.params, dims, {});
}

Tensor input_for(const Case& c, const Dims& dims, uint32_t seed) {
  Tensor x = random_tensor(dims, seed, c.lo, c.hi);
  for (int64_t i = 0; i < x.numel(); ++i) {
    for (float k : c.kinks) {
      const float d = x.at(i) - k;
      if (std::fabs(d) < 0.05f) x.at(i) = k + (d < 0 ? -0.05f : 0.05f);
    }
  }
  return x;
}

}  // namespace

TEST_CASE("smooth: reference forward hand values") {
  const auto ref = make_reference_backend();
  auto value = [&](OpKind kind, SmoothParams p, float x) {
    const Case c{kind, p, 0, 0, {}};
    return run_forward(smooth_graph(c, {1, 1}), ref, Tensor({1, 1}, {x})).at(0);
  };
  CHECK(value(OpKind::Tanh, {}, std::log(3.0f)) == doctest::Approx(0.8).epsilon(1e-6));  // (9-1)/(9+1)
  CHECK(value(OpKind::Elu, {1.0f, 0, 0}, -1.0f) == doctest::Approx(std::exp(-1.0) - 1.0).epsilon(1e-6));
  CHECK(value(OpKind::Selu, kSelu, 1.0f) == doctest::Approx(1.0507009873554805).epsilon(1e-6));
  CHECK(value(OpKind::Softplus, {}, 0.0f) == doctest::Approx(std::log(2.0)).epsilon(1e-6));
  CHECK(value(OpKind::Softplus, {}, 100.0f) == doctest::Approx(100.0).epsilon(1e-6));  // no overflow
  CHECK(value(OpKind::HardSigmoid, {0.2f, 0.5f, 0}, 1.0f) == doctest::Approx(0.7).epsilon(1e-6));
  CHECK(value(OpKind::HardSigmoid, {0.2f, 0.5f, 0}, 4.0f) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(value(OpKind::HardSwish, {}, 1.0f) == doctest::Approx(2.0 / 3.0).epsilon(1e-6));
  CHECK(value(OpKind::HardSwish, {}, -4.0f) == doctest::Approx(0.0));
  CHECK(value(OpKind::Erf, {}, 0.5f) == doctest::Approx(0.5204998778130465).epsilon(1e-6));
  CHECK(value(OpKind::Exp, {}, 1.0f) == doctest::Approx(std::exp(1.0)).epsilon(1e-6));
  CHECK(value(OpKind::Log, {}, 8.0f) == doctest::Approx(std::log(8.0)).epsilon(1e-6));
  CHECK(value(OpKind::Sqrt, {}, 6.25f) == doctest::Approx(2.5).epsilon(1e-6));
  CHECK(value(OpKind::Reciprocal, {}, 4.0f) == doctest::Approx(0.25).epsilon(1e-6));
  CHECK(value(OpKind::Abs, {}, -3.0f) == doctest::Approx(3.0));
  CHECK(value(OpKind::Neg, {}, 2.0f) == doctest::Approx(-2.0));
  CHECK(value(OpKind::Sin, {}, 0.5f) == doctest::Approx(0.479425538604203).epsilon(1e-6));
  CHECK(value(OpKind::Cos, {}, 0.5f) == doctest::Approx(0.8775825618903728).epsilon(1e-6));
  CHECK(value(OpKind::Tan, {}, 0.5f) == doctest::Approx(0.5463024898437905).epsilon(1e-6));
  CHECK(value(OpKind::Asin, {}, 0.5f) == doctest::Approx(0.5235987755982989).epsilon(1e-6));  // pi / 6
  CHECK(value(OpKind::Acos, {}, 0.5f) == doctest::Approx(1.0471975511965979).epsilon(1e-6));  // pi / 3
  CHECK(value(OpKind::Atan, {}, 1.0f) == doctest::Approx(0.7853981633974483).epsilon(1e-6));  // pi / 4
  CHECK(value(OpKind::Sinh, {}, 1.0f) == doctest::Approx(1.1752011936438014).epsilon(1e-6));
  CHECK(value(OpKind::Cosh, {}, 1.0f) == doctest::Approx(1.5430806348152437).epsilon(1e-6));
  CHECK(value(OpKind::Asinh, {}, 1.0f) == doctest::Approx(0.881373587019543).epsilon(1e-6));
  CHECK(value(OpKind::Acosh, {}, 2.0f) == doctest::Approx(1.3169578969248166).epsilon(1e-6));
  CHECK(value(OpKind::Atanh, {}, 0.5f) == doctest::Approx(0.5493061443340549).epsilon(1e-6));
  CHECK(value(OpKind::Floor, {}, -1.5f) == -2.0f);
  CHECK(value(OpKind::Ceil, {}, -1.5f) == -1.0f);
  // Halves to even, as ONNX's Round (and numpy.round) do, not away from zero as std::round does.
  CHECK(value(OpKind::Round, {}, 2.5f) == 2.0f);
  CHECK(value(OpKind::Round, {}, -2.5f) == -2.0f);
  CHECK(value(OpKind::Round, {}, 1.5f) == 2.0f);
  CHECK(value(OpKind::Round, {}, 0.6f) == 1.0f);
  CHECK(value(OpKind::Sign, {}, -0.3f) == -1.0f);
  CHECK(value(OpKind::Sign, {}, 0.0f) == 0.0f);
  CHECK(value(OpKind::Sign, {}, 7.0f) == 1.0f);
}

TEST_CASE("smooth: backward matches finite differences on the reference and cpu backends") {
  const Dims dims = {2, 3, 4, 5};
  const Tensor seed = random_tensor(dims, 11);
  for (const auto& backend : backends()) {
    for (const Case& c : cases()) {
      CAPTURE(std::string(op_name(c.kind)));
      CAPTURE(backend->name());
      const Tensor x = input_for(c, dims, 5);
      CHECK(finite_difference_error(smooth_graph(c, dims), backend, x, seed) <= 1e-2);
    }
  }
}

TEST_CASE("smooth: cpu matches reference, forward and backward, the same in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 300;
  for (const Dims& dims : {Dims{1, 37}, Dims{2, 64, 33, 17}}) {
    for (const Case& c : cases()) {
      CAPTURE(std::string(op_name(c.kind)));
      CAPTURE(to_string(dims));
      const Graph g = smooth_graph(c, dims);
      const Tensor x = input_for(c, dims, ++seed);
      CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-5);
      const Tensor grad_out = random_tensor(dims, ++seed);
      const Tensor gradient = run_backward(g, ref, x, grad_out, BackwardMode::Gradient);
      for (BackwardMode mode : kModes) {
        CAPTURE(static_cast<int>(mode));
        CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), gradient) <= 1e-5);
        CHECK(max_relative_error(run_backward(g, ref, x, grad_out, mode), gradient) == 0.0);  // not a rectifier
      }
    }
  }
}

TEST_CASE("smooth: the importer takes ONNX's attribute defaults (Elu, Selu, HardSigmoid) and their values") {
  struct Op {
    const char* type;
    std::vector<std::pair<const char*, float>> attrs;
    SmoothParams want;
  };
  const std::vector<Op> ops = {
      {"Elu", {}, {1.0f, 0, 0}},
      {"Elu", {{"alpha", 0.3f}}, {0.3f, 0, 0}},
      {"Selu", {}, kSelu},
      {"HardSigmoid", {}, {0.2f, 0.5f, 0}},
      {"HardSigmoid", {{"alpha", 0.25f}, {"beta", 0.4f}}, {0.25f, 0.4f, 0}},
      {"Tanh", {}, {}},
  };
  for (const Op& op : ops) {
    CAPTURE(op.type);
    OnnxModel m(14);
    m.input("x", {1, 3});
    onnx::NodeProto& n = m.node(op.type, {"x"}, {"y"}, "act");
    for (const auto& [name, value] : op.attrs) set_attr(n, name, value);
    m.output("y", {1, 3});
    const Graph g = import_onnx_bytes(m.bytes(), "act.onnx");
    REQUIRE(g.nodes.size() == 1);
    CHECK(std::string(op_name(g.nodes[0].kind)) == op.type);
    const auto& p = g.nodes[0].params_as<SmoothParams>();
    CHECK(p.alpha == op.want.alpha);
    CHECK(p.beta == op.want.beta);
    CHECK(p.gamma == op.want.gamma);
  }
}
