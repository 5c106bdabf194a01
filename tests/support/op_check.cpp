#include "tests/support/op_check.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace deepvis::test {

Tensor random_tensor(Dims dims, uint32_t seed, float lo, float hi) {
  Tensor t(std::move(dims));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = dist(rng);
  return t;
}

double max_abs_error(const Tensor& a, const Tensor& b) {
  if (a.numel() != b.numel()) return INFINITY;
  double err = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(a.at(i)) - b.at(i));
    if (std::isnan(d)) return INFINITY;
    err = std::max(err, d);
  }
  return err;
}

double fp32_parity_bound(double torch_fp32_error, double own_sensitivity) {
  return std::min(5e-2, std::max(1e-4, 2 * std::max(torch_fp32_error, own_sensitivity)));
}

double rounding_sensitivity(Net& net, const Tensor& input, int blob, const Tensor& seed, BackwardMode mode) {
  Gradients grads = net.make_gradients();
  net.forward(input, blob);
  net.backward_from(blob, seed, mode, grads);
  const Tensor base = grads.input().clone();
  double worst = 0.0;
  // The input scaled as a whole, and each element by its own factor: a uniform scale keeps every max-pool switch of
  // a positively homogeneous net (Relu, max-pool, no biases) where it is, so Deconv and Guided, which depend on
  // nothing else, would not move under it alone.
  uint32_t stream = 1;
  for (const float nudge : {1.0f / 4194304.0f, 1.0f / 2097152.0f}) {
    for (const bool per_element : {false, true}) {
      const Tensor factors = per_element ? random_tensor(input.dims(), stream++) : Tensor();
      Tensor nudged = input.clone();
      for (int64_t i = 0; i < nudged.numel(); ++i) nudged.at(i) *= 1.0f + nudge * (per_element ? factors.at(i) : 1.0f);
      net.forward(nudged, blob);
      net.backward_from(blob, seed, mode, grads);
      worst = std::max(worst, max_scaled_error(grads.input(), base));
    }
  }
  return worst;
}

double max_relative_error(const Tensor& a, const Tensor& b) {
  double scale = 1e-6;
  for (int64_t i = 0; i < b.numel(); ++i) scale = std::max(scale, static_cast<double>(std::fabs(b.at(i))));
  return max_abs_error(a, b) / scale;
}

double max_scaled_error(const Tensor& a, const Tensor& b) {
  double scale = 1e-30;
  for (int64_t i = 0; i < b.numel(); ++i) scale = std::max(scale, static_cast<double>(std::fabs(b.at(i))));
  return max_abs_error(a, b) / scale;
}

Graph single_node_graph(OpKind kind, OpParams params, const Dims& input_dims, const std::vector<Tensor>& constants) {
  GraphBuilder g("test");
  std::vector<int> inputs = {g.input("x", input_dims)};
  for (size_t i = 0; i < constants.size(); ++i) inputs.push_back(g.constant("c" + std::to_string(i), constants[i]));
  g.node(kind, std::move(params), inputs, "op", "y");
  return g.build();
}

Graph dense_block_graph() {
  const auto conv = [](int64_t kernel, int64_t pad) {
    return ConvParams{{kernel, kernel}, {1, 1}, {1, 1}, {pad, pad}, {pad, pad}, 1};
  };
  GraphBuilder g("dense_block");
  const int x = g.input("data", {1, 3, 6, 6});
  const int a = g.node(OpKind::Conv, conv(1, 0), {x, g.constant("wa", random_tensor({16, 3, 1, 1}, 1))}, "a");
  const int b = g.node(OpKind::Conv, conv(3, 1), {a, g.constant("wb", random_tensor({16, 16, 3, 3}, 2))}, "b");
  const int c1 = g.node(OpKind::Concat, ConcatParams{1}, {a, b}, "c1");
  const int d = g.node(OpKind::Conv, conv(3, 1), {c1, g.constant("wd", random_tensor({16, 32, 3, 3}, 3))}, "d");
  const int c2 = g.node(OpKind::Concat, ConcatParams{1}, {a, b, d, d}, "c2");
  g.node(OpKind::Conv, conv(1, 0), {c2, g.constant("wo", random_tensor({5, 64, 1, 1}, 4))}, "out");
  return g.build();
}

Graph dense_chain_graph() {
  const ConvParams same{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  GraphBuilder g("dense_chain");
  std::vector<int> features = {g.node(
      OpKind::Conv, same, {g.input("data", {1, 3, 6, 6}), g.constant("w0", random_tensor({16, 3, 3, 3}, 1))}, "x0")};
  for (int k = 0; k <= 3; ++k) {
    const std::string id = std::to_string(k);
    const int c = g.node(OpKind::Concat, ConcatParams{1}, features, "c" + id);
    if (k == 3) {
      g.node(OpKind::Conv, same, {c, g.constant("wo", random_tensor({4, 64, 3, 3}, 9))}, "out");
      break;
    }
    const int r = g.node(OpKind::Relu, NoParams{}, {c}, "r" + id);
    const auto channels = static_cast<int64_t>(16 * features.size());
    features.push_back(g.node(OpKind::Conv, same,
                              {r, g.constant("w" + std::to_string(k + 1), random_tensor({16, channels, 3, 3}, 2 + k))},
                              "x" + std::to_string(k + 1)));
  }
  return g.build();
}

Graph batch_norm_relu_graph() {
  GraphBuilder g("bn_relu");
  const auto bn_constants = [&g](const std::string& name, uint32_t seed) {
    std::vector<int> c;
    c.push_back(g.constant(name + "_scale", random_tensor({16}, seed)));
    c.push_back(g.constant(name + "_b", random_tensor({16}, seed + 1)));
    c.push_back(g.constant(name + "_mean", random_tensor({16}, seed + 2)));
    c.push_back(g.constant(name + "_var", random_tensor({16}, seed + 3, 0.5f, 2.0f)));
    return c;
  };
  const ConvParams same{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  const int x = g.input("data", {2, 3, 5, 5});
  const int c1 = g.node(OpKind::Conv, same, {x, g.constant("w1", random_tensor({16, 3, 3, 3}, 1))}, "conv1");
  std::vector<int> in1 = {c1};
  for (int c : bn_constants("bn1", 10)) in1.push_back(c);
  const int b1 = g.node(OpKind::BatchNorm, BatchNormParams{1e-5f}, in1, "bn1");
  const int r1 = g.node(OpKind::Relu, NoParams{}, {b1}, "relu1");
  const int c2 = g.node(OpKind::Conv, same, {r1, g.constant("w2", random_tensor({16, 16, 3, 3}, 2))}, "conv2");
  std::vector<int> in2 = {c2};
  for (int c : bn_constants("bn2", 20)) in2.push_back(c);
  const int b2 = g.node(OpKind::BatchNorm, BatchNormParams{1e-5f}, in2, "bn2");
  const int r2 = g.node(OpKind::Relu, NoParams{}, {b2}, "relu2");
  g.node(OpKind::Add, NoParams{}, {r2, b2}, "out");
  return g.build();
}

namespace {
template <class Got, class Want>
double worst_over_blobs(const Graph& graph, Got got, Want want) {
  double worst = 0;
  for (size_t id = 0; id < graph.blobs.size(); ++id) {
    if (!graph.blobs[id].constant) worst = std::max(worst, max_relative_error(got(id), want(id)));
  }
  return worst;
}
}  // namespace

double worst_blob_error(const Graph& graph, const Net& got, const Net& want) {
  return worst_over_blobs(
      graph, [&](size_t id) -> const Tensor& { return got.blob(static_cast<int>(id)); },
      [&](size_t id) -> const Tensor& { return want.blob(static_cast<int>(id)); });
}

double worst_blob_error(const Graph& graph, const Gradients& got, const Gradients& want) {
  return worst_over_blobs(
      graph, [&](size_t id) -> const Tensor& { return got.at(static_cast<int>(id)); },
      [&](size_t id) -> const Tensor& { return want.at(static_cast<int>(id)); });
}

double worst_error_everywhere(const Graph& graph, Net& got, Net& want, const Tensor& input,
                              const std::vector<std::string>& seeded, uint32_t seed) {
  got.forward(input);
  want.forward(input);
  double worst = worst_blob_error(graph, got, want);
  Gradients got_grads = got.make_gradients();
  Gradients want_grads = want.make_gradients();
  for (const std::string& name : seeded) {
    const int blob = graph.find_blob(name);
    const Tensor signal = random_tensor(graph.blobs.at(static_cast<size_t>(blob)).dims, seed++);
    for (BackwardMode mode : kModes) {
      got.backward_from(blob, signal, mode, got_grads);
      want.backward_from(blob, signal, mode, want_grads);
      worst = std::max(worst, worst_blob_error(graph, got_grads, want_grads));
    }
  }
  return worst;
}

Tensor run_forward(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input) {
  Net net(graph, backend, static_cast<int>(input.dim(0)));
  net.forward(input);
  return net.blob(graph.outputs.front()).clone();
}

Tensor run_backward(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input,
                    const Tensor& seed, BackwardMode mode, const BackwardOptions& options) {
  Net net(graph, backend, static_cast<int>(input.dim(0)));
  net.forward(input);
  Gradients grads = net.make_gradients();
  net.backward_from(graph.outputs.front(), seed, mode, grads, options);
  return grads.input().clone();
}

double finite_difference_error(const Graph& graph, const std::shared_ptr<Backend>& backend, const Tensor& input,
                               const Tensor& seed, double step, int samples) {
  Net net(graph, backend, static_cast<int>(input.dim(0)));
  const int out = graph.outputs.front();
  auto objective = [&](const Tensor& x) {
    net.forward(x);
    const Tensor& y = net.blob(out);
    double sum = 0;
    for (int64_t i = 0; i < y.numel(); ++i) sum += static_cast<double>(y.at(i)) * seed.at(i);
    return sum;
  };
  net.forward(input);
  Gradients grads = net.make_gradients();
  net.backward_from(out, seed, BackwardMode::Gradient, grads);
  const Tensor analytic = grads.input().clone();

  std::vector<int64_t> positions;
  if (samples <= 0 || samples >= input.numel()) {
    for (int64_t i = 0; i < input.numel(); ++i) positions.push_back(i);
  } else {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int64_t> pick(0, input.numel() - 1);
    for (int i = 0; i < samples; ++i) positions.push_back(pick(rng));
  }
  double scale = 1e-3;
  for (int64_t i = 0; i < analytic.numel(); ++i)
    scale = std::max(scale, static_cast<double>(std::fabs(analytic.at(i))));
  double worst = 0;
  Tensor x = input.clone();
  for (int64_t i : positions) {
    const float saved = x.at(i);
    x.at(i) = static_cast<float>(saved + step);
    const double up = objective(x);
    x.at(i) = static_cast<float>(saved - step);
    const double down = objective(x);
    x.at(i) = saved;
    const double numeric = (up - down) / (2 * step);
    worst = std::max(worst, std::fabs(numeric - analytic.at(i)) / scale);
  }
  return worst;
}

}  // namespace deepvis::test

#include <doctest/doctest.h>

namespace deepvis::test {

std::vector<std::shared_ptr<Backend>> backends() {
  return {make_reference_backend(), make_cpu_backend()};
}

void check_values(const Tensor& got, const std::vector<float>& want, double epsilon) {
  REQUIRE(got.numel() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got.at(static_cast<int64_t>(i)) == doctest::Approx(want[i]).epsilon(epsilon));
  }
}

}  // namespace deepvis::test
