// The one factory that picks the optimizer loop (issue 17): on the CPU it is the host loop, step for step the
// same as AscentRun. The GPU side is tests/cuda/cuda_ascent_loop_test.cpp.
#include "app/session/ascent_loop_factory.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"
#include "tests/support/fashion_mnist.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

const std::string kModel = test::fashion_mnist_model();

}  // namespace

TEST_CASE("ascent loop factory: a net on the CPU steps on the host loop, exactly as AscentRun does") {
  const Graph graph = import_onnx(kModel);
  Net a(graph, make_cpu_backend(), 1), b(graph, make_cpu_backend(), 1);
  const vis::AscentParams p = test::fashion_mnist_conv_unit(4, 15);
  std::string why = "unset";
  const std::unique_ptr<vis::AscentLoop> loop = app::make_ascent_loop(a, p, test::fashion_mnist_space(), nullptr, &why);
  CHECK(why.empty());
  CHECK(loop->where() == "host");
  vis::AscentRun oracle(b, p, test::fashion_mnist_space());
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
