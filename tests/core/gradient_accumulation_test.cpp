// A blob read by several nodes collects one gradient contribution per reader. Kernels that can add in place
// (Kernel::accumulates_into: Concat everywhere, cuDNN convolutions) take the later contributions directly; the
// rest go through scratch and a separate add. Checked on a dense block: the gradient against finite differences
// and across backends, and how many contributions still went through scratch.
#include "compute/core/net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

using namespace deepvis;

TEST_CASE("gradient accumulation: a dense block's input gradient matches finite differences on every backend") {
  const Graph graph = test::dense_block_graph();
  const Tensor input = test::random_tensor({1, 3, 6, 6}, 11);
  const Tensor seed = test::random_tensor({1, 5, 6, 6}, 12);
  std::vector<std::shared_ptr<Backend>> all = test::backends();
  all.push_back(make_cpu_backend(Layout::Blocked8));
  all.push_back(make_cpu_backend(Layout::Plain));
  const Tensor want = test::run_backward(graph, make_reference_backend(), input, seed, BackwardMode::Gradient);
  for (const auto& backend : all) {
    CAPTURE(backend->name());
    CHECK(test::finite_difference_error(graph, backend, input, seed) < 2e-3);
    // Each contribution in the same order as the reference: only rounding differs.
    CHECK(test::max_relative_error(test::run_backward(graph, backend, input, seed, BackwardMode::Gradient), want) <
          1e-5);
  }
}

TEST_CASE("gradient accumulation: Concat adds later contributions in place; convolutions and repeats use scratch") {
  // Backward runs out, c2, d, c1, b, a. Where each contribution to a blob lands:
  //   c2 gives a, b, d their first gradient, and d's second slot (same node, same blob) goes through scratch;
  //   c1 adds into a and b in place (they were written by c2);
  //   b's convolution adds a second contribution to a: through scratch (host convolutions cannot add in place).
  // Without in-place accumulation, c1's two would go through scratch too: 4.
  const Graph graph = test::dense_block_graph();
  const Tensor input = test::random_tensor({1, 3, 6, 6}, 11);
  const Tensor seed = test::random_tensor({1, 5, 6, 6}, 12);
  for (const auto& backend : test::backends()) {
    CAPTURE(backend->name());
    Net net(graph, backend);
    net.forward(input);
    Gradients grads = net.make_gradients();
    net.backward_from(graph.outputs.front(), seed, BackwardMode::Gradient, grads);
    CHECK(net.scratch_adds() == 2);
    // A second run counts afresh, and gives the same gradient (nothing is left over from the first).
    const Tensor first = grads.input().clone();
    net.backward_from(graph.outputs.front(), seed, BackwardMode::Gradient, grads);
    CHECK(net.scratch_adds() == 2);
    CHECK(test::max_abs_error(grads.input(), first) == 0.0);
  }
}

TEST_CASE("gradient accumulation: Concat kernels add only where asked") {
  const Graph graph = test::single_node_graph(OpKind::Concat, ConcatParams{1}, {1, 2, 2, 2}, {});
  const Dims part = {1, 2, 2, 2};
  Tensor x0 = test::random_tensor(part, 1);
  Tensor x1 = test::random_tensor(part, 2);
  for (const auto& backend : test::backends()) {
    CAPTURE(backend->name());
    KernelSpec spec{graph.nodes.front(), {part, part}, {1, 4, 2, 2}, {nullptr, nullptr}, {}, Layout::Plain};
    // A two-input Concat of the single node's params: the spec, not the graph, says how many inputs there are.
    const std::unique_ptr<Kernel> kernel = backend->make_kernel(spec);
    CHECK(kernel->accumulates_into(0));
    CHECK(kernel->accumulates_into(1));
    const Tensor gy = test::random_tensor({1, 4, 2, 2}, 3);
    Tensor y({1, 4, 2, 2});
    Tensor g0(part);
    Tensor g1(part);
    for (int64_t i = 0; i < g0.numel(); ++i) {
      g0.at(i) = 10.0f + static_cast<float>(i);
      g1.at(i) = -7.0f;
    }
    BackwardArgs args;
    args.inputs = {&x0, &x1};
    args.output = &y;
    args.grad_output = &gy;
    args.grad_inputs = {&g0, &g1};
    args.accumulate = {1, 0};
    kernel->backward(args);
    for (int64_t i = 0; i < 8; ++i) {
      CAPTURE(i);
      CHECK(g0.at(i) == doctest::Approx(10.0f + static_cast<float>(i) + gy.at(i)));  // channels 0-1: added
      CHECK(g1.at(i) == gy.at(8 + i));                                               // channels 2-3: overwritten
    }
  }
}
