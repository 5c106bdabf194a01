// The one factory that picks the optimizer loop (issue 17): on the CPU it is the host loop, step for step the
// same as AscentRun; on the GPU it is the device loop, whose records follow the host loop's within float
// tolerance, and a parameterization the device loop does not run steps on the host with the reason. The GPU
// cases skip, saying why, without one.
#include "app/session/ascent_loop_factory.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "tests/support/gpu_support.hpp"
#endif

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

const std::string kModel = std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";

vis::PixelSpace fashion_space() {
  vis::PixelSpace s;
  s.gain.push_back((1.0f / 255.0f) / 0.353024f);
  s.offset.push_back(0.28604f * 255.0f);
  return s;
}

vis::AscentParams conv_unit(int preset, int iterations) {
  vis::AscentParams p = vis::preset(preset);
  p.max_iter = iterations;
  p.push_layer = "/relu2/Relu_output_0";
  p.push_units = {3};
  return p;
}

}  // namespace

TEST_CASE("ascent loop factory: a net on the CPU steps on the host loop, exactly as AscentRun does") {
  const Graph graph = import_onnx(kModel);
  Net a(graph, make_cpu_backend(), 1), b(graph, make_cpu_backend(), 1);
  const vis::AscentParams p = conv_unit(4, 15);
  std::string why = "unset";
  const std::unique_ptr<vis::AscentLoop> loop = app::make_ascent_loop(a, p, fashion_space(), nullptr, &why);
  CHECK(why.empty());
  CHECK(loop->where() == "host");
  vis::AscentRun oracle(b, p, fashion_space());
  int steps = 0;
  while (loop->step()) {
    REQUIRE(oracle.step());
    ++steps;
  }
  CHECK_FALSE(oracle.step());
  CHECK(steps == 14);
  CHECK(loop->finished());
  CHECK(loop->record(0).obj == oracle.record(0).obj);
  const Tensor x = loop->x();
  CHECK(std::equal(x.data(), x.data() + x.numel(), oracle.x().data()));
  CHECK(loop->target_blob() == oracle.target_blob());
}

#ifdef DEEPVIS_HAVE_CUDA
TEST_CASE("ascent loop factory: a net on the GPU gets the device loop, which follows the host loop") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = import_onnx(kModel);
  Net host(graph, make_cpu_backend(), 1), device(graph, test::gpu(), 1);
  const vis::AscentParams p = conv_unit(3, 40);
  std::string why = "unset";
  const std::unique_ptr<vis::AscentLoop> loop = app::make_ascent_loop(device, p, fashion_space(), nullptr, &why);
  CHECK(why.empty());
  CHECK(loop->where().rfind("GPU", 0) == 0);
  vis::AscentRun oracle(host, p, fashion_space());
  while (loop->step()) oracle.step();
  const std::vector<double>& got = loop->record(0).obj;
  const std::vector<double>& want = oracle.record(0).obj;
  REQUIRE(got.size() == want.size());
  double scale = 1e-12, diff = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    scale = std::max(scale, std::fabs(want[i]));
    diff = std::max(diff, std::fabs(got[i] - want[i]));
  }
  CHECK(diff / scale < 1e-3);

  // What the device loop does not run steps on the host, and the caller learns why.
  vis::AscentParams fft = p;
  fft.param = vis::ParamKind::Fft;
  const std::unique_ptr<vis::AscentLoop> fallback = app::make_ascent_loop(device, fft, fashion_space(), nullptr, &why);
  CHECK(fallback->where() == "host");
  CHECK(why.find("fft") != std::string::npos);
}
#endif
