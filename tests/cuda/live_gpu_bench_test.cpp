// The live pipeline's per-frame work on a GPU, headless (the GPU machine has no display, so the window itself
// cannot run there), for issue 7's target (>= 240 fps on an H100 with backprop on). Per frame, as EngineCore does
// it on a CUDA net: host preprocessing of a 640x480 frame, forward on the GPU with the selected layer copied to
// the host (hover values, the seed), the backward view seeded with the unit's own map and its input-space image
// copied to the host; then the grid texture both ways:
//  - host: ActivationGrid build + colorize + PBO upload (what the window does today),
//  - device: what the window does on a CUDA net: the engine's device copy of the layer after the forward
//    (DeviceLayerRing), and on the UI side the atlas drawn from it straight into the registered GL texture on the
//    texture's own stream (DeviceGridTexture, way (a) of the interop bench).
// A benchmark: it asserts only that the pieces run. Runs when DEEPVIS_LIVE_BENCH_MODEL names an ONNX file
// (scripts/gpu-check sets it to its DenseNet-121 export); DEEPVIS_LIVE_BENCH_LAYER picks the layer (default: the
// deepest 4-D layer, the most tiles). It links only what the GPU bundle can carry (no image codecs).
#if defined(DEEPVIS_HAVE_CUDA) && defined(DEEPVIS_HAVE_CUDA_GL)

#include "compute/core/net.hpp"
#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/image/preprocess.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/cuda/device_layer_ring.hpp"
#include "tests/support/gpu_support.hpp"

#include <epoxy/gl.h>

#include "render/cuda/cuda_gl_texture.hpp"
#include "render/cuda/device_grid_texture.hpp"
#include "render/egl_context.hpp"
#include "render/pbo_uploader.hpp"

#include <doctest/doctest.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kWarmup = 10, kFrames = 100;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Eight different 640x480 frames, as a camera's differ from each other.
std::vector<cv::Mat> camera_like_frames() {
  std::vector<cv::Mat> frames;
  cv::RNG rng(7);
  for (int i = 0; i < 8; ++i) {
    cv::Mat rgb(480, 640, CV_8UC3);
    rng.fill(rgb, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
    frames.push_back(rgb);
  }
  return frames;
}

// DEEPVIS_LIVE_BENCH_LAYER, else the last node output with H * W > 1.
int bench_layer(const Net& net) {
  if (const char* name = std::getenv("DEEPVIS_LIVE_BENCH_LAYER"); name && *name) return net.blob_id(name);
  int chosen = -1;
  for (const Node& node : net.graph().nodes) {
    const Dims& d = net.blob_dims(node.output);
    if (d.size() == 4 && d[2] * d[3] > 1) chosen = node.output;
  }
  return chosen;
}

}  // namespace

TEST_CASE("live gpu bench: a frame's work on a CUDA net, with the grid texture built on the host and on the GPU") {
  DEEPVIS_REQUIRE_GPU();
  const char* model = std::getenv("DEEPVIS_LIVE_BENCH_MODEL");
  if (!model || !*model) {
    DEEPVIS_SKIP("DEEPVIS_LIVE_BENCH_MODEL is not set (scripts/gpu-check sets it on the GPU machine)");
  }
  std::unique_ptr<render::EglContext> egl;
  try {
    egl = std::make_unique<render::EglContext>();
  } catch (const std::exception& e) {
    DEEPVIS_SKIP("no EGL context: " << e.what());
  }
  if (const std::string why = render::cuda_gl_problem(); !why.empty()) {
    DEEPVIS_SKIP("the EGL context (" << egl->description() << ") is not shareable with CUDA: " << why);
  }
  const Graph graph = import_onnx(model);
  const std::vector<cv::Mat> frames = camera_like_frames();
  const Preprocess pre;  // centre crop to the model's input, scale 1: the work, not the values, is what counts
  for (bool tf32 : {false, true}) {
    Net net(graph, cuda::make_cuda_backend({tf32, false, {}}));
    const int blob = bench_layer(net);
    REQUIRE(blob >= 0);
    const std::string layer = net.graph().blobs[static_cast<size_t>(blob)].name;
    Gradients grads = net.make_gradients();
    Tensor seed(net.blob_dims(blob));
    cuda::DeviceLayerRing copies;
    render::DeviceGridTexture texture;
    GridLayout layout;
    ActivationGrid grid;
    render::PboUploader uploader;

    std::vector<double> preprocess, forward, backward, host_grid, device_grid, device_grid_calls;
    for (int i = 0; i < kWarmup + kFrames; ++i) {
      const Clock::time_point t0 = Clock::now();
      const Tensor input = preprocess_image(frames[static_cast<size_t>(i) % frames.size()], pre, net.input_dims());
      const Clock::time_point t1 = Clock::now();
      net.forward(input);
      const Tensor& activation = net.blob(blob);  // waits for the forward
      const std::shared_ptr<const cuda::DeviceLayerCopy> copy = copies.copy(net.device_blob(blob));
      const Clock::time_point t2 = Clock::now();
      const int64_t plane = numel(activation.dims()) / activation.dim(1);
      seed.fill(0.0f);
      std::memcpy(seed.data(), activation.data(), static_cast<size_t>(plane) * sizeof(float));
      net.backward_from(blob, seed, BackwardMode::Gradient, grads);
      REQUIRE(grads.input().numel() == numel(net.input_dims()));  // the backward image, on the host
      const Clock::time_point t3 = Clock::now();
      grid.build(activation);
      uploader.upload(grid.colorize(Colormap::Gray));
      glFinish();
      const Clock::time_point t4 = Clock::now();
      layout = texture.draw(*copy, GridOptions{}, Colormap::Gray);
      const Clock::time_point t4_calls = Clock::now();  // what the UI thread spends before it may go on drawing
      cuda::check_cuda(cudaStreamSynchronize(texture.stream()), "cudaStreamSynchronize", "live gpu bench");
      glFinish();
      const Clock::time_point t5 = Clock::now();
      if (i < kWarmup) continue;
      preprocess.push_back(ms_between(t0, t1));
      forward.push_back(ms_between(t1, t2));
      backward.push_back(ms_between(t2, t3));
      host_grid.push_back(ms_between(t3, t4));
      device_grid.push_back(ms_between(t4, t5));
      device_grid_calls.push_back(ms_between(t4, t4_calls));
    }
    const double common = median(preprocess) + median(forward) + median(backward);
    std::printf(
        "live gpu bench: %s, %s, layer %s (%dx%d atlas), gradient view, %d frames, median ms: preprocess %.3f "
        "forward %.3f backward %.3f | grid on the host + PBO %.3f -> %.1f fps | device atlas via interop %.3f "
        "(of which the UI thread's calls %.3f) -> %.1f fps\n",
        egl->description().c_str(), tf32 ? "TF32" : "fp32", layer.c_str(), layout.width, layout.height, kFrames,
        median(preprocess), median(forward), median(backward), median(host_grid), 1000.0 / (common + median(host_grid)),
        median(device_grid), median(device_grid_calls), 1000.0 / (common + median(device_grid)));
    std::fflush(stdout);
  }
}

#endif  // DEEPVIS_HAVE_CUDA && DEEPVIS_HAVE_CUDA_GL
