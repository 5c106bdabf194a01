// The one factory that picks the optimizer loop (issue 17), on the GPU: a net there gets the device loop, whose
// records follow the host loop's within float tolerance, and parameters the device loop does not run (the FFT
// parameterization) step on the host with the reason. Skips, saying why, without a GPU.
#ifdef DEEPVIS_HAVE_CUDA

#include "app/session/ascent_loop_factory.hpp"
#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/ascent.hpp"
#include "tests/support/fashion_mnist.hpp"
#include "tests/support/gpu_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

const std::string kModel = (test::source_root() / "models/fashion_mnist/fashion_mnist.onnx").string();

}  // namespace

TEST_CASE("cuda ascent loop: the factory gives a net on the GPU the device loop, which follows the host loop") {
  DEEPVIS_REQUIRE_GPU();
  const Graph graph = import_onnx(kModel);
  Net host(graph, make_cpu_backend(), 1), device(graph, test::gpu(), 1);
  const vis::AscentParams p = test::fashion_mnist_conv_unit(3, 40);
  std::string why = "unset";
  const std::unique_ptr<vis::AscentLoop> loop =
      app::make_ascent_loop(device, p, test::fashion_mnist_space(), nullptr, &why);
  CHECK(why.empty());
  CHECK(loop->where().rfind("GPU", 0) == 0);
  vis::AscentRun oracle(host, p, test::fashion_mnist_space());
  for (bool more = true; more;) {
    more = loop->step();
    REQUIRE(oracle.step() == more);
  }
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
  const std::unique_ptr<vis::AscentLoop> fallback =
      app::make_ascent_loop(device, fft, test::fashion_mnist_space(), nullptr, &why);
  CHECK(fallback->where() == "host");
  CHECK(why.find("fft") != std::string::npos);
}

#endif  // DEEPVIS_HAVE_CUDA
