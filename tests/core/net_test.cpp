// Net behaviour across ops: planning per batch, up_to, coexisting backward results, errors, and the promise that
// a steady-state forward or backward allocates nothing.
#include "compute/core/error.hpp"
#include "compute/vis/ascent.hpp"
#include "tests/support/blockable_net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <dlfcn.h>
#include <execinfo.h>

#include <cstring>

using namespace deepvis;

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

// oneDNN's execute() builds its own per-call argument map inside libdnnl; that is oneDNN's bookkeeping, outside
// what deepvis controls, so allocations with libdnnl on the stack are not counted. Everything else is.
bool called_from_onednn() {
  void* frames[24];
  const int n = backtrace(frames, 24);
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    if (dladdr(frames[i], &info) && info.dli_fname && std::strstr(info.dli_fname, "libdnnl")) return true;
  }
  return false;
}

}  // namespace

// Counts operator new while a test asks for it; otherwise behaves like the default. GCC cannot see that the
// replaced new and delete pair malloc with free, and warns where it inlines them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (g_counting.exchange(false)) {  // off while inspecting the stack, which may allocate itself
    if (!called_from_onednn()) g_allocations.fetch_add(1);
    g_counting = true;
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

// A small convnet touching every CPU family that a classifier uses.
Graph small_convnet() {
  GraphBuilder g("small_convnet");
  int x = g.input("data", {1, 3, 12, 12});
  ConvParams c1{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  x = g.node(OpKind::Conv, c1,
             {x, g.constant("w1", test::random_tensor({6, 3, 3, 3}, 1)), g.constant("b1", test::random_tensor({6}, 2))},
             "conv1");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu1");
  x = g.node(OpKind::MaxPool, PoolParams{{2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, false, false}, {x}, "pool1");
  x = g.node(OpKind::Lrn, LrnParams{3, 0.1f, 0.75f, 1.0f}, {x}, "norm1");
  const int skip = x;
  ConvParams c2{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 2};
  x = g.node(OpKind::Conv, c2, {x, g.constant("w2", test::random_tensor({6, 3, 3, 3}, 3))}, "conv2");
  x = g.node(OpKind::Add, NoParams{}, {x, skip}, "residual");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu2");
  x = g.node(OpKind::Flatten, FlattenParams{1}, {x}, "flatten");
  x = g.node(OpKind::Gemm, GemmParams{1.0f, 1.0f, false, true},
             {x, g.constant("fc_w", test::random_tensor({5, 216}, 4)), g.constant("fc_b", test::random_tensor({5}, 5))},
             "fc");
  g.node(OpKind::Softmax, SoftmaxParams{1, false}, {x}, "prob");
  return g.build();
}

}  // namespace

TEST_CASE("net: a steady-state forward and backward allocate nothing") {
  Net net(small_convnet(), make_cpu_backend());
  const Tensor input = test::random_tensor({1, 3, 12, 12}, 9);
  const int fc = net.blob_id("fc");
  Tensor seed(net.blob_dims(fc));
  seed.at(2) = 1.0f;
  Gradients grads = net.make_gradients();
  net.forward(input);
  net.backward_from(fc, seed, BackwardMode::Guided, grads);

  g_allocations = 0;
  g_counting = true;
  net.forward(input);
  net.backward_from(fc, seed, BackwardMode::Guided, grads);
  net.backward_from(fc, seed, BackwardMode::Gradient, grads);
  g_counting = false;
  CHECK(g_allocations.load() == 0);
}

TEST_CASE("net: on channel-blocked activations too, a steady-state forward and backward allocate nothing") {
  Net net(test::blockable_net(), make_cpu_backend(Layout::Blocked16));
  const int residual = net.blob_id("residual");
  REQUIRE(net.blob_layout(residual) == Layout::Blocked16);
  const Tensor input = test::random_tensor({1, 3, 12, 12}, 9);
  const Tensor seed = test::random_tensor(net.blob_dims(residual), 10);
  Gradients grads = net.make_gradients();
  net.forward(input);
  net.backward_from(residual, seed, BackwardMode::Deconv, grads);
  (void)net.blob(residual);  // the plain mirrors are made on first use
  (void)grads.at(residual);

  g_allocations = 0;
  g_counting = true;
  net.forward(input);
  net.backward_from(residual, seed, BackwardMode::Deconv, grads);
  (void)net.blob(residual);
  (void)grads.at(residual);
  g_counting = false;
  CHECK(g_allocations.load() == 0);
}

TEST_CASE("net: gradient and deconv results coexist in their own Gradients") {
  Net net(small_convnet(), make_cpu_backend());
  net.forward(test::random_tensor({1, 3, 12, 12}, 9));
  const int conv2 = net.blob_id("conv2");
  const Tensor seed = net.blob(conv2).clone();
  Gradients gradient = net.make_gradients();
  Gradients deconv = net.make_gradients();
  net.backward_from(conv2, seed, BackwardMode::Gradient, gradient);
  const Tensor gradient_copy = gradient.input().clone();
  net.backward_from(conv2, seed, BackwardMode::Deconv, deconv);
  CHECK(test::max_abs_error(gradient.input(), gradient_copy) == 0.0);   // untouched by the second run
  CHECK(test::max_abs_error(gradient.input(), deconv.input()) > 1e-3);  // and the modes do differ here
  // Each matches a fresh run on the reference backend.
  const Tensor input = test::random_tensor({1, 3, 12, 12}, 9);
  Net ref(small_convnet(), make_reference_backend());
  ref.forward(input);
  Gradients r = ref.make_gradients();
  ref.backward_from(conv2, seed, BackwardMode::Deconv, r);
  CHECK(test::max_relative_error(deconv.input(), r.input()) <= 1e-4);
}

TEST_CASE("net: batch 2 gives each element the batch-1 answer") {
  Net one(small_convnet(), make_cpu_backend());
  Net two(small_convnet(), make_cpu_backend(), 2);
  const Tensor a = test::random_tensor({1, 3, 12, 12}, 11);
  const Tensor b = test::random_tensor({1, 3, 12, 12}, 12);
  Tensor ab({2, 3, 12, 12});
  std::copy(a.data(), a.data() + a.numel(), ab.data());
  std::copy(b.data(), b.data() + b.numel(), ab.data() + a.numel());
  two.forward(ab);
  const int prob = two.blob_id("prob");
  one.forward(b);
  const Tensor& both = two.blob(prob);
  const Tensor second = Tensor({1, 5}, std::vector<float>(both.data() + 5, both.data() + 10));
  CHECK(test::max_relative_error(second, one.blob(prob)) <= 1e-5);
}

TEST_CASE("net: forward up_to stops early, and backward beyond it is refused") {
  Net net(small_convnet(), make_cpu_backend());
  const int relu1 = net.blob_id("relu1");
  net.forward(test::random_tensor({1, 3, 12, 12}, 9), relu1);
  Gradients grads = net.make_gradients();
  CHECK_NOTHROW(net.backward_from(relu1, net.blob(relu1).clone(), BackwardMode::Gradient, grads));
  const int fc = net.blob_id("fc");
  CHECK_THROWS_WITH_AS(net.backward_from(fc, Tensor(net.blob_dims(fc)), BackwardMode::Gradient, grads),
                       doctest::Contains("run forward up to that layer first"), Error);
}

TEST_CASE("net: bad requests name the problem") {
  Net net(small_convnet(), make_cpu_backend());
  CHECK_THROWS_WITH_AS(net.forward(Tensor({1, 3, 10, 12})), doctest::Contains("1x3x10x12"), Error);
  CHECK_THROWS_WITH_AS(net.blob_id("conv9"), doctest::Contains("no layer named 'conv9'"), Error);
  net.forward(test::random_tensor({1, 3, 12, 12}, 9));
  Gradients grads = net.make_gradients();
  CHECK_THROWS_WITH_AS(net.backward_from(net.blob_id("fc"), Tensor({1, 4}), BackwardMode::Gradient, grads),
                       doctest::Contains("seed dims 1x4"), Error);
  Net other(small_convnet(), make_cpu_backend(), 2);
  CHECK_THROWS_AS(other.backward_from(other.blob_id("fc"), Tensor({2, 5}), BackwardMode::Gradient, grads), Error);
}

TEST_CASE("net: the optimizer's steady-state steps allocate nothing, regularizers included") {
  Net net(small_convnet(), make_cpu_backend());
  vis::AscentParams p = vis::preset(1);  // blur, and the small-norm percentile clip
  p.px_abs_benefit_percentile = 50;      // and the contribution clip
  p.small_val_percentile = 10;
  p.push_layer = "fc";
  p.push_units = {1, 3};
  p.max_iter = 20;
  vis::AscentRun run(net, p, vis::pixel_space(Preprocess{}, 3));
  for (int i = 0; i < 5; ++i) run.step();  // warm-up: kernels, percentile scratch, blur kernel
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 8; ++i) run.step();
  g_counting = false;
  CHECK(g_allocations.load() == 0);
  CHECK(run.iteration() == 13);
}
