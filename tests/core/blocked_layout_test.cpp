// The cpu backend's channel-blocked activations (compute/cpu/layout_plan.hpp): which blobs the planner blocks,
// and that a Net on blocked data gives the reference backend's answers for every blob, in every backward mode,
// seeded anywhere, with nChw8c and nChw16c alike; plus the plain-staging fallback.
#include "compute/core/layout.hpp"
#include "compute/core/net.hpp"
#include "compute/cpu/kernels.hpp"
#include "compute/cpu/layout_plan.hpp"
#include "tests/support/blockable_net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

// One-input backward arguments in Gradient mode.
BackwardArgs backward_args(const Tensor& x, const Tensor& y, const Tensor& gy, Tensor& gx) {
  BackwardArgs args;
  args.inputs = {&x};
  args.output = &y;
  args.grad_output = &gy;
  args.grad_inputs = {&gx};
  return args;
}

Layout planned(const Graph& g, const std::vector<Layout>& plan, const std::string& blob) {
  return plan.at(static_cast<size_t>(g.find_blob(blob)));
}

}  // namespace

TEST_CASE("layout plan: conv chains and the ops between them are blocked, plain code's blobs are not") {
  const Graph g = test::blockable_net();
  for (Layout blocked : {Layout::Blocked8, Layout::Blocked16}) {
    CAPTURE(channel_block(blocked));
    const std::vector<Layout> plan = cpu::plan_layouts(g, blocked);
    // The LRN reads relu_a as plain planes, so conv_a's output group stays plain.
    for (const char* plain : {"data", "conv_a", "relu_a", "lrn_a", "gap", "flatten", "fc"}) {
      CAPTURE(plain);
      CHECK(planned(g, plan, plain) == Layout::Plain);
    }
    for (const char* b : {"conv_b", "relu_b", "pool_b", "conv_c", "leaky_c", "residual", "clip_c", "concat", "bn",
                          "conv_d", "sigmoid_d", "avgpool_d", "conv_e"}) {
      CAPTURE(b);
      CHECK(planned(g, plan, b) == blocked);
    }
  }
  CHECK(cpu::plan_layouts(g, Layout::Plain) == std::vector<Layout>(g.blobs.size(), Layout::Plain));
  // 24 channels: a multiple of 8, not of 16. The Add ties conv_c's group to pool_b's, so all of it goes together.
  const Graph narrow = test::blockable_net(1, 24);
  CHECK(planned(narrow, cpu::plan_layouts(narrow, Layout::Blocked8), "residual") == Layout::Blocked8);
  CHECK(planned(narrow, cpu::plan_layouts(narrow, Layout::Blocked16), "residual") == Layout::Plain);
  CHECK(planned(narrow, cpu::plan_layouts(narrow, Layout::Blocked16), "pool_b") == Layout::Plain);
  // conv_e's 16 channels do not depend on the width.
  CHECK(planned(narrow, cpu::plan_layouts(narrow, Layout::Blocked16), "conv_e") == Layout::Blocked16);
}

TEST_CASE("blocked layouts: every blob and every backward mode match the reference backend") {
  const auto ref_backend = make_reference_backend();
  for (int batch : {1, 2}) {
    const Graph g = test::blockable_net(batch);
    const Tensor input = test::random_tensor({batch, 3, 12, 12}, 21);
    Net ref(g, ref_backend);
    ref.forward(input);
    for (Layout blocked : {Layout::Blocked8, Layout::Blocked16}) {
      CAPTURE(batch);
      CAPTURE(channel_block(blocked));
      Net net(g, make_cpu_backend(blocked));
      REQUIRE(net.blob_layout(net.blob_id("residual")) == blocked);  // the test is about blocked data
      net.forward(input);
      for (const Node& node : g.nodes) {
        CAPTURE(node.name);
        CHECK(test::max_relative_error(net.blob(node.output), ref.blob(node.output)) <= 1e-5);
      }
      // Seeded at the classifier and at a blocked blob; read at the input and at a blocked blob on the way.
      for (const char* from : {"fc", "residual"}) {
        const int top = net.blob_id(from);
        const Tensor seed = test::random_tensor(net.blob_dims(top), 31);
        for (BackwardMode mode : test::kModes) {
          CAPTURE(from);
          CAPTURE(static_cast<int>(mode));
          Gradients got = net.make_gradients();
          Gradients want = ref.make_gradients();
          net.backward_from(top, seed, mode, got);
          ref.backward_from(top, seed, mode, want);
          CHECK(test::max_relative_error(got.input(), want.input()) <= 1e-4);
          const int inner = net.blob_id("relu_b");
          CHECK(test::max_relative_error(got.at(inner), want.at(inner)) <= 1e-4);
        }
      }
    }
  }
}

TEST_CASE("blocked layouts: a plain kernel staged onto blocked blobs gives its plain answers") {
  // An average pool run by the reference backend's plain loops, wrapped for nChw16c input and output.
  GraphBuilder b("staged");
  const int x = b.input("x", {2, 32, 6, 6});
  b.node(OpKind::AveragePool, PoolParams{{3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, true, true}, {x}, "pool");
  const Graph g = b.build();
  const Node& node = g.nodes.at(0);
  const Dims out_dims = g.blobs[static_cast<size_t>(node.output)].dims;
  KernelSpec plain{node, {{2, 32, 6, 6}}, out_dims, {nullptr}, {}, Layout::Plain};
  KernelSpec blocked = plain;
  blocked.input_layouts = {Layout::Blocked16};
  blocked.output_layout = Layout::Blocked16;
  const auto ref = make_reference_backend();
  auto staged = cpu::with_plain_staging(blocked, ref->make_kernel(plain));

  const Tensor in = test::random_tensor({2, 32, 6, 6}, 41);
  const Tensor gy = test::random_tensor(out_dims, 42);
  Tensor want_y(out_dims), want_gx(in.dims());
  auto direct = ref->make_kernel(plain);
  direct->forward({{&in}, &want_y});
  direct->backward(backward_args(in, want_y, gy, want_gx));

  Tensor in_b = Tensor(in.dims()).with_layout(Layout::Blocked16), y_b = Tensor(out_dims).with_layout(Layout::Blocked16);
  Tensor gy_b = Tensor(out_dims).with_layout(Layout::Blocked16),
         gx_b = Tensor(in.dims()).with_layout(Layout::Blocked16);
  convert_layout(in, in_b);
  convert_layout(gy, gy_b);
  staged->forward({{&in_b}, &y_b});
  staged->backward(backward_args(in_b, y_b, gy_b, gx_b));
  Tensor y(out_dims), gx(in.dims());
  convert_layout(y_b, y);
  convert_layout(gx_b, gx);
  CHECK(test::max_abs_error(y, want_y) == 0.0);
  CHECK(test::max_abs_error(gx, want_gx) == 0.0);
  CHECK(test::max_abs_error(y_b, want_y) > 0.0);  // the blocked bytes really are in another order
}

TEST_CASE("blocked layouts: plain reads follow each forward and backward, and values_changed") {
  const Graph g = test::blockable_net();
  Net net(g, make_cpu_backend(Layout::Blocked16));
  Net ref(g, make_reference_backend());
  const int residual = net.blob_id("residual");
  REQUIRE(net.blob_layout(residual) == Layout::Blocked16);
  Gradients got = net.make_gradients();
  Gradients want = ref.make_gradients();
  const Tensor seed = test::random_tensor(net.blob_dims(residual), 51);
  for (uint32_t s : {61u, 62u}) {  // a second input: nothing read may be left over from the first
    CAPTURE(s);
    const Tensor input = test::random_tensor({1, 3, 12, 12}, s);
    net.forward(input);
    ref.forward(input);
    CHECK(test::max_relative_error(net.blob(residual), ref.blob(residual)) <= 1e-5);
    CHECK(&net.blob(residual) == &net.blob(residual));  // one mirror, converted once per forward
    net.backward_from(residual, seed, BackwardMode::Guided, got);
    ref.backward_from(residual, seed, BackwardMode::Guided, want);
    const int inner = net.blob_id("conv_b");
    CHECK(test::max_relative_error(got.at(inner), want.at(inner)) <= 1e-4);
  }
  // Values written behind forward's back (as a replayed CUDA graph does) show once the net is told.
  const float before = net.blob(residual).at(0);
  Tensor& raw = const_cast<Tensor&>(net.device_blob(residual));
  raw.at(0) = before + 1.0f;  // element (0, 0, 0, 0) is the first in nChw16c too
  CHECK(net.blob(residual).at(0) == before);
  net.values_changed();
  CHECK(net.blob(residual).at(0) == before + 1.0f);
}

TEST_CASE("layout plan: DEEPVIS_CPU_LAYOUT=plain turns blocking off, and the default backend uses the CPU's choice") {
  const char* before = std::getenv("DEEPVIS_CPU_LAYOUT");
  const std::string saved = before ? before : "";
  setenv("DEEPVIS_CPU_LAYOUT", "plain", 1);
  CHECK(cpu::preferred_blocked_layout() == Layout::Plain);
  {
    Net net(test::blockable_net(), make_cpu_backend());
    CHECK(net.blob_layout(net.blob_id("residual")) == Layout::Plain);
  }
  unsetenv("DEEPVIS_CPU_LAYOUT");
  const Layout chosen = cpu::preferred_blocked_layout();
  Net net(test::blockable_net(), make_cpu_backend());
  CHECK(net.blob_layout(net.blob_id("residual")) == chosen);
  if (before) setenv("DEEPVIS_CPU_LAYOUT", saved.c_str(), 1);
}
