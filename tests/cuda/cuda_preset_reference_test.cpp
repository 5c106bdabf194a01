// The GPU loop (compute/vis/cuda/device_ascent.hpp) against the float64 NumPy oracle of the paper's loop, as the
// host loop is checked in tests/vis/preset_reference_test.cpp: presets 1-4, 40 steps, from the mean and from the
// textured image, the objectives within 1e-5 of scale. It reads the committed reference, so the GPU machine needs
// no PyTorch. Skips, saying why, without a GPU.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/onnx/onnx_import.hpp"
#include "compute/vis/cuda/device_ascent.hpp"
#include "tests/support/gpu_support.hpp"
#include "tests/support/preset_reference.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace deepvis;

TEST_CASE("cuda preset reference: the GPU loop follows the float64 NumPy loop for 40 steps of each preset") {
  DEEPVIS_REQUIRE_GPU();
  const test::PresetReference ref = test::committed_preset_reference();
  const Graph graph = import_onnx(ref.model());
  Net net(graph, test::gpu());
  const Tensor start = ref.start_image();
  for (const std::string start_name : {"mean", "image"}) {
    for (int preset = 1; preset <= 4; ++preset) {
      CAPTURE(start_name);
      CAPTURE(preset);
      cuda::DeviceAscentRun run(net, ref.params(start_name, preset), ref.space(),
                                start_name == "image" ? &start : nullptr);
      run.run();
      const vis::UnitRecord& got = run.record(0);
      const std::vector<double> want = ref.objectives(start_name, preset);
      REQUIRE(got.obj.size() == want.size());
      const double drift = test::drift_of_scale(want, got.obj);
      MESSAGE("GPU preset " << preset << " from " << start_name << ": objective within " << drift
                            << " of scale, first step beyond 1e-5: " << test::first_drift(want, got.obj, 1e-5));
      CHECK(drift <= 1e-5);
    }
  }
}

#endif  // DEEPVIS_HAVE_CUDA
