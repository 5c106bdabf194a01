// Nets on the CPU backend used from several threads at once, as the GUI does (the engine thread, the live
// optimizer and the per-unit cache each own a Net): every thread must get what it gets alone.
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
