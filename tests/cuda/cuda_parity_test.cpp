// The CUDA backend against the oracles, on a GPU: every op family over a sweep of params (batch 1 and 2), forward
// and backward in all three modes, against the naive reference backend (plain loops in double) with relative
// error <= 1e-5; whole torchvision networks against the PyTorch float64 fixtures with the bounds the CPU backend
// is held to (tests/models/torch_parity_test.cpp); and the backend's memory moves. Every case skips, with a
// message saying why, when no GPU is usable (CI).
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/device_query.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/gpu_support.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace deepvis;

namespace {

using test::gpu;
using test::source_root;

constexpr std::pair<const char*, BackwardMode> kModes[] = {
    {"gradient", BackwardMode::Gradient}, {"deconv", BackwardMode::Deconv}, {"guided", BackwardMode::Guided}};

constexpr double kTolerance = 1e-5;

// Forward, then backward from the first output with a random seed in every mode: CUDA against the reference.
// A second forward must reproduce the first exactly (nothing depends on state left by backward).
void check_parity(const Graph& graph, uint32_t seed, float lo = -1.0f, float hi = 1.0f,
                  const BackwardOptions& options = {}) {
  const Tensor x = test::random_tensor(graph.blobs[static_cast<size_t>(graph.input)].dims, seed, lo, hi);
  Net ref(graph, make_reference_backend());
  Net dev(graph, gpu());
  const int out = graph.outputs.front();
  ref.forward(x);
  dev.forward(x);
  const Tensor first = dev.blob(out).clone();
  const double fwd = test::max_relative_error(first, ref.blob(out));
  CHECK_MESSAGE(fwd <= kTolerance, "forward: relative error " << fwd);

  const Tensor g = test::random_tensor(dev.blob_dims(out), seed + 7919);
  Gradients ref_grads = ref.make_gradients();
  Gradients dev_grads = dev.make_gradients();
  for (const auto& [name, mode] : kModes) {
    ref.backward_from(out, g, mode, ref_grads, options);
    dev.backward_from(out, g, mode, dev_grads, options);
    const double err = test::max_relative_error(dev_grads.input(), ref_grads.input());
    CHECK_MESSAGE(err <= kTolerance, name << " backward: relative error " << err);
  }
  dev.forward(x);
  CHECK(test::max_abs_error(dev.blob(out), first) == 0.0);
}

void check_single(OpKind kind, OpParams params, const Dims& x, const std::vector<Tensor>& constants, uint32_t seed,
                  float lo = -1.0f, float hi = 1.0f, const BackwardOptions& options = {}) {
  check_parity(test::single_node_graph(kind, std::move(params), x, constants), seed, lo, hi, options);
}

// A graph the CUDA planning changes (Relu fusion, Concats in place): the sweep of check_parity, then every blob's
// value and gradient, seeded at each of `seeded`, against a reference Net that copies and fuses nothing. Returns
// the CUDA Net for the caller's checks of what was planned.
Net check_every_blob(const Graph& graph, uint32_t seed, const std::vector<std::string>& seeded) {
  check_parity(graph, seed);
  Net dev(graph, gpu());
  Net ref(graph, make_reference_backend());
  ref.set_fusion(false);
  const Tensor input = test::random_tensor(graph.blobs[static_cast<size_t>(graph.input)].dims, seed + 1);
  CHECK(test::worst_error_everywhere(graph, dev, ref, input, seeded, seed + 2) <= kTolerance);
  return dev;
}

ConvParams conv(Dims kernel, Dims strides, Dims dilations, Dims begin, Dims end, int64_t group) {
  return ConvParams{std::move(kernel), std::move(strides), std::move(dilations),
                    std::move(begin),  std::move(end),     group};
}

PoolParams pool(int64_t k, int64_t s, Dims begin, Dims end, bool ceil_mode = false, bool include_pad = false,
                int64_t dilation = 1) {
  return PoolParams{{k, k}, {s, s}, {dilation, dilation}, std::move(begin), std::move(end), ceil_mode, include_pad};
}

}  // namespace

TEST_CASE("cuda: backend memory: zero-filled allocation, copies in every direction, fill and add_into") {
  DEEPVIS_REQUIRE_GPU();
  const auto backend = gpu();
  CHECK(backend->name() == "cuda");
  CHECK(backend->device() == Device::Cuda);
  const Dims dims = {3, 5, 7};
  Tensor zeros = backend->allocate(dims);
  CHECK(zeros.device() == Device::Cuda);
  Tensor host(dims);
  host.fill(7.0f);
  backend->copy(zeros, host);  // device -> host
  for (int64_t i = 0; i < host.numel(); ++i) CHECK(host.at(i) == 0.0f);

  const Tensor src = test::random_tensor(dims, 1);
  const Tensor up = backend->upload(src);  // host -> device
  CHECK(up.device() == Device::Cuda);
  Tensor sum = backend->allocate(dims);
  backend->copy(up, sum);  // device -> device
  backend->add_into(sum, up);
  Tensor ones = backend->allocate(dims);
  backend->fill(ones, 1.5f);
  backend->add_into(sum, ones);
  backend->copy(sum, host);
  for (int64_t i = 0; i < host.numel(); ++i) CHECK(host.at(i) == 2.0f * src.at(i) + 1.5f);

  Tensor other(dims);
  backend->copy(src, other);  // host -> host through the backend
  CHECK(test::max_abs_error(other, src) == 0.0);
  Tensor wrong({4});
  CHECK_THROWS_AS(backend->copy(src, wrong), Error);
}

TEST_CASE("cuda: an allocation beyond the device's memory fails with a message saying so, and the next works") {
  DEEPVIS_REQUIRE_GPU();
  std::string message;
  try {
    cuda::device_alloc(std::size_t{1} << 52, "a test buffer", "node 'huge' (Conv)");
  } catch (const Error& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find("node 'huge' (Conv): out of GPU memory allocating") != std::string::npos);
  CHECK(message.find("a test buffer") != std::string::npos);
  CHECK(cuda::device_alloc(1024, "a small buffer", "test") != nullptr);
  CHECK(cuda::CudaContext::instance().tf32() == cuda::env_flag("DEEPVIS_CUDA_TF32"));  // exact fp32 by default
}

TEST_CASE("cuda: Conv forward and backward-data (symmetric, asymmetric pads, groups, dilation, strides)") {
  DEEPVIS_REQUIRE_GPU();
  struct Case {
    Dims x, w;
    ConvParams p;
    bool bias;
  };
  const Case cases[] = {
      {{1, 3, 9, 9}, {4, 3, 3, 3}, conv({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1), true},
      {{2, 4, 10, 8}, {6, 2, 3, 3}, conv({3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}, 2), true},
      {{1, 4, 11, 11}, {4, 1, 3, 3}, conv({3, 3}, {1, 1}, {2, 2}, {2, 2}, {2, 2}, 4), false},
      {{2, 3, 12, 12}, {5, 3, 5, 5}, conv({5, 5}, {3, 3}, {1, 1}, {2, 1}, {1, 2}, 1), true},
      {{1, 8, 6, 6}, {16, 8, 1, 1}, conv({1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1), true},
      {{2, 16, 14, 14}, {32, 16, 3, 3}, conv({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1), true},
      {{1, 3, 31, 31}, {8, 3, 11, 11}, conv({11, 11}, {4, 4}, {1, 1}, {2, 2}, {2, 2}, 1), true},
  };
  uint32_t seed = 10;
  for (const Case& c : cases) {
    CAPTURE(to_string(c.x));
    CAPTURE(to_string(c.w));
    std::vector<Tensor> constants = {test::random_tensor(c.w, seed++)};
    if (c.bias) constants.push_back(test::random_tensor({c.w[0]}, seed++));
    check_single(OpKind::Conv, c.p, c.x, constants, seed++);
  }
}

TEST_CASE("cuda: activations forward and backward in every mode") {
  DEEPVIS_REQUIRE_GPU();
  for (const Dims& x : {Dims{2, 3, 5, 7}, Dims{1, 33}}) {
    CAPTURE(to_string(x));
    check_single(OpKind::Relu, NoParams{}, x, {}, 1);
    check_single(OpKind::LeakyRelu, LeakyReluParams{0.1f}, x, {}, 2);
    check_single(OpKind::Clip, ClipParams{-0.5f, 0.5f}, x, {}, 3);
    check_single(OpKind::Clip, ClipParams{0.0f, 6.0f}, x, {}, 4, -8.0f, 8.0f);
    check_single(OpKind::Clip, ClipParams{}, x, {}, 5);
    check_single(OpKind::Sigmoid, NoParams{}, x, {}, 6, -4.0f, 4.0f);
  }
}

TEST_CASE("cuda: smooth activations forward and backward in every mode (Tanh ... Neg)") {
  DEEPVIS_REQUIRE_GPU();
  const SmoothParams selu{1.67326319217681884765625f, 0.0f, 1.05070102214813232421875f};
  struct Case {
    OpKind kind;
    SmoothParams p;
    float lo, hi;
  };
  const Case cases[] = {
      {OpKind::Tanh, {}, -3, 3},
      {OpKind::Elu, {1.0f, 0, 0}, -3, 3},
      {OpKind::Selu, selu, -3, 3},
      {OpKind::Softplus, {}, -6, 6},
      {OpKind::HardSigmoid, {0.2f, 0.5f, 0}, -4, 4},
      {OpKind::HardSwish, {}, -5, 5},
      {OpKind::Erf, {}, -2, 2},
      {OpKind::Exp, {}, -3, 3},
      {OpKind::Log, {}, 0.2f, 5},
      {OpKind::Sqrt, {}, 0.2f, 5},
      {OpKind::Reciprocal, {}, 0.3f, 4},
      {OpKind::Abs, {}, -3, 3},
      {OpKind::Neg, {}, -3, 3},
      {OpKind::Sin, {}, -3, 3},
      {OpKind::Cos, {}, -3, 3},
      {OpKind::Tan, {}, -1.2f, 1.2f},
      {OpKind::Asin, {}, -0.9f, 0.9f},
      {OpKind::Acos, {}, -0.9f, 0.9f},
      {OpKind::Atan, {}, -3, 3},
      {OpKind::Sinh, {}, -3, 3},
      {OpKind::Cosh, {}, -3, 3},
      {OpKind::Asinh, {}, -3, 3},
      {OpKind::Acosh, {}, 1.2f, 4},
      {OpKind::Atanh, {}, -0.9f, 0.9f},
      {OpKind::Floor, {}, -3, 3},
      {OpKind::Ceil, {}, -3, 3},
      {OpKind::Round, {}, -3, 3},
      {OpKind::Sign, {}, -3, 3},
  };
  uint32_t seed = 40;
  for (const Case& c : cases) {
    CAPTURE(std::string(op_name(c.kind)));
    check_single(c.kind, c.p, {2, 3, 5, 7}, {}, seed++, c.lo, c.hi);
  }
}

TEST_CASE("cuda: pooling on every route (cuDNN, cuDNN on a padded copy, own kernels) and the global pools") {
  DEEPVIS_REQUIRE_GPU();
  struct Case {
    OpKind kind;
    PoolParams p;
  };
  const Case cases[] = {
      {OpKind::MaxPool, pool(3, 2, {0, 0}, {0, 0})},                   // cuDNN
      {OpKind::MaxPool, pool(3, 2, {1, 1}, {1, 1})},                   // cuDNN with pads
      {OpKind::MaxPool, pool(3, 2, {0, 0}, {0, 0}, true)},             // ceil_mode: padded copy
      {OpKind::MaxPool, pool(2, 2, {0, 1}, {1, 0})},                   // unequal pads: padded copy
      {OpKind::MaxPool, pool(3, 1, {1, 1}, {1, 1}, false, false, 2)},  // dilation: own
      {OpKind::MaxPool, pool(2, 3, {1, 1}, {1, 1}, true)},             // ceil_mode past the pads
      {OpKind::AveragePool, pool(3, 2, {1, 1}, {1, 1})},
      {OpKind::AveragePool, pool(3, 2, {1, 1}, {1, 1}, false, true)},
      {OpKind::AveragePool, pool(3, 2, {1, 1}, {1, 1}, true, true)},  // ceil_mode divisor at the edge
      {OpKind::AveragePool, pool(2, 2, {0, 0}, {1, 1}, true, false)},
  };
  uint32_t seed = 40;
  for (const Dims& x : {Dims{1, 3, 11, 11}, Dims{2, 2, 12, 9}}) {
    for (const Case& c : cases) {
      CAPTURE(to_string(x));
      CAPTURE(std::string(op_name(c.kind)));
      CAPTURE(c.p.kernel[0]);
      CAPTURE(c.p.strides[0]);
      CAPTURE(c.p.ceil_mode);
      check_single(c.kind, c.p, x, {}, seed++);
    }
    check_single(OpKind::GlobalAveragePool, NoParams{}, x, {}, seed++);
    check_single(OpKind::GlobalMaxPool, NoParams{}, x, {}, seed++);
  }
  // A plane larger than a block, for the block reductions.
  check_single(OpKind::GlobalAveragePool, NoParams{}, {2, 3, 23, 29}, {}, seed++);
  check_single(OpKind::GlobalMaxPool, NoParams{}, {2, 3, 23, 29}, {}, seed++);
}

TEST_CASE("cuda: LRN (odd, even and unit sizes, deconv passthrough) and BatchNormalization") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 70;
  for (const Dims& x : {Dims{1, 7, 5, 5}, Dims{2, 12, 3, 4}}) {
    CAPTURE(to_string(x));
    for (int64_t size : {5, 4, 1}) {
      CAPTURE(size);
      check_single(OpKind::Lrn, LrnParams{size, 0.5f, 0.75f, 2.0f}, x, {}, seed++, -2.0f, 2.0f);
      check_single(OpKind::Lrn, LrnParams{size, 1e-4f, 0.6f, 1.0f}, x, {}, seed++);
    }
    BackwardOptions passthrough;
    passthrough.lrn_passthrough_in_deconv = true;
    check_single(OpKind::Lrn, LrnParams{5, 0.5f, 0.75f, 2.0f}, x, {}, seed++, -2.0f, 2.0f, passthrough);

    const Dims c = {x[1]};
    check_single(OpKind::BatchNorm, BatchNormParams{1e-3f}, x,
                 {test::random_tensor(c, seed), test::random_tensor(c, seed + 1), test::random_tensor(c, seed + 2),
                  test::random_tensor(c, seed + 3, 0.5f, 1.5f)},
                 seed + 4);
    seed += 5;
  }
}

TEST_CASE("cuda: Gemm and MatMul (transposes, alpha, beta, broadcast C, two activation operands)") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 100;
  for (int64_t batch : {1, 2, 5}) {
    CAPTURE(batch);
    // The classifier: x (batch x 7) * W^T (W: 6 x 7) + b.
    check_single(OpKind::Gemm, GemmParams{1.0f, 1.0f, false, true}, {batch, 7},
                 {test::random_tensor({6, 7}, seed), test::random_tensor({6}, seed + 1)}, seed + 2);
    check_single(OpKind::Gemm, GemmParams{0.5f, -1.5f, false, false}, {batch, 7},
                 {test::random_tensor({7, 6}, seed), test::random_tensor({batch, 6}, seed + 1)}, seed + 2);
    check_single(OpKind::Gemm, GemmParams{2.0f, 0.25f, false, true}, {batch, 7},
                 {test::random_tensor({6, 7}, seed), test::random_tensor({batch, 1}, seed + 1)}, seed + 2);
    check_single(OpKind::Gemm, GemmParams{1.0f, 3.0f, false, false}, {batch, 7},
                 {test::random_tensor({7, 6}, seed), test::random_tensor({1}, seed + 1)}, seed + 2);
    check_single(OpKind::MatMul, NoParams{}, {batch, 7}, {test::random_tensor({7, 6}, seed)}, seed + 3);
    seed += 4;
  }
  // A transposed activation: A is 7 x batch.
  check_single(OpKind::Gemm, GemmParams{1.5f, 1.0f, true, false}, {7, 3},
               {test::random_tensor({7, 6}, seed), test::random_tensor({6}, seed + 1)}, seed + 2);

  // Both operands are activations: B = Sigmoid(Reshape(x)), so the gradient reaches x through A and through B.
  for (const auto& [trans, alpha] : {std::pair<bool, float>{false, 1.0f}, std::pair<bool, float>{true, 0.75f}}) {
    CAPTURE(trans);
    GraphBuilder g("test");
    const int x = g.input("x", {3, 5});
    const int r = g.node(OpKind::Reshape, ReshapeParams{{5, 3}}, {x}, "reshape");
    const int s = g.node(OpKind::Sigmoid, NoParams{}, {r}, "sigmoid");
    if (trans) {
      g.node(OpKind::Gemm, GemmParams{alpha, 1.0f, true, true}, {x, s}, "gemm");  // (5x3) * (3x5)
    } else {
      g.node(OpKind::MatMul, NoParams{}, {x, s}, "matmul");  // (3x5) * (5x3)
    }
    check_parity(g.build(), seed++);
  }
}

TEST_CASE("cuda: Add and Mul with broadcasting, constant and activation operands") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 200;
  const Dims x = {2, 3, 4, 5};
  for (OpKind kind : {OpKind::Add, OpKind::Mul}) {
    CAPTURE(std::string(op_name(kind)));
    for (const Dims& c : {Dims{2, 3, 4, 5}, Dims{1, 3, 1, 1}, Dims{3, 1, 1}, Dims{5}, Dims{}, Dims{2, 1, 4, 1}}) {
      CAPTURE(to_string(c));
      check_single(kind, NoParams{}, x, {test::random_tensor(c, seed)}, seed + 1);
      seed += 2;
    }
    // The input broadcast against a larger constant: its gradient is a reduction.
    check_single(kind, NoParams{}, {1, 3, 1, 5}, {test::random_tensor({2, 3, 4, 5}, seed)}, seed + 1);
    seed += 2;
    // Two activations, one broadcast: y = x op GlobalAveragePool(x), and the operands swapped.
    for (bool swapped : {false, true}) {
      GraphBuilder g("test");
      const int in = g.input("x", x);
      const int p = g.node(OpKind::GlobalAveragePool, NoParams{}, {in}, "gap");
      g.node(kind, NoParams{}, swapped ? std::vector<int>{p, in} : std::vector<int>{in, p}, "op");
      check_parity(g.build(), seed++);
    }
    // Same dims, both activations.
    GraphBuilder g("test");
    const int in = g.input("x", x);
    const int r = g.node(OpKind::Relu, NoParams{}, {in}, "relu");
    g.node(kind, NoParams{}, {r, in}, "op");
    check_parity(g.build(), seed++);
  }
}

TEST_CASE("cuda: Concat, Flatten, Reshape and Pad (negative pads crop)") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 300;
  const Dims x = {2, 3, 4, 5};
  for (int64_t axis : {0, 1, 2, 3}) {
    CAPTURE(axis);
    Dims c = x;
    c[static_cast<size_t>(axis)] = 2;
    GraphBuilder g("test");
    const int in = g.input("x", x);
    const int k = g.constant("k", test::random_tensor(c, seed++));
    const int r = g.node(OpKind::Relu, NoParams{}, {in}, "relu");
    g.node(OpKind::Concat, ConcatParams{axis}, {in, k, r}, "concat");
    check_parity(g.build(), seed++);
  }
  for (int64_t axis : {0, 1, 2, 4}) check_single(OpKind::Flatten, FlattenParams{axis}, x, {}, seed++);
  check_single(OpKind::Reshape, ReshapeParams{{0, -1, 5}}, x, {}, seed++);
  check_single(OpKind::Pad, PadParams{{0, 1, 2, 0}, {1, 0, 1, 3}, 0.5f}, x, {}, seed++);
  check_single(OpKind::Pad, PadParams{{0, 0, -1, 2}, {0, -1, 1, -2}, 0.0f}, x, {}, seed++);
  check_single(OpKind::Pad, PadParams{{1, 2}, {2, 1}, -1.0f}, {3, 4}, {}, seed++);
}

TEST_CASE("cuda: Sub, Div, Min, Max, Pow and PRelu with broadcasting (PRelu a rectifier in every mode)") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 900;
  const Dims x = {2, 3, 4, 5};
  for (OpKind kind : {OpKind::Sub, OpKind::Div, OpKind::Min, OpKind::Max, OpKind::Pow, OpKind::PRelu}) {
    CAPTURE(std::string(op_name(kind)));
    // Pow and Div read a positive base and divisor; PRelu's slope broadcasts to X.
    const bool positive = kind == OpKind::Pow || kind == OpKind::Div;
    for (const Dims& c : {Dims{2, 3, 4, 5}, Dims{3, 1, 1}, Dims{1}}) {
      CAPTURE(to_string(c));
      const Tensor k = positive ? test::random_tensor(c, seed, 0.5f, 2.0f) : test::random_tensor(c, seed);
      check_single(kind, NoParams{}, x, {k}, seed + 1, positive ? 0.5f : -1.0f, positive ? 2.0f : 1.0f);
      seed += 2;
    }
    if (kind == OpKind::PRelu) continue;
    // Two activations, one broadcast (its gradient is a reduction): y = x op GlobalAveragePool(x), both orders.
    for (bool swapped : {false, true}) {
      GraphBuilder g("test");
      const int in = g.input("x", x);
      const int p = g.node(OpKind::GlobalAveragePool, NoParams{}, {in}, "gap");
      g.node(kind, NoParams{}, swapped ? std::vector<int>{p, in} : std::vector<int>{in, p}, "op");
      check_parity(g.build(), seed++, positive ? 0.5f : -1.0f, positive ? 2.0f : 1.0f);
    }
  }
}

TEST_CASE("cuda: rearrangements (Transpose ... SpaceToDepth, Pad reflect and edge), Squeeze and Unsqueeze") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 950;
  const Dims x = {2, 8, 4, 6};
  check_single(OpKind::Transpose, TransposeParams{{0, 2, 3, 1}}, x, {}, seed++);
  check_single(OpKind::Transpose, TransposeParams{{0, 2, 1, 3, 4}}, {1, 2, 4, 3, 5}, {}, seed++);
  check_single(OpKind::Slice, SliceParams{{1, -1}, {7, 0}, {1, 3}, {2, -2}}, x, {}, seed++);
  check_single(OpKind::Expand, ExpandParams{{2, 1, 3, 4, 1}}, {3, 1, 5}, {}, seed++);
  check_single(OpKind::Tile, TileParams{{1, 2, 1, 3}}, x, {}, seed++);
  check_single(OpKind::Gather, GatherParams{1, {2, 0, 2, -1}, {2, 2}}, x, {}, seed++);
  check_single(OpKind::DepthToSpace, BlockParams{2, false}, x, {}, seed++);
  check_single(OpKind::DepthToSpace, BlockParams{2, true}, x, {}, seed++);
  check_single(OpKind::SpaceToDepth, BlockParams{2, false}, x, {}, seed++);
  check_single(OpKind::Pad, PadParams{{0, 1, 2, 0}, {0, 0, 3, 1}, 0.0f, PadMode::Reflect}, x, {}, seed++);
  check_single(OpKind::Pad, PadParams{{0, 0, 1, 2}, {1, 0, 0, 2}, 0.0f, PadMode::Edge}, x, {}, seed++);
  check_single(OpKind::Squeeze, AxesParams{{1, 3}}, {2, 1, 4, 1}, {}, seed++);
  check_single(OpKind::Unsqueeze, AxesParams{{0, 3}}, {2, 3, 4}, {}, seed++);
}

TEST_CASE("cuda: reductions over any axes, keepdims or not") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 990;
  for (OpKind kind : {OpKind::ReduceMean, OpKind::ReduceMax, OpKind::ReduceSum, OpKind::ReduceL2}) {
    for (const Dims& axes : {Dims{1}, Dims{2, 3}, Dims{0, 1, 2, 3}}) {
      for (bool keepdims : {true, false}) {
        CAPTURE(std::string(op_name(kind)));
        CAPTURE(to_string(axes));
        check_single(kind, ReduceParams{axes, keepdims}, {2, 16, 7, 9}, {}, seed++);
      }
    }
  }
}

TEST_CASE("cuda: an op withheld from the CUDA backend runs on the CPU fallback with the same results") {
  DEEPVIS_REQUIRE_GPU();
  cuda::CudaOptions options = cuda::cuda_options_from_env();
  options.withheld = {OpKind::Transpose, OpKind::Tanh};
  const auto withholding = cuda::make_cuda_backend(options);
  GraphBuilder b("test");
  const int in = b.input("x", {2, 3, 6, 5});
  const int w = b.constant("w", test::random_tensor({8, 3, 3, 3}, 1));
  const int c = b.node(OpKind::Conv, conv({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1), {in, w}, "conv");
  const int r = b.node(OpKind::Relu, NoParams{}, {c}, "relu");
  const int t = b.node(OpKind::Transpose, TransposeParams{{0, 1, 3, 2}}, {r}, "transpose");
  const int h = b.node(OpKind::Tanh, SmoothParams{}, {t}, "tanh");
  b.node(OpKind::Mul, NoParams{}, {h, t}, "out");
  const Graph graph = b.build();
  Net dev(graph, withholding);
  CHECK(dev.host_fallback_nodes() == std::vector<std::string>{"transpose", "tanh"});
  Net ref(graph, make_reference_backend());
  ref.set_fusion(false);
  const Tensor input = test::random_tensor({2, 3, 6, 5}, 2);
  CHECK(test::worst_error_everywhere(graph, dev, ref, input, {"out", "relu"}, 3) <= kTolerance);
  // The shared backend the other cases use withholds nothing.
  CHECK(Net(graph, gpu()).host_fallback_nodes().empty());
}

TEST_CASE("cuda: a dense block's later gradient contributions are added in place (Concat, cuDNN convolutions)") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = test::dense_block_graph();
  check_parity(graph, 350);
  // Only d's repeated slot in c2 goes through scratch: c1 adds into a and b, and b's convolution (symmetric pads:
  // cuDNN writes the gradient itself) adds into a with beta 1 (tests/core/gradient_accumulation_test.cpp has the
  // host's count, 2).
  Net net(graph, gpu());
  net.forward(test::random_tensor({1, 3, 6, 6}, 351));
  Gradients grads = net.make_gradients();
  net.backward_from(graph.outputs.front(), test::random_tensor({1, 5, 6, 6}, 352), BackwardMode::Gradient, grads);
  CHECK(net.scratch_adds() == 1);
}

TEST_CASE("cuda: BatchNormalization runs the Relu that alone reads it: every value and gradient as the reference") {
  DEEPVIS_REQUIRE_GPU();
  // Seeded after the fused Relu (fused backward) and between BatchNorm and the Relu (the plain one).
  CHECK(check_every_blob(test::batch_norm_relu_graph(), 360, {"out", "relu1", "bn1"}).fused_relus() == 1);
}

TEST_CASE("cuda: Conv with a bias runs the Relu that alone reads it: every value and gradient as the reference") {
  DEEPVIS_REQUIRE_GPU();
  GraphBuilder g("conv_relu");
  int x = g.input("x", {1, 4, 7, 7});
  // Symmetric pads with a bias (fused), explicit asymmetric pads with a bias (fused), no bias (a Relu kernel).
  x = g.node(OpKind::Conv, conv({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1),
             {x, g.constant("w1", test::random_tensor({8, 4, 3, 3}, 1)), g.constant("b1", test::random_tensor({8}, 2))},
             "conv1");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu1");
  x = g.node(OpKind::Conv, conv({2, 2}, {1, 1}, {1, 1}, {0, 0}, {1, 1}, 1),
             {x, g.constant("w2", test::random_tensor({8, 8, 2, 2}, 3)), g.constant("b2", test::random_tensor({8}, 4))},
             "conv2");
  x = g.node(OpKind::Relu, NoParams{}, {x}, "relu2");
  x = g.node(OpKind::Conv, conv({1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 1),
             {x, g.constant("w3", test::random_tensor({5, 8, 1, 1}, 5))}, "conv3");
  g.node(OpKind::Relu, NoParams{}, {x}, "relu3");
  CHECK(check_every_blob(g.build(), 370, {"relu3", "relu2", "conv2"}).fused_relus() == 2);
}

TEST_CASE("cuda: a dense block's Concats share one buffer (inputs written in place): values and gradients") {
  DEEPVIS_REQUIRE_GPU();
  CHECK(check_every_blob(test::dense_chain_graph(), 380, {"out", "x2", "c1"}).concats_in_place() == 4);
}

TEST_CASE("cuda: Softmax along rows, along inner columns, and with opset < 13 coercion") {
  DEEPVIS_REQUIRE_GPU();
  uint32_t seed = 400;
  check_single(OpKind::Softmax, SoftmaxParams{1, false}, {2, 1000}, {}, seed++, -4.0f, 4.0f);
  check_single(OpKind::Softmax, SoftmaxParams{1, false}, {3, 7}, {}, seed++, -4.0f, 4.0f);
  check_single(OpKind::Softmax, SoftmaxParams{1, false}, {2, 5, 3, 4}, {}, seed++, -4.0f, 4.0f);
  check_single(OpKind::Softmax, SoftmaxParams{3, false}, {2, 5, 3, 4}, {}, seed++, -4.0f, 4.0f);
  check_single(OpKind::Softmax, SoftmaxParams{1, true}, {2, 5, 3, 4}, {}, seed++, -4.0f, 4.0f);
  check_single(OpKind::Softmax, SoftmaxParams{0, true}, {2, 5, 3}, {}, seed++, -4.0f, 4.0f);
}

TEST_CASE("cuda: whole networks (tests/fixtures/torch) match PyTorch forward and in all three backward modes") {
  DEEPVIS_REQUIRE_GPU();
  const fs::path root = source_root() / "tests/fixtures/torch";
  REQUIRE_MESSAGE(fs::exists(root), "no fixtures at " << root.string() << " (set DEEPVIS_SOURCE_DIR)");
  int models = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "model.onnx")) continue;
    ++models;
    const std::string label = dir.filename().string();
    CAPTURE(label);
    nlohmann::json meta;
    std::ifstream(dir / "meta.json") >> meta;
    const Graph graph = import_onnx((dir / "model.onnx").string());
    Net dev(graph, gpu());
    Net cpu(graph, make_cpu_backend());
    const Tensor input = read_npy((dir / "input.npy").string());
    dev.forward(input);
    cpu.forward(input);
    const int logits = graph.outputs.front();
    const double fwd = test::max_relative_error(dev.blob(logits), read_npy((dir / "output.npy").string()));
    CHECK_MESSAGE(fwd <= 1e-4, label << " forward against PyTorch: relative error " << fwd);
    const double fwd_cpu = test::max_relative_error(dev.blob(logits), cpu.blob(logits));
    CHECK_MESSAGE(fwd_cpu <= 1e-4, label << " forward against the cpu backend: relative error " << fwd_cpu);

    Tensor seed(dev.blob_dims(logits));
    seed.at(meta["unit"].get<int64_t>()) = 1.0f;
    Gradients grads = dev.make_gradients();
    for (const auto& [name, mode] : kModes) {
      dev.backward_from(logits, seed, mode, grads);
      const std::string stem = std::string("grad_") + name;
      const Tensor truth = read_npy((dir / (stem + ".npy")).string());
      const double err = test::max_scaled_error(grads.input(), truth);
      const double torch_fp32 = test::max_scaled_error(read_npy((dir / (stem + "_fp32.npy")).string()), truth);
      const double bound = test::fp32_parity_bound(torch_fp32);
      CHECK_MESSAGE(err <= bound, label << " " << name << ": relative error " << err << ", bound " << bound
                                        << " (PyTorch float32: " << torch_fp32 << ")");
      MESSAGE(label << " " << name << ": error / bound " << err / bound);
    }
  }
  CHECK(models >= 2);
}

// TF32 (--tf32): tensor cores round the operands of convolutions and GEMMs to 10 mantissa bits (2^-11 relative).
// The documented bound (docs/engine.md): <= 5e-3 relative error per op, <= 2e-2 for a whole network's logits.
TEST_CASE("cuda: TF32, when asked for, stays within its documented bound") {
  DEEPVIS_REQUIRE_GPU();
  const std::shared_ptr<Backend> tf32 = cuda::make_cuda_backend({true, false, {}});
  struct Restore {
    ~Restore() { cuda::CudaContext::instance().set_tf32(false); }  // the context is shared: back to exact fp32
  } restore;
  auto error_of = [&](const Graph& graph, uint32_t seed) {
    const Tensor x = test::random_tensor(graph.blobs[static_cast<size_t>(graph.input)].dims, seed);
    Net ref(graph, make_reference_backend());
    Net dev(graph, tf32);
    ref.forward(x);
    dev.forward(x);
    const int out = graph.outputs.front();
    return test::max_relative_error(dev.blob(out), ref.blob(out));
  };
  const Tensor w = test::random_tensor({64, 64, 3, 3}, 11);
  const double conv_err = error_of(
      test::single_node_graph(OpKind::Conv, conv({3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1), {1, 64, 32, 32}, {w}), 5);
  const Tensor gw = test::random_tensor({1000, 512}, 12);
  const double gemm_err =
      error_of(test::single_node_graph(OpKind::Gemm, GemmParams{1.0f, 1.0f, false, true}, {2, 512}, {gw}), 6);
  MESSAGE("TF32 relative error: conv " << conv_err << ", gemm " << gemm_err);
  CHECK(conv_err <= 5e-3);
  CHECK(gemm_err <= 5e-3);

  const fs::path dir = source_root() / "tests/fixtures/torch/squeezenet1_1_64";
  const Graph graph = import_onnx((dir / "model.onnx").string());
  Net dev(graph, tf32);
  dev.forward(read_npy((dir / "input.npy").string()));
  const double net_err =
      test::max_relative_error(dev.blob(graph.outputs.front()), read_npy((dir / "output.npy").string()));
  MESSAGE("TF32 relative error, squeezenet logits against PyTorch float64: " << net_err);
  CHECK(net_err <= 2e-2);
}

#endif  // DEEPVIS_HAVE_CUDA
