// Activations: hand-computed forward values and per-mode backward signals, finite differences of the reference
// backward, and the cpu backend against the reference over a sweep of params, ranks and batches.
#include "compute/ops/eltwise.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

Graph eltwise_graph(OpKind kind, OpParams params, const Dims& dims) {
  return single_node_graph(kind, std::move(params), dims, {});
}

// Moves every entry at least `margin` away from each kink, so a finite-difference step never crosses one.
Tensor away_from(Tensor t, const std::vector<float>& kinks, float margin) {
  for (int64_t i = 0; i < t.numel(); ++i) {
    for (float k : kinks) {
      const float d = t.at(i) - k;
      if (std::fabs(d) < margin) t.at(i) = k + (d < 0 ? -margin : margin);
    }
  }
  return t;
}

}  // namespace

TEST_CASE("eltwise: reference forward hand values") {
  const auto ref = make_reference_backend();
  const Tensor x({1, 2, 4}, {-2.0f, -0.5f, 0.0f, 0.5f, 3.0f, 7.0f, -7.0f, 6.0f});
  SUBCASE("Relu") {
    check_values(run_forward(eltwise_graph(OpKind::Relu, NoParams{}, x.dims()), ref, x), {0, 0, 0, 0.5f, 3, 7, 0, 6});
  }
  SUBCASE("LeakyRelu") {
    check_values(run_forward(eltwise_graph(OpKind::LeakyRelu, LeakyReluParams{0.1f}, x.dims()), ref, x),
                 {-0.2f, -0.05f, 0, 0.5f, 3, 7, -0.7f, 6});
  }
  SUBCASE("Clip as ReLU6") {
    check_values(run_forward(eltwise_graph(OpKind::Clip, ClipParams{0.0f, 6.0f}, x.dims()), ref, x),
                 {0, 0, 0, 0.5f, 3, 6, 0, 6});
  }
  SUBCASE("Clip with one infinite bound") {
    check_values(run_forward(eltwise_graph(OpKind::Clip, ClipParams{-kInf, 1.0f}, x.dims()), ref, x),
                 {-2, -0.5f, 0, 0.5f, 1, 1, -7, 1});
    check_values(run_forward(eltwise_graph(OpKind::Clip, ClipParams{-1.0f, kInf}, x.dims()), ref, x),
                 {-1, -0.5f, 0, 0.5f, 3, 7, -1, 6});
  }
  SUBCASE("Sigmoid") {
    const Tensor s({1, 3}, {0.0f, std::log(3.0f), -std::log(3.0f)});
    check_values(run_forward(eltwise_graph(OpKind::Sigmoid, NoParams{}, s.dims()), ref, s), {0.5f, 0.75f, 0.25f});
  }
}

TEST_CASE("eltwise: Clip with ONNX default (infinite) bounds is the identity on both backends") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x({1, 5}, {nan, kInf, -kInf, 1e30f, -3.5f});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    const Tensor y = run_forward(eltwise_graph(OpKind::Clip, ClipParams{}, x.dims()), backend, x);
    CHECK(std::isnan(y.at(0)));
    CHECK(y.at(1) == kInf);
    CHECK(y.at(2) == -kInf);
    CHECK(y.at(3) == 1e30f);
    CHECK(y.at(4) == -3.5f);
  }
}

TEST_CASE("eltwise: any rank on both backends") {
  // Rank 1, 2 and 6: the kernels must not assume NCHW.
  for (const Dims& dims : {Dims{4}, Dims{2, 2}, Dims{1, 1, 2, 1, 2, 1}}) {
    CAPTURE(to_string(dims));
    const Tensor x(dims, {-1.0f, 2.0f, -3.0f, 7.0f});
    const Tensor seed(dims, {5.0f, -1.0f, 2.0f, 3.0f});
    for (const auto& backend : backends()) {
      CAPTURE(backend->name());
      const Graph g = eltwise_graph(OpKind::Clip, ClipParams{0.0f, 6.0f}, dims);
      check_values(run_forward(g, backend, x), {0, 2, 0, 6});
      check_values(run_backward(g, backend, x, seed, BackwardMode::Gradient), {0, -1, 0, 0});
    }
  }
}

TEST_CASE("eltwise: hand-computed backward in every mode") {
  // x has negative and positive entries, the signal too, so the three rules give three different answers.
  const Tensor x({1, 4}, {-2.0f, -1.0f, 1.0f, 1.5f});
  const Tensor g({1, 4}, {3.0f, -4.0f, 5.0f, -6.0f});
  struct Case {
    std::string name;
    OpKind kind;
    OpParams params;
    std::vector<float> gradient, deconv, guided;
  };
  const std::vector<Case> cases = {
      {"Relu", OpKind::Relu, NoParams{}, {0, 0, 5, -6}, {3, 0, 5, 0}, {0, 0, 5, 0}},
      {"LeakyRelu", OpKind::LeakyRelu, LeakyReluParams{0.1f}, {0.3f, -0.4f, 5, -6}, {3, 0, 5, 0}, {0.3f, 0, 5, 0}},
      // 1.5 is exactly the upper bound: the slope there is 0 (strict inequality).
      {"Clip", OpKind::Clip, ClipParams{-1.5f, 1.5f}, {0, -4, 5, 0}, {3, 0, 5, 0}, {0, 0, 5, 0}},
  };
  for (const auto& backend : backends()) {
    for (const Case& c : cases) {
      CAPTURE(backend->name());
      CAPTURE(c.name);
      const Graph graph = eltwise_graph(c.kind, c.params, x.dims());
      check_values(run_backward(graph, backend, x, g, BackwardMode::Gradient), c.gradient);
      check_values(run_backward(graph, backend, x, g, BackwardMode::Deconv), c.deconv);
      check_values(run_backward(graph, backend, x, g, BackwardMode::Guided), c.guided);
    }
    // Sigmoid is no rectifier: the exact derivative y(1-y)g in every mode.
    const Tensor s({1, 2}, {0.0f, std::log(3.0f)});
    const Tensor sg({1, 2}, {2.0f, -4.0f});
    for (BackwardMode mode : kModes) {
      CAPTURE(static_cast<int>(mode));
      check_values(run_backward(eltwise_graph(OpKind::Sigmoid, NoParams{}, s.dims()), backend, s, sg, mode),
                   {0.5f, -0.75f});
    }
  }
}

TEST_CASE("eltwise: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  const Dims dims = {2, 3, 4, 5};
  const Tensor seed = random_tensor(dims, 11);
  struct Case {
    OpKind kind;
    OpParams params;
    std::vector<float> kinks;
  };
  const std::vector<Case> cases = {
      {OpKind::Relu, NoParams{}, {0.0f}},
      {OpKind::LeakyRelu, LeakyReluParams{0.2f}, {0.0f}},
      {OpKind::Clip, ClipParams{-0.4f, 0.6f}, {-0.4f, 0.6f}},
      {OpKind::Clip, ClipParams{0.0f, kInf}, {0.0f}},
      {OpKind::Sigmoid, NoParams{}, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(std::string(op_name(c.kind)));
    const Tensor x = away_from(random_tensor(dims, 5, -2.0f, 2.0f), c.kinks, 0.05f);
    CHECK(finite_difference_error(eltwise_graph(c.kind, c.params, dims), ref, x, seed) <= 1e-2);
  }
}

TEST_CASE("eltwise: cpu matches reference, forward and backward in every mode") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  struct Case {
    OpKind kind;
    OpParams params;
  };
  const std::vector<Case> cases = {
      {OpKind::Relu, NoParams{}},
      {OpKind::LeakyRelu, LeakyReluParams{0.01f}},
      {OpKind::LeakyRelu, LeakyReluParams{0.3f}},
      {OpKind::Clip, ClipParams{0.0f, 6.0f}},
      {OpKind::Clip, ClipParams{-0.5f, 0.7f}},
      {OpKind::Clip, ClipParams{-kInf, 2.0f}},
      {OpKind::Clip, ClipParams{-1.0f, kInf}},
      {OpKind::Clip, ClipParams{}},
      {OpKind::Sigmoid, NoParams{}},
  };
  uint32_t seed = 100;
  for (int64_t batch : {1, 2}) {
    for (const Dims& tail : {Dims{3, 7, 9}, Dims{37}, Dims{64, 33, 17}, Dims{2, 3, 2, 5}}) {
      Dims dims = {batch};
      dims.insert(dims.end(), tail.begin(), tail.end());
      for (const Case& c : cases) {
        CAPTURE(std::string(op_name(c.kind)));
        CAPTURE(to_string(dims));
        const Graph g = eltwise_graph(c.kind, c.params, dims);
        const Tensor x = random_tensor(dims, ++seed, -8.0f, 8.0f);
        CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
        const Tensor grad_out = random_tensor(dims, ++seed);
        for (BackwardMode mode : kModes) {
          CAPTURE(static_cast<int>(mode));
          CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode), run_backward(g, ref, x, grad_out, mode)) <=
                1e-4);
        }
      }
    }
  }
}
