// Gemm and MatMul: hand-computed forward and backward values (both backends), finite differences of the
// reference backward for A and for B, and the cpu backend against the reference over transposes, alpha/beta,
// every broadcast form of C, constant and non-constant B, and batches 1 and 2.
#include "compute/ops/linear.hpp"
#include "compute/core/error.hpp"
#include "compute/cpu/small_batch_gemm.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

Tensor transposed(const Tensor& t) {
  Tensor out({t.dim(1), t.dim(0)});
  for (int64_t i = 0; i < t.dim(0); ++i) {
    for (int64_t j = 0; j < t.dim(1); ++j) out.at(j * t.dim(0) + i) = t.at(i * t.dim(1) + j);
  }
  return out;
}

GemmParams gemm(float alpha, float beta, bool trans_a, bool trans_b) {
  return GemmParams{alpha, beta, trans_a, trans_b};
}

// y = Gemm(A, x[, C]) with A (and C) constant: the input is B.
Graph b_input_graph(OpKind kind, const GemmParams& p, const Tensor& a, const Dims& b, const Tensor* c) {
  GraphBuilder g("b-input");
  const int x = g.input("x", b);
  std::vector<int> inputs = {g.constant("a", a), x};
  if (c) inputs.push_back(g.constant("c", *c));
  if (kind == OpKind::Gemm) {
    g.node(kind, p, inputs, "gemm");
  } else {
    g.node(kind, NoParams{}, inputs, "matmul");
  }
  return g.build();
}

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A * B = [[4,5],[10,11]].
const Tensor kA({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor kB({3, 2}, {1, 0, 0, 1, 1, 1});

}  // namespace

TEST_CASE("linear: forward hand values, MatMul and Gemm transposes") {
  const Tensor c({2}, {10, 20});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(single_node_graph(OpKind::MatMul, NoParams{}, kA.dims(), {kB}), backend, kA),
                 {4, 5, 10, 11}, 1e-5);
    // 2 * A * B + 0.5 * [10, 20] = [[13, 20], [25, 32]], whichever operand is given transposed.
    const std::vector<float> want = {13, 20, 25, 32};
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        CAPTURE(ta);
        CAPTURE(tb);
        const Tensor a = ta ? transposed(kA) : kA;
        const Tensor b = tb ? transposed(kB) : kB;
        check_values(run_forward(single_node_graph(OpKind::Gemm, gemm(2, 0.5f, ta, tb), a.dims(), {b, c}), backend, a),
                     want, 1e-5);
      }
    }
  }
}

TEST_CASE("linear: forward hand values, every broadcast form of C") {
  struct Form {
    Tensor c;
    std::vector<float> want;  // A * B + C
  };
  const std::vector<Form> forms = {
      {Tensor({}, {4}), {8, 9, 14, 15}},
      {Tensor({1}, {4}), {8, 9, 14, 15}},
      {Tensor({2}, {10, 20}), {14, 25, 20, 31}},
      {Tensor({1, 2}, {10, 20}), {14, 25, 20, 31}},
      {Tensor({2, 1}, {10, 20}), {14, 15, 30, 31}},
      {Tensor({2, 2}, {1, 2, 3, 4}), {5, 7, 13, 15}},
  };
  for (const auto& backend : backends()) {
    for (const Form& f : forms) {
      CAPTURE(backend->name());
      CAPTURE(to_string(f.c.dims()));
      check_values(
          run_forward(single_node_graph(OpKind::Gemm, gemm(1, 1, false, false), kA.dims(), {kB, f.c}), backend, kA),
          f.want, 1e-5);
    }
  }
}

TEST_CASE("linear: backward hand values for A and for B") {
  const Tensor seed({2, 2}, {1, 0, 0, 2});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    for (BackwardMode mode : kModes) {
      CAPTURE(static_cast<int>(mode));
      // dA = 2 * dY * B^T = 2 * [[1,0,1],[0,2,2]]; with transA it comes back in A's (3x2) layout.
      const Tensor c({2}, {10, 20});
      check_values(run_backward(single_node_graph(OpKind::Gemm, gemm(2, 0.5f, false, false), kA.dims(), {kB, c}),
                                backend, kA, seed, mode),
                   {2, 0, 2, 0, 4, 4}, 1e-5);
      const Tensor at = transposed(kA);
      check_values(run_backward(single_node_graph(OpKind::Gemm, gemm(2, 0.5f, true, false), at.dims(), {kB, c}),
                                backend, at, seed, mode),
                   {2, 0, 0, 4, 2, 4}, 1e-5);
      // MatMul with B as the input: dB = A^T * dY = [[1,8],[2,10],[3,12]].
      check_values(run_backward(b_input_graph(OpKind::MatMul, {}, kA, kB.dims(), nullptr), backend, kB, seed, mode),
                   {1, 8, 2, 10, 3, 12}, 1e-5);
    }
  }
}

TEST_CASE("linear: reference backward matches finite differences") {
  const auto ref = make_reference_backend();
  const int64_t m = 2, k = 5, n = 4;
  uint32_t seed = 300;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      CAPTURE(ta);
      CAPTURE(tb);
      const GemmParams p = gemm(0.7f, -1.5f, ta, tb);
      const Tensor a = random_tensor(ta ? Dims{k, m} : Dims{m, k}, ++seed);
      const Tensor b = random_tensor(tb ? Dims{n, k} : Dims{k, n}, ++seed);
      const Tensor c = random_tensor({n}, ++seed);
      const Tensor s = random_tensor({m, n}, ++seed);
      // Gradient w.r.t. A, then w.r.t. B.
      CHECK(finite_difference_error(single_node_graph(OpKind::Gemm, p, a.dims(), {b, c}), ref, a, s) < 1e-2);
      CHECK(finite_difference_error(b_input_graph(OpKind::Gemm, p, a, b.dims(), &c), ref, b, s) < 1e-2);
    }
  }
  // MatMul of the input with itself: both slots need a gradient, and they add up.
  GraphBuilder g("square");
  const int x = g.input("x", {4, 4});
  g.node(OpKind::MatMul, NoParams{}, {x, x}, "xx");
  const Graph square = g.build();
  const Tensor xv = random_tensor({4, 4}, ++seed);
  const Tensor xs = random_tensor({4, 4}, ++seed);
  CHECK(finite_difference_error(square, ref, xv, xs) < 1e-2);
}

TEST_CASE("linear: cpu matches reference over transposes, alpha/beta, C forms and batches") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  const int64_t k = 37, n = 11;
  uint32_t seed = 400;
  for (int64_t m : {1, 2}) {
    const std::vector<Dims> c_forms = {{}, {}, {1}, {n}, {1, n}, {m, 1}, {m, n}};  // the first: no C
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (const auto& scales : {std::pair{1.0f, 1.0f}, std::pair{0.5f, -2.0f}}) {
          const float alpha = scales.first, beta = scales.second;  // doctest's CAPTURE cannot take a binding
          for (size_t f = 0; f < c_forms.size(); ++f) {
            CAPTURE(m);
            CAPTURE(ta);
            CAPTURE(tb);
            CAPTURE(alpha);
            CAPTURE(f);
            const GemmParams p = gemm(alpha, beta, ta, tb);
            const Tensor a = random_tensor(ta ? Dims{k, m} : Dims{m, k}, ++seed);
            const Tensor b = random_tensor(tb ? Dims{n, k} : Dims{k, n}, ++seed);
            const Tensor c = random_tensor(c_forms[f], ++seed);
            const Tensor s = random_tensor({m, n}, ++seed);
            std::vector<Tensor> constants = {b};
            if (f > 0) constants.push_back(c);
            // A is the input, B constant (the classifier's case); then B is the input, A constant.
            const Graph ga = single_node_graph(OpKind::Gemm, p, a.dims(), constants);
            const Graph gb = b_input_graph(OpKind::Gemm, p, a, b.dims(), f > 0 ? &c : nullptr);
            CHECK(max_relative_error(run_forward(ga, cpu, a), run_forward(ga, ref, a)) <= 1e-4);
            CHECK(max_relative_error(run_forward(gb, cpu, b), run_forward(gb, ref, b)) <= 1e-4);
            for (BackwardMode mode : kModes) {
              CAPTURE(static_cast<int>(mode));
              CHECK(max_relative_error(run_backward(ga, cpu, a, s, mode), run_backward(ga, ref, a, s, mode)) <= 1e-4);
              CHECK(max_relative_error(run_backward(gb, cpu, b, s, mode), run_backward(gb, ref, b, s, mode)) <= 1e-4);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("linear: cpu matches reference on a classifier-sized Gemm and on MatMul") {
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  uint32_t seed = 500;
  for (int64_t batch : {1, 2}) {
    CAPTURE(batch);
    // The real-model form: A (N, K) activation, B (M, K) constant with transB, C (M) bias.
    const Tensor a = random_tensor({batch, 300}, ++seed);
    const Tensor b = random_tensor({100, 300}, ++seed);
    const Tensor c = random_tensor({100}, ++seed);
    const Graph g = single_node_graph(OpKind::Gemm, gemm(1, 1, false, true), a.dims(), {b, c});
    CHECK(max_relative_error(run_forward(g, cpu, a), run_forward(g, ref, a)) <= 1e-4);
    const Tensor s = random_tensor({batch, 100}, ++seed);
    for (BackwardMode mode : kModes) {
      CHECK(max_relative_error(run_backward(g, cpu, a, s, mode), run_backward(g, ref, a, s, mode)) <= 1e-4);
    }
    // MatMul (N, K) x (K, M) with a constant B.
    const Tensor mb = random_tensor({300, 20}, ++seed);
    const Graph mm = single_node_graph(OpKind::MatMul, NoParams{}, a.dims(), {mb});
    CHECK(max_relative_error(run_forward(mm, cpu, a), run_forward(mm, ref, a)) <= 1e-4);
    const Tensor ms = random_tensor({batch, 20}, ++seed);
    CHECK(max_relative_error(run_backward(mm, cpu, a, ms, BackwardMode::Gradient),
                             run_backward(mm, ref, a, ms, BackwardMode::Gradient)) <= 1e-4);
  }
  // Both operands non-constant: x * x.
  GraphBuilder gx("square");
  const int x = gx.input("x", {6, 6});
  gx.node(OpKind::MatMul, NoParams{}, {x, x}, "xx");
  const Graph square = gx.build();
  const Tensor xv = random_tensor({6, 6}, ++seed);
  const Tensor xs = random_tensor({6, 6}, ++seed);
  CHECK(max_relative_error(run_forward(square, cpu, xv), run_forward(square, ref, xv)) <= 1e-4);
  CHECK(max_relative_error(run_backward(square, cpu, xv, xs, BackwardMode::Gradient),
                           run_backward(square, ref, xv, xs, BackwardMode::Gradient)) <= 1e-4);
}

TEST_CASE("linear: both sides of the small-batch switch match reference, with sparse seeds") {
  // Up to kSmallBatchRows rows the cpu backend streams the weights with its own loops, above it oneDNN runs; K
  // spans several of the backward's column chunks with a ragged end, N a ragged group of four.
  const auto ref = make_reference_backend();
  const auto cpu = make_cpu_backend();
  const int64_t k = 1100, n = 37;
  uint32_t seed = 700;
  for (int64_t m : {int64_t{1}, int64_t{3}, cpu::kSmallBatchRows, cpu::kSmallBatchRows + 1, int64_t{8}}) {
    for (bool tb : {false, true}) {
      CAPTURE(m);
      CAPTURE(tb);
      const Tensor a = random_tensor({m, k}, ++seed);
      const Tensor b = random_tensor(tb ? Dims{n, k} : Dims{k, n}, ++seed);
      const Tensor c = random_tensor({n}, ++seed);
      const Graph g = single_node_graph(OpKind::Gemm, gemm(0.5f, 2.0f, false, tb), a.dims(), {b, c});
      CHECK(max_relative_error(run_forward(g, cpu, a), run_forward(g, ref, a)) <= 1e-4);
      Tensor s = random_tensor({m, n}, ++seed);
      for (int64_t i = 0; i < s.numel(); i += 3) s.at(i) = 0.0f;  // what a ReLU or a one-unit seed leaves
      CHECK(max_relative_error(run_backward(g, cpu, a, s, BackwardMode::Gradient),
                               run_backward(g, ref, a, s, BackwardMode::Gradient)) <= 1e-4);
    }
  }
}

TEST_CASE("linear: a non-constant C runs forward, and its gradient is refused naming the node") {
  // y = 2 * A * B + 3 * x, with x the input as C.
  GraphBuilder g("c-input");
  const int x = g.input("x", {2, 2});
  g.node(OpKind::Gemm, gemm(2, 3, false, false), {g.constant("a", kA), g.constant("b", kB), x}, "biasgemm");
  const Graph graph = g.build();
  const Tensor xv({2, 2}, {1, 0, 0, -1});
  for (const auto& backend : backends()) {
    CAPTURE(backend->name());
    check_values(run_forward(graph, backend, xv), {11, 10, 20, 19}, 1e-5);
    try {
      run_backward(graph, backend, xv, Tensor({2, 2}, {1, 1, 1, 1}), BackwardMode::Gradient);
      FAIL("expected deepvis::Error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("biasgemm") != std::string::npos);
    }
  }
}
