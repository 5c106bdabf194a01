// At batch 1, a channel Concat whose inputs can be written straight into their slices of its output gets them
// there (Net::set_fusion): DenseNet's Concats of a block then share one buffer, and none copies anything forward.
// Checked: which Concats qualify, that their memory is really shared, and every value and gradient against a Net
// that copies.
#include "compute/core/net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

using namespace deepvis;

namespace {

const float* storage(const Net& net, const Graph& graph, const char* blob) {
  return net.device_blob(graph.find_blob(blob)).data();
}

int64_t elements(const Graph& graph, const char* blob) {
  return numel(graph.blobs[static_cast<size_t>(graph.find_blob(blob))].dims);
}

}  // namespace

TEST_CASE("concat in place: a dense block's Concats share the last one's buffer, each input in its slice") {
  const Graph graph = test::dense_chain_graph();
  std::vector<std::shared_ptr<Backend>> all = test::backends();
  all.push_back(make_cpu_backend(Layout::Blocked8));
  all.push_back(make_cpu_backend(Layout::Plain));
  Net copying(graph, make_reference_backend());
  copying.set_fusion(false);
  CHECK(copying.concats_in_place() == 0);
  for (const auto& backend : all) {
    CAPTURE(backend->name());
    Net net(graph, backend);
    CHECK(net.concats_in_place() == 4);
    const float* base = storage(net, graph, "c3");
    for (const char* concat : {"c0", "c1", "c2", "x0"}) CHECK(storage(net, graph, concat) == base);
    CHECK(storage(net, graph, "x1") == base + elements(graph, "x0"));
    CHECK(storage(net, graph, "x3") == base + 3 * elements(graph, "x0"));
    const Tensor input = test::random_tensor({1, 3, 6, 6}, 4);
    CHECK(test::worst_error_everywhere(graph, net, copying, input, {"out", "x2", "c1"}, 5) < 1e-5);
  }
}

TEST_CASE("concat in place: not at batch 2, not with a repeated input, not for the network input") {
  const Graph chain = test::dense_chain_graph();
  Net two(chain, make_cpu_backend(), 2);
  CHECK(two.concats_in_place() == 0);  // each input is two runs of the output, one per image

  // dense_block_graph's c2 reads d twice: it copies; c1 (a, b) is in place.
  const Graph block = test::dense_block_graph();
  Net net(block, make_reference_backend());
  CHECK(net.concats_in_place() == 1);
  CHECK(storage(net, block, "a") == storage(net, block, "c1"));
  CHECK(storage(net, block, "c2") != storage(net, block, "c1"));

  GraphBuilder g("input_concat");
  const int x = g.input("data", {1, 2, 3, 3});
  g.node(OpKind::Concat, ConcatParams{1}, {x, g.node(OpKind::Relu, NoParams{}, {x}, "r")}, "c");
  Net with_input(g.build(), make_reference_backend());
  CHECK(with_input.concats_in_place() == 0);
}
