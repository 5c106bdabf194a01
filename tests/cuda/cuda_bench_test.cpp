// Whole torchvision models on the GPU machine, exported there by scripts/gpu-check's torch_bench.py: the CUDA
// backend against the CPU backend on each (forward, and the input gradient of output unit 0), then the timing
// `deepvis bench` measures (forward; forward + backward to the input), synchronized with the device, one JSON
// line per measurement on stdout in bench's --json form. Runs only when DEEPVIS_BENCH_MODELS lists ONNX files
// (colon-separated) and a GPU is usable; skips with a message otherwise.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/core/net_profile.hpp"
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/cuda_graph.hpp"
#include "compute/cuda/device_query.hpp"
#include "compute/io/npy.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/cuda/device_ascent.hpp"
#include "tests/support/op_check.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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

void print_line(const std::string& path, const char* what, int batch, int iters, double ms) {
  const nlohmann::json line = {{"model", path},  {"what", what},     {"batch", batch},
                               {"iters", iters}, {"device", "cuda"}, {"median_ms", ms}};
  std::printf("%s\n", line.dump().c_str());
}

// ImageNet-style pixel space (0..1 input, ImageNet mean and std), for the optimizer timings.
vis::PixelSpace bench_space(int64_t channels) {
  vis::PixelSpace s;
  for (int64_t c = 0; c < channels; ++c) {
    s.gain.push_back((1.0f / 255.0f) / 0.226f);
    s.offset.push_back(0.449f * 255.0f);
  }
  return s;
}

// The optimizer on the GPU: ms per step of preset 3 (forward, backward, update, blur every 4, decay) over `iters`
// steps, captured as a CUDA graph, for `units` units at once.
double ascent_ms_per_step(const Graph& graph, const std::shared_ptr<Backend>& backend, int units, int iters,
                          std::string& note) {
  Net net(graph, backend);
  vis::AscentParams p = vis::preset(3);
  p.max_iter = iters + 1;  // the last iteration takes no step
  p.push_layer = graph.blobs[static_cast<size_t>(graph.outputs.front())].name;
  p.push_units.clear();
  for (int u = 0; u < units; ++u) p.push_units.push_back(u);
  cuda::DeviceAscentRun run(net, p, bench_space(net.input_dims()[1]), nullptr, {true, 1 << 30});
  note = run.launch_note();
  run.run(3);  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  run.run(iters - 3);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / (iters - 3);
}

}  // namespace

TEST_CASE("cuda bench: exported torchvision models match the CPU backend, then forward and step are timed") {
  const std::vector<std::string> models = bench_models();
  if (models.empty()) {
    DEEPVIS_SKIP("DEEPVIS_BENCH_MODELS is not set (scripts/gpu-check sets it on the GPU machine)");
  }
  const std::string problem = cuda::query_runtime().problem;
  if (!problem.empty()) {
    DEEPVIS_SKIP("no usable GPU: " << problem);
  }
  const std::shared_ptr<Backend> gpu = cuda::make_cuda_backend();
  for (const std::string& path : models) {
    CAPTURE(path);
    const Graph graph = import_onnx(path);
    Net dev(graph, gpu);
    // torch_bench.py leaves the input and PyTorch's input gradients (float64 oracle, float32) beside the model.
    const std::string stem = path.substr(0, path.size() - 5);
    const bool has_oracle = std::ifstream(stem + ".grad64.npy").good();
    Tensor input(dev.input_dims());
    if (has_oracle) {
      input = read_npy(stem + ".input.npy");
    } else {
      std::mt19937 rng(7);
      std::normal_distribution<float> noise(0.0f, 1.0f);
      for (int64_t i = 0; i < input.numel(); ++i) input.at(i) = noise(rng);
    }
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
      const double bwd = test::max_relative_error(grads.input(), cpu_grads.input());
      if (has_oracle) {
        // Deep random-weight nets lose digits to cancellation in float32: held to what PyTorch's float32 loses
        // against its float64 (the rule of tests/models/torch_parity_test.cpp).
        const Tensor truth = read_npy(stem + ".grad64.npy");
        const double torch32 = test::max_relative_error(read_npy(stem + ".grad32.npy"), truth);
        const double ours = test::max_relative_error(grads.input(), truth);
        const double cpu_err = test::max_relative_error(cpu_grads.input(), truth);
        const double bound = test::fp32_parity_bound(torch32);
        CHECK_MESSAGE(ours <= bound, "input gradient against PyTorch float64: relative error "
                                         << ours << ", bound " << bound << " (PyTorch float32: " << torch32 << ")");
        MESSAGE(path << ": input gradient against PyTorch float64: cuda " << ours << " (error / bound " << ours / bound
                     << "), cpu " << cpu_err << ", PyTorch float32 " << torch32 << "; cuda vs cpu " << bwd
                     << "; forward vs cpu " << fwd);
      } else {
        CHECK_MESSAGE(bwd <= 1e-2, "input gradient against the cpu backend: relative error " << bwd);
        MESSAGE(path << ": cuda vs cpu relative error, forward " << fwd << ", input gradient " << bwd);
      }
    }

    const double forward_ms = time_ms([&] { dev.forward(input); }, 10, 50);
    const double step_ms = time_ms(
        [&] {
          dev.forward(input, target);
          dev.backward_from(target, seed, BackwardMode::Gradient, grads);
        },
        10, 50);
    print_line(path, "forward", dev.batch(), 50, forward_ms);
    print_line(path, "step", dev.batch(), 50, step_ms);

    // The same step (forward + backward to the input) captured once as a CUDA graph and replayed; also without
    // Relu fusion, to show what fusing saves on this card.
    const Tensor device_input = gpu->upload(input);
    const Tensor device_seed = gpu->upload(seed);
    const auto graphed_step = [&](Net& net, Gradients& g, const char* what) {
      cuda::CapturedWork work;
      work.capture([&] {
        net.forward(device_input, target);
        net.backward_from(target, device_seed, BackwardMode::Gradient, g);
      });
      MESSAGE(path << ": " << what << " as " << work.note() << ", " << net.fused_relus() << " Relu fused");
      if (work.graphed()) print_line(path, what, net.batch(), 50, time_ms([&] { work.launch(); }, 10, 50));
    };
    graphed_step(dev, grads, "step_graph");
    if (dev.fused_relus() > 0) {
      Net unfused(graph, gpu);
      unfused.set_fusion(false);
      Gradients unfused_grads = unfused.make_gradients();
      graphed_step(unfused, unfused_grads, "step_graph_unfused");
    }
    {  // the optimizer: preset 3 steps, graph-captured; AlexNet also 1000 iterations end to end and 64 units (TF32)
      std::string note;
      const double per_step = ascent_ms_per_step(graph, gpu, 1, 200, note);
      MESSAGE(path << ": optimizer steps as " << note);
      print_line(path, "ascent_step", 1, 200, per_step);
      if (path.find("alexnet") != std::string::npos) {
        Net net(graph, gpu);
        vis::AscentParams p = vis::preset(3);
        p.push_layer = graph.blobs[static_cast<size_t>(graph.outputs.front())].name;
        p.push_units = {0};
        const auto t0 = std::chrono::steady_clock::now();
        cuda::DeviceAscentRun run(net, p, bench_space(net.input_dims()[1]));
        run.run();
        const double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        print_line(path, "preset3_1000_total", 1, 1000, total);
        const std::shared_ptr<Backend> tf32 = cuda::make_cuda_backend({true, false, {}});
        print_line(path, "ascent_step_64_tf32", 64, 50, ascent_ms_per_step(graph, tf32, 64, 50, note));
        cuda::CudaContext::instance().set_tf32(false);  // the context back to exact fp32 for what follows
        print_line(path, "ascent_step_64_fp32", 64, 50, ascent_ms_per_step(graph, gpu, 64, 50, note));
      }
    }

    cuda::CudaContext& ctx = cuda::CudaContext::instance();
    const bool was_syncing = ctx.sync_each_node();
    ctx.set_sync_each_node(true);
    dev.enable_profiling(true);
    for (int i = 0; i < 10; ++i) {
      dev.forward(input, target);
      dev.backward_from(target, seed, BackwardMode::Gradient, grads);
    }
    std::printf("per-node ms, %s step (synchronized after every node):\n%s", path.c_str(),
                profile_table(dev, 10).c_str());
    dev.enable_profiling(false);  // (clears the per-node times)
    ctx.set_sync_each_node(was_syncing);
    std::fflush(stdout);
  }
}

#endif  // DEEPVIS_HAVE_CUDA
