// The one factory that picks the optimizer loop (issue 17): on the CPU it is the host loop, step for step the
// same as AscentRun. The GPU side is tests/cuda/cuda_ascent_loop_test.cpp.
#include "app/session/ascent_loop_factory.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"

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
