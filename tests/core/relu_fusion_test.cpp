// A kernel that fuses_relu() runs the Relu that alone reads its output, forward and backward, in its own pass
// (the CPU and CUDA BatchNormalization). Checked against the reference backend, which fuses nothing: every blob's
// value and every blob's gradient, in all three backward modes, seeded after the Relu and between the two.
#include "compute/core/net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

using namespace deepvis;

TEST_CASE("relu fusion: every value and gradient matches the reference, seeded after and before the Relu") {
  const Graph graph = test::batch_norm_relu_graph();
  const Tensor input = test::random_tensor({2, 3, 5, 5}, 5);
  Net ref(graph, make_reference_backend());
  CHECK(ref.fused_relus() == 0);
  for (Layout layout : {Layout::Plain, Layout::Blocked8, Layout::Blocked16}) {
    CAPTURE(channel_block(layout));
    Net net(graph, make_cpu_backend(layout));
    CHECK(net.fused_relus() == 1);  // relu1 only: bn2's output has two readers
    CHECK(test::worst_error_everywhere(graph, net, ref, input, {"out", "relu1", "bn1"}, 7) < 1e-5);
  }
}

TEST_CASE("relu fusion: the fused Relu's node does not run, and turning fusion off gives the same numbers") {
  const Graph graph = test::batch_norm_relu_graph();
  const Tensor input = test::random_tensor({2, 3, 5, 5}, 6);
  const Tensor seed = test::random_tensor({2, 16, 5, 5}, 8);
  Net fused(graph, make_cpu_backend());
  Net plain(graph, make_cpu_backend());
  plain.set_fusion(false);
  CHECK(plain.fused_relus() == 0);
  CHECK(fused.fused_relus() == 1);
  fused.enable_profiling(true);
  const int out = graph.outputs.front();
  for (Net* net : {&fused, &plain}) net->forward(input);
  Gradients a = fused.make_gradients();
  Gradients b = plain.make_gradients();
  fused.backward_from(out, seed, BackwardMode::Guided, a);
  plain.backward_from(out, seed, BackwardMode::Guided, b);
  CHECK(test::max_abs_error(a.input(), b.input()) < 1e-6);
  CHECK(test::max_abs_error(fused.blob(graph.find_blob("relu1")), plain.blob(graph.find_blob("relu1"))) == 0.0);
  // relu1's time is inside bn1's: its own node never ran.
  size_t relu1 = 0;
  while (graph.nodes[relu1].name != "relu1") ++relu1;
  CHECK(fused.forward_ms()[relu1] == 0.0);
  CHECK(fused.backward_ms()[relu1] == 0.0);
  CHECK(fused.forward_ms()[relu1 - 1] > 0.0);
}
