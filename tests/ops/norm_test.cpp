// LRN and BatchNormalization: hand-computed reference values, finite differences of the reference backward, and
// the cpu backend against the reference, forward and backward in every mode (LRN's Deconv passthrough included).
#include "compute/ops/norm.hpp"
#include "compute/core/error.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

void check_doubles(const Tensor& got, const std::vector<double>& want) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got.at(static_cast<int64_t>(i)) == doctest::Approx(want[i]).epsilon(1e-6));
  }
}

Graph lrn_graph(const LrnParams& p, const Dims& x) {
  return single_node_graph(OpKind::Lrn, p, x, {});
}

// scale, B, mean, var for `channels`, var kept positive.
std::vector<Tensor> bn_constants(int64_t channels, uint32_t seed) {
  Tensor var = random_tensor({channels}, seed + 3, 0.1f, 2.0f);
  return {random_tensor({channels}, seed), random_tensor({channels}, seed + 1), random_tensor({channels}, seed + 2),
          var};
}

void check_cpu_against_reference(const Graph& g, const Tensor& x, uint32_t seed) {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  CHECK(max_relative_error(run_forward(g, cpu, x), run_forward(g, ref, x)) <= 1e-4);
  const Tensor grad_out = random_tensor(x.dims(), seed + 11);
  for (BackwardMode mode : kModes) {
    for (bool passthrough : {false, true}) {
      CAPTURE(static_cast<int>(mode));
      CAPTURE(passthrough);
      const BackwardOptions options{passthrough};
      CHECK(max_relative_error(run_backward(g, cpu, x, grad_out, mode, options),
                               run_backward(g, ref, x, grad_out, mode, options)) <= 1e-4);
    }
  }
}

}  // namespace

TEST_CASE("norm: reference LRN on 3 channels at one pixel, odd and even sizes") {
  const auto ref = make_reference_backend();
  const Tensor x({1, 3, 1, 1}, {1, 2, 3});
  // size 3: windows {0,1}, {0,1,2}, {1,2}; alpha/size = 0.1.
  check_doubles(run_forward(lrn_graph({3, 0.3f, 0.5f, 1.0f}, {1, 3, 1, 1}), ref, x),
                {1 / std::sqrt(1.5), 2 / std::sqrt(2.4), 3 / std::sqrt(2.3)});
  // size 4: ONNX windows [c-1, c+2]: {0,1,2}, {0,1,2}, {1,2}; alpha/size = 0.1, bias 2, beta 0.75.
  check_doubles(run_forward(lrn_graph({4, 0.4f, 0.75f, 2.0f}, {1, 3, 1, 1}), ref, x),
                {1 / std::pow(3.4, 0.75), 2 / std::pow(3.4, 0.75), 3 / std::pow(3.3, 0.75)});
  // size 1: each channel alone.
  check_doubles(run_forward(lrn_graph({1, 0.5f, 1.0f, 1.0f}, {1, 3, 1, 1}), ref, x), {1 / 1.5, 2 / 3.0, 3 / 5.5});
}

TEST_CASE("norm: LRN Deconv passthrough copies the signal, other modes stay exact") {
  const LrnParams p{5, 0.1f, 0.75f, 1.0f};
  const Dims dims = {2, 6, 3, 3};
  const Graph g = lrn_graph(p, dims);
  const Tensor x = random_tensor(dims, 21);
  const Tensor seed = random_tensor(dims, 22);
  for (const auto& backend : {make_reference_backend(), make_cpu_backend()}) {
    CAPTURE(backend->name());
    CHECK(max_abs_error(run_backward(g, backend, x, seed, BackwardMode::Deconv, {true}), seed) == 0.0);
    const Tensor exact = run_backward(g, backend, x, seed, BackwardMode::Gradient);
    CHECK(max_abs_error(exact, seed) > 1e-2);  // the normalization matters at this alpha
    for (BackwardMode mode : kModes) {
      CHECK(max_relative_error(run_backward(g, backend, x, seed, mode, {false}), exact) <= 1e-6);
    }
    CHECK(max_relative_error(run_backward(g, backend, x, seed, BackwardMode::Guided, {true}), exact) <= 1e-6);
  }
}

TEST_CASE("norm: reference LRN backward matches finite differences") {
  const auto ref = make_reference_backend();
  const Dims dims = {2, 7, 3, 2};
  for (const LrnParams& p :
       {LrnParams{5, 0.1f, 0.75f, 1.0f}, LrnParams{3, 0.5f, 0.6f, 2.0f}, LrnParams{4, 0.3f, 0.75f, 1.0f}}) {
    CAPTURE(p.size);
    const Graph g = lrn_graph(p, dims);
    CHECK(finite_difference_error(g, ref, random_tensor(dims, 31, -2.0f, 2.0f), random_tensor(dims, 32)) < 1e-2);
  }
}

TEST_CASE("norm: cpu LRN matches the reference (sizes 5, 3, 4, 1)") {
  uint32_t seed = 40;
  for (const LrnParams& p :
       {LrnParams{5, 1e-4f, 0.75f, 1.0f}, LrnParams{5, 0.1f, 0.75f, 1.0f}, LrnParams{3, 0.5f, 0.6f, 2.0f},
        LrnParams{4, 0.3f, 0.75f, 1.0f}, LrnParams{1, 0.3f, 0.75f, 1.0f}}) {
    for (const Dims& dims : {Dims{1, 7, 5, 4}, Dims{2, 16, 6, 6}}) {
      CAPTURE(p.size);
      CAPTURE(p.alpha);
      CAPTURE(to_string(dims));
      ++seed;
      check_cpu_against_reference(lrn_graph(p, dims), random_tensor(dims, seed, -3.0f, 3.0f), seed);
    }
  }
}

TEST_CASE("norm: reference BatchNormalization by hand") {
  const auto ref = make_reference_backend();
  const std::vector<Tensor> consts = {Tensor({2}, {2, 0.5f}), Tensor({2}, {1, -1}), Tensor({2}, {0.5f, 1}),
                                      Tensor({2}, {3, 0})};
  const Graph g = single_node_graph(OpKind::BatchNorm, BatchNormParams{1.0f}, {1, 2, 1, 2}, consts);
  const Tensor x({1, 2, 1, 2}, {1.5f, -0.5f, 2, 3});
  // Per channel: scale / sqrt(var + eps) = 2/2 = 1 and 0.5/1 = 0.5.
  for (const auto& backend : {make_reference_backend(), make_cpu_backend()}) {
    CAPTURE(backend->name());
    check_doubles(run_forward(g, backend, x), {2, 0, -0.5, 0});
    for (BackwardMode mode : kModes) {
      check_doubles(run_backward(g, backend, x, Tensor({1, 2, 1, 2}, {1, -2, 3, 4}), mode), {1, -2, 1.5, 2});
    }
  }
}

TEST_CASE("norm: reference BatchNormalization backward matches finite differences") {
  const Dims dims = {2, 3, 4, 3};
  const Graph g = single_node_graph(OpKind::BatchNorm, BatchNormParams{1e-3f}, dims, bn_constants(3, 50));
  CHECK(finite_difference_error(g, make_reference_backend(), random_tensor(dims, 51), random_tensor(dims, 52)) < 1e-2);
}

TEST_CASE("norm: cpu BatchNormalization matches the reference") {
  uint32_t seed = 60;
  for (const Dims& dims : {Dims{1, 5, 6, 7}, Dims{2, 16, 4, 4}, Dims{2, 3, 1, 1}}) {
    CAPTURE(to_string(dims));
    const Graph g = single_node_graph(OpKind::BatchNorm, BatchNormParams{1e-5f}, dims, bn_constants(dims[1], seed));
    ++seed;
    check_cpu_against_reference(g, random_tensor(dims, seed), seed);
  }
}

TEST_CASE("norm: BatchNormalization refuses non-constant statistics") {
  GraphBuilder b("test");
  const int x = b.input("x", {1, 2, 2, 2});
  const int c = b.constant("c", Tensor({2}, {1, 1}));
  const int stat = b.node(OpKind::Relu, NoParams{}, {b.constant("s", Tensor({2}, {1, 2}))}, "relu", "stat");
  b.node(OpKind::BatchNorm, BatchNormParams{}, {x, c, c, stat, c}, "bn", "y");
  const Graph g = b.build();
  for (const auto& backend : {make_reference_backend(), make_cpu_backend()}) {
    CHECK_THROWS_WITH_AS(Net(g, backend, 1), doctest::Contains("'bn': input 'mean' must be a constant"), Error);
  }
}
