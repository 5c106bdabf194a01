// Nets on the CPU backend used from several threads at once, as the GUI does (the engine thread, the live
// optimizer and the per-unit cache each own a Net): every thread must get what it gets alone.
#include "compute/core/error.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <thread>
#include <vector>

using namespace deepvis;

TEST_CASE("net: nets on three threads at once give exactly what each gives alone, forward and backward") {
  const Graph graph =
      import_onnx((std::filesystem::path(DEEPVIS_SOURCE_DIR) / "models/fashion_mnist/fashion_mnist.onnx").string());
  const int out = graph.outputs.front();
  constexpr int kThreads = 3, kRounds = 60;
  std::vector<Tensor> inputs, alone_y, alone_g;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(test::random_tensor(graph.blobs[static_cast<size_t>(graph.input)].dims, 100u + t));
    Net net(graph, make_cpu_backend());
    net.forward(inputs.back());
    alone_y.push_back(net.blob(out).clone());
    Tensor seed(net.blob_dims(out));
    seed.at(t) = 1.0f;
    Gradients g = net.make_gradients();
    net.backward_from(out, seed, BackwardMode::Guided, g);
    alone_g.push_back(g.input().clone());
  }
  std::vector<double> worst(kThreads, 0.0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Net net(graph, make_cpu_backend());
      Tensor seed(net.blob_dims(out));
      seed.at(t) = 1.0f;
      Gradients g = net.make_gradients();
      for (int r = 0; r < kRounds; ++r) {
        net.forward(inputs[static_cast<size_t>(t)]);
        net.backward_from(out, seed, BackwardMode::Guided, g);
        worst[static_cast<size_t>(t)] = std::max(
            {worst[static_cast<size_t>(t)], test::max_relative_error(net.blob(out), alone_y[static_cast<size_t>(t)]),
             test::max_relative_error(g.input(), alone_g[static_cast<size_t>(t)])});
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t)
    CHECK(worst[static_cast<size_t>(t)] <= 1e-6);  // a race would be far off; thread counts may differ
}

TEST_CASE("net: Nets over one upload_constants share the weights and compute with exactly those values") {
  const Graph graph =
      import_onnx((std::filesystem::path(DEEPVIS_SOURCE_DIR) / "models/fashion_mnist/fashion_mnist.onnx").string());
  const std::shared_ptr<Backend> backend = make_reference_backend();
  const ConstantValues shared = upload_constants(graph, *backend);
  REQUIRE(shared->size() == graph.blobs.size());
  const Tensor input = test::random_tensor(graph.blobs[static_cast<size_t>(graph.input)].dims, 7u);
  const int out = graph.outputs.front();

  Net own(graph, backend, 1);
  Net a(graph, backend, 1, shared);
  Net b(graph, backend, 4, shared);  // another batch over the same weights
  own.forward(input);
  a.forward(input);
  CHECK(test::max_relative_error(a.blob(out), own.blob(out)) == 0.0);
  for (size_t id = 0; id < graph.blobs.size(); ++id) {
    if (!graph.blobs[id].constant) continue;
    CHECK(a.device_blob(static_cast<int>(id)).data() == (*shared)[id].data());
    CHECK(b.device_blob(static_cast<int>(id)).data() == (*shared)[id].data());
  }

  // The Net reads the values it was given, not the graph's: doubling the first conv's weights in the shared copy
  // changes the output of a Net built over it, and not that of a Net with its own upload.
  int weights = -1;
  for (const Node& node : graph.nodes) {
    if (node.kind == OpKind::Conv) {
      weights = node.inputs.at(1);
      break;
    }
  }
  REQUIRE(weights >= 0);
  auto altered = std::make_shared<std::vector<Tensor>>(*shared);
  Tensor doubled = (*altered)[static_cast<size_t>(weights)].clone();
  for (int64_t i = 0; i < doubled.numel(); ++i) doubled.at(i) *= 2.0f;
  (*altered)[static_cast<size_t>(weights)] = doubled;
  Net changed(graph, backend, 1, altered);
  changed.forward(input);
  CHECK(test::max_relative_error(changed.blob(out), own.blob(out)) > 1e-3);

  auto short_list = std::make_shared<std::vector<Tensor>>(shared->begin(), shared->end() - 1);
  CHECK_THROWS_WITH_AS(Net(graph, backend, 1, short_list), doctest::Contains("shared constants"), Error);
}
