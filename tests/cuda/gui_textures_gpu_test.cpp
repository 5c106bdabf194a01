// The window's own texture class (app/gui/gui_textures.hpp) on a GPU: a snapshot carrying the layer in device
// memory (as EngineCore makes on a CUDA net with UseDeviceGrid) is drawn through CUDA-GL interop into the grid
// texture, with the unit as its tile's region; a host snapshot after it goes back to the uploaded atlas. What the
// window adds to this is only handing the textures to ImGui. Skips with the reason where no GPU (or no EGL
// context on it) is usable; run by scripts/gpu-check with the interop cases.
#if defined(DEEPVIS_HAVE_CUDA) && defined(DEEPVIS_HAVE_CUDA_GL)

#include "app/gui/gui_textures.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/cuda/device_layer_ring.hpp"
#include "tests/cuda/interop_cases.hpp"
#include "tests/cuda/interop_gl.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>
#include <epoxy/gl.h>

#include <algorithm>
#include <memory>

using namespace deepvis;
using namespace deepvis::app;

namespace {

Tensor layer_values(unsigned seed) {
  Tensor t = test::random_tensor({1, 20, 9, 13}, seed, -1.0f, 3.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = std::max(0.0f, t.data()[i]);  // ReLU-like
  return t;
}

// What EngineCore::compute fills for a frame, for the grid: host activations, layout and ranges, and either the
// device copy or the colorized host atlas.
std::shared_ptr<EngineSnapshot> snapshot_of(const Tensor& values, uint64_t sequence, int unit, Colormap map,
                                            cuda::DeviceLayerRing* ring) {
  auto snap = std::make_shared<EngineSnapshot>();
  snap->sequence = sequence;
  snap->model = std::make_shared<ModelInfo>();
  snap->settings.unit = unit;
  snap->settings.colormap = map;
  snap->activations = values.clone();
  ActivationGrid grid(snap->settings.grid);
  grid.build(values);
  snap->layout = grid.layout();
  snap->ranges = grid.ranges();
  if (ring != nullptr) {
    // The engine's blob: alive until its copy is done (as the Net's blobs are).
    const Tensor blob = cuda::device_copy_of(values, "gui textures gpu test");
    snap->device_layer = ring->copy(blob);
    cuda::CudaContext::instance().synchronize("gui textures gpu test");
  } else {
    snap->grid_bgr = grid.colorize(map).clone();
    snap->unit_bgr = snap->grid_bgr(snap->layout.tile(unit)).clone();
  }
  snap->network_input_rgb = cv::Mat(8, 8, CV_8UC3, cv::Scalar(10, 20, 30));
  return snap;
}

}  // namespace

TEST_CASE("interop: the window's textures draw a device-layer snapshot through CUDA-GL interop, then host ones") {
  DEEPVIS_INTEROP_REQUIRE_GL(gl);
  cuda::DeviceLayerRing ring;
  GuiTextures textures;
  const Tensor values = layer_values(5);
  const std::shared_ptr<EngineSnapshot> gpu = snapshot_of(values, 1, 7, Colormap::Viridis, &ring);
  REQUIRE(gpu->has_results());
  CHECK(gpu->grid_bgr.empty());

  CHECK(textures.update(*gpu));
  CHECK(textures.take_device_grid_failure().empty());
  REQUIRE(textures.grid_on_device());
  REQUIRE(textures.grid() != 0u);
  CHECK(textures.unit() == textures.grid());  // the unit is a region of the grid's texture

  // The texture holds the CPU grid's atlas in its top-left; the regions say where the atlas and the unit are.
  int width = 0, height = 0;
  glBindTexture(GL_TEXTURE_2D, textures.grid());
  glGetTexLevelParameteriv(GL_TEXTURE_2D, 0, GL_TEXTURE_WIDTH, &width);
  glGetTexLevelParameteriv(GL_TEXTURE_2D, 0, GL_TEXTURE_HEIGHT, &height);
  glBindTexture(GL_TEXTURE_2D, 0);
  ActivationGrid grid;
  grid.build(values);
  const cv::Mat& want = grid.colorize(Colormap::Viridis);
  REQUIRE(width >= want.cols);
  REQUIRE(height >= want.rows);
  const std::vector<uint8_t> texels = test::read_texture(textures.grid(), width, height);
  const test::AtlasDiff d = test::compare_rgba_with_bgr(texels.data(), static_cast<std::size_t>(width) * 4, want);
  CHECK_MESSAGE(d.mismatches == 0, d.mismatches << " pixels differ, first " << d.first);
  const TextureRegion whole = textures.grid_region();
  CHECK(whole.u1 == doctest::Approx(static_cast<double>(want.cols) / width));
  CHECK(whole.v1 == doctest::Approx(static_cast<double>(want.rows) / height));
  const cv::Rect tile = gpu->layout.tile(7);
  const TextureRegion unit = textures.unit_region();
  CHECK(unit.u0 == doctest::Approx(static_cast<double>(tile.x) / width));
  CHECK(unit.v1 == doctest::Approx(static_cast<double>(tile.y + tile.height) / height));

  // The same snapshot again uploads nothing; a host snapshot goes back to the uploaded atlas, whole.
  CHECK_FALSE(textures.update(*gpu));
  const std::shared_ptr<EngineSnapshot> host = snapshot_of(layer_values(6), 2, 3, Colormap::Gray, nullptr);
  CHECK(textures.update(*host));
  CHECK_FALSE(textures.grid_on_device());
  CHECK(textures.grid() != 0u);
  CHECK(textures.unit() != textures.grid());
  CHECK(textures.grid_region().u1 == 1.0f);
  CHECK(textures.unit_region().v1 == 1.0f);

  // And back to the GPU path, frame after frame, with the ring reusing its copies once the snapshots are gone.
  for (uint64_t s = 3; s < 13; ++s) {
    const std::shared_ptr<EngineSnapshot> next =
        snapshot_of(layer_values(static_cast<unsigned>(s)), s, 1, Colormap::Jet, &ring);
    CHECK(textures.update(*next));
    CHECK(textures.grid_on_device());
  }
  CHECK(textures.take_device_grid_failure().empty());
  CHECK(ring.allocated() <= 3);
}

#endif  // DEEPVIS_HAVE_CUDA && DEEPVIS_HAVE_CUDA_GL
