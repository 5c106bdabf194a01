// The window's fallback from the GPU grid path (app/gui/gui_textures.hpp) where CUDA cannot share the GL context:
// here Mesa's headless EGL, the situation of a user whose display runs on another driver. The failure is reported
// once, that snapshot shows no grid, later device-layer snapshots are not tried again, and host snapshots show as
// always.
#ifdef DEEPVIS_HAVE_CUDA_GL

#include "app/gui/gui_textures.hpp"
#include "compute/vis/activation_grid.hpp"
#include "render/egl_context.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace deepvis;
using namespace deepvis::app;

namespace {

std::shared_ptr<EngineSnapshot> snapshot(uint64_t sequence, bool device_layer) {
  auto snap = std::make_shared<EngineSnapshot>();
  snap->sequence = sequence;
  snap->model = std::make_shared<ModelInfo>();
  const Tensor values({1, 4, 3, 3}, std::vector<float>(36, 1.0f));
  snap->activations = values;
  ActivationGrid grid;
  grid.build(values);
  snap->layout = grid.layout();
  snap->network_input_rgb = cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3));
  if (device_layer) {
    // A stand-in that is never read: the path fails on the GL context before it touches the layer (a real copy
    // needs a GPU, which this test is about not having).
    static const char never_read = 0;
    snap->device_layer = std::shared_ptr<const cuda::DeviceLayerCopy>(
        std::shared_ptr<const char>(), reinterpret_cast<const cuda::DeviceLayerCopy*>(&never_read));
  } else {
    snap->grid_bgr = grid.colorize(Colormap::Gray).clone();
    snap->unit_bgr = snap->grid_bgr(snap->layout.tile(0)).clone();
  }
  return snap;
}

}  // namespace

TEST_CASE("gui textures: where CUDA cannot share the GL context, the GPU grid path fails once and host ones show") {
  std::unique_ptr<render::EglContext> egl;
  try {
    egl = std::make_unique<render::EglContext>();
  } catch (const std::exception& e) {
    DEEPVIS_SKIP("no headless EGL context: " << e.what());
  }
  if (egl->description().find("NVIDIA") != std::string::npos) {
    DEEPVIS_SKIP("this GL runs on NVIDIA's driver, where the GPU path may work (tests/cuda covers it)");
  }
  GuiTextures textures;
  CHECK(textures.update(*snapshot(1, true)));
  const std::string failure = textures.take_device_grid_failure();
  CHECK(failure.find("GPU grid texture failed") != std::string::npos);
  CHECK(failure.find("not on NVIDIA") != std::string::npos);  // the reason, from cuda_gl_problem
  CHECK(textures.take_device_grid_failure().empty());         // said once
  CHECK_FALSE(textures.grid_on_device());
  CHECK(textures.grid() == 0u);  // no host atlas in that snapshot: nothing to show until the next one
  CHECK(textures.network_input() == 0u);

  // Snapshots still made for the GPU path (the engine has not heard yet) are not tried again.
  CHECK(textures.update(*snapshot(2, true)));
  CHECK(textures.take_device_grid_failure().empty());
  CHECK(textures.grid() == 0u);

  // The engine's host atlases show as always.
  CHECK(textures.update(*snapshot(3, false)));
  CHECK(textures.grid() != 0u);
  CHECK(textures.unit() != 0u);
  CHECK(textures.network_input() != 0u);
  CHECK(textures.grid_region().u1 == 1.0f);
}

#endif  // DEEPVIS_HAVE_CUDA_GL
