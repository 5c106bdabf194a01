// Whole torchvision models on the GPU machine, exported there by scripts/gpu-check's torch_bench.py: the CUDA
// backend against the CPU backend on each (forward, and the input gradient of output unit 0), then the timing
// `deepvis bench` measures (forward; forward + backward to the input), synchronized with the device, one JSON
// line per measurement on stdout in bench's --json form. Runs only when DEEPVIS_BENCH_MODELS lists ONNX files
// (colon-separated) and a GPU is usable; skips with a message otherwise.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/device_query.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

std::vector<std::string> bench_models() {
  std::vector<std::string> paths;
  const char* list = std::getenv("DEEPVIS_BENCH_MODELS");
  if (list == nullptr) return paths;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ':')) {
    if (!item.empty()) paths.push_back(item);
  }
  return paths;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Median wall time of `once` in ms, each run ending with the device idle.
template <class F>
double time_ms(F once, int warmup, int iters) {
  const cuda::CudaContext& ctx = cuda::CudaContext::instance();
  for (int i = 0; i < warmup; ++i) once();
  ctx.synchronize("bench");
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    once();
    ctx.synchronize("bench");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(ms);
}

void print_profile(const Net& net, const std::string& label, int iters) {
  const Graph& g = net.graph();
  std::vector<size_t> order(g.nodes.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto total = [&](size_t i) { return net.forward_ms()[i] + net.backward_ms()[i]; };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return total(a) > total(b); });
  std::printf("per-node ms, %s step (synchronized after every node):\n", label.c_str());
  for (size_t k = 0; k < std::min<size_t>(order.size(), 12); ++k) {
    const size_t i = order[k];
    std::printf("  %-40.40s %-18s fwd %8.3f  bwd %8.3f\n", g.nodes[i].name.c_str(),
                std::string(op_name(g.nodes[i].kind)).c_str(), net.forward_ms()[i] / iters,
                net.backward_ms()[i] / iters);
  }
}

}  // namespace

TEST_CASE("cuda bench: exported torchvision models match the CPU backend, then forward and step are timed") {
  const std::vector<std::string> models = bench_models();
  if (models.empty()) {
    MESSAGE("skipped: DEEPVIS_BENCH_MODELS is not set (scripts/gpu-check sets it on the GPU machine)");
    return;
  }
  const std::string problem = cuda::query_runtime().problem;
  if (!problem.empty()) {
    MESSAGE("skipped: no usable GPU: " << problem);
    return;
  }
  const std::shared_ptr<Backend> gpu = cuda::make_cuda_backend();
  for (const std::string& path : models) {
    CAPTURE(path);
    const Graph graph = import_onnx(path);
    Net dev(graph, gpu);
    Tensor input(dev.input_dims());
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    for (int64_t i = 0; i < input.numel(); ++i) input.at(i) = noise(rng);
    const int target = graph.outputs.front();
    Tensor seed(dev.blob_dims(target));
    for (int64_t b = 0; b < seed.dim(0); ++b) seed.at(b * (seed.numel() / seed.dim(0))) = 1.0f;
    Gradients grads = dev.make_gradients();

    {  // parity with the CPU backend on the same model and input
      Net cpu(graph, make_cpu_backend());
      cpu.forward(input);
      dev.forward(input);
      const double fwd = test::max_relative_error(dev.blob(target), cpu.blob(target));
      CHECK_MESSAGE(fwd <= 1e-4, "forward against the cpu backend: relative error " << fwd);
      Gradients cpu_grads = cpu.make_gradients();
      cpu.backward_from(target, seed, BackwardMode::Gradient, cpu_grads);
      dev.backward_from(target, seed, BackwardMode::Gradient, grads);
      // fp32 input gradients of deep nets lose digits to cancellation; a wrong kernel is off by far more.
      const double bwd = test::max_relative_error(grads.input(), cpu_grads.input());
      CHECK_MESSAGE(bwd <= 1e-2, "input gradient against the cpu backend: relative error " << bwd);
      MESSAGE(path << ": cuda vs cpu relative error, forward " << fwd << ", input gradient " << bwd);
    }

    const double forward_ms = time_ms([&] { dev.forward(input); }, 10, 50);
    const double step_ms = time_ms(
        [&] {
          dev.forward(input, target);
          dev.backward_from(target, seed, BackwardMode::Gradient, grads);
        },
        10, 50);
    for (const auto& [what, ms] : {std::pair<const char*, double>{"forward", forward_ms}, {"step", step_ms}}) {
      const nlohmann::json line = {{"model", path}, {"what", what},     {"batch", dev.batch()},
                                   {"iters", 50},   {"device", "cuda"}, {"median_ms", ms}};
      std::printf("%s\n", line.dump().c_str());
    }

    cuda::CudaContext& ctx = cuda::CudaContext::instance();
    const bool was_syncing = ctx.sync_each_node();
    ctx.set_sync_each_node(true);
    dev.enable_profiling(true);
    for (int i = 0; i < 10; ++i) {
      dev.forward(input, target);
      dev.backward_from(target, seed, BackwardMode::Gradient, grads);
    }
    print_profile(dev, path, 10);
    dev.enable_profiling(false);  // (clears the per-node times)
    ctx.set_sync_each_node(was_syncing);
    std::fflush(stdout);
  }
}

#endif  // DEEPVIS_HAVE_CUDA
