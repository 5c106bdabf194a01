// The live grid's GPU path, on a GPU: the engine's device copies of a layer (compute/vis/cuda/device_layer_ring.hpp)
// and the UI thread's atlas drawn from them into one registered GL texture (render/cuda/device_grid_texture.hpp),
// read back against the CPU grid. Skips with the reason where no GPU (or no EGL context on it) is usable.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/vis/cuda/device_layer_ring.hpp"
#include "tests/cuda/interop_cases.hpp"
#include "tests/support/gpu_support.hpp"
#include "tests/support/op_check.hpp"

#ifdef DEEPVIS_HAVE_CUDA_GL
#include "render/cuda/device_grid_texture.hpp"
#include "tests/cuda/interop_gl.hpp"
#endif

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

using namespace deepvis;

namespace {

constexpr const char* kWhere = "device grid path test";

Tensor random_tensor(const Dims& dims, uint32_t seed) {
  return test::random_tensor(dims, seed, -2.0f, 2.0f);
}

// A device tensor's values, after everything enqueued on CudaContext's stream.
std::vector<float> download(const Tensor& device) {
  std::vector<float> host(static_cast<std::size_t>(device.numel()));
  const cuda::CudaContext& ctx = cuda::CudaContext::instance();
  cuda::check_cuda(
      cudaMemcpyAsync(host.data(), device.data(), host.size() * sizeof(float), cudaMemcpyDeviceToHost, ctx.stream()),
      "cudaMemcpyAsync", kWhere);
  ctx.synchronize(kWhere);
  return host;
}

std::vector<float> values_of(const Tensor& host) {
  return {host.data(), host.data() + host.numel()};
}

// A stream of the UI thread's kind, destroyed with the scope.
struct ReaderStream {
  cudaStream_t stream = nullptr;
  ReaderStream() { cuda::check_cuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream", kWhere); }
  ~ReaderStream() { cudaStreamDestroy(stream); }
  ReaderStream(const ReaderStream&) = delete;
  ReaderStream& operator=(const ReaderStream&) = delete;
};

}  // namespace

TEST_CASE("interop: the GPU grid path's layer ring copies, reuses free memory and leaves held copies alone") {
  DEEPVIS_REQUIRE_GPU();
  const cuda::CudaContext& ctx = cuda::CudaContext::instance();
  const Tensor frame1 = random_tensor({1, 8, 5, 7}, 1);
  const Tensor frame2 = random_tensor({1, 8, 5, 7}, 2);
  Tensor blob = cuda::device_copy_of(frame1, kWhere);
  cuda::DeviceLayerRing ring;
  ReaderStream reader;

  std::shared_ptr<const cuda::DeviceLayerCopy> first = ring.copy(blob);
  const float* first_memory = first->values().data();
  CHECK(first->values().dims() == blob.dims());
  CHECK(download(first->values()) == values_of(frame1));

  // The engine's next forward overwrites the blob while the UI still holds the first copy: that copy keeps frame
  // 1, the next one gets memory of its own.
  cuda::check_cuda(cudaMemcpyAsync(blob.data(), frame2.data(), static_cast<std::size_t>(frame2.numel()) * sizeof(float),
                                   cudaMemcpyHostToDevice, ctx.stream()),
                   "cudaMemcpyAsync", kWhere);
  ctx.synchronize(kWhere);
  std::shared_ptr<const cuda::DeviceLayerCopy> second = ring.copy(blob);
  CHECK(ring.allocated() == 2);
  CHECK(second->values().data() != first_memory);
  CHECK(download(first->values()) == values_of(frame1));
  CHECK(download(second->values()) == values_of(frame2));

  // The reader waits for the copy on its own stream, reads, says so, and lets go: the next copy reuses the memory.
  first->wait_ready(reader.stream);
  first->mark_read(reader.stream);
  first.reset();
  std::shared_ptr<const cuda::DeviceLayerCopy> third = ring.copy(blob);
  CHECK(third->values().data() == first_memory);
  CHECK(ring.allocated() == 2);
  CHECK(download(third->values()) == values_of(frame2));

  // Frame after frame, each copy read and dropped before the next: nothing more is allocated.
  second.reset();
  third.reset();
  for (int i = 0; i < 20; ++i) {
    const std::shared_ptr<const cuda::DeviceLayerCopy> copy = ring.copy(blob);
    copy->wait_ready(reader.stream);
    copy->mark_read(reader.stream);
  }
  CHECK(ring.allocated() == 2);

  // Another layer: a free copy's memory is replaced by one of the new dims, not added to.
  const Tensor small = random_tensor({1, 3, 2, 2}, 3);
  const Tensor small_blob = cuda::device_copy_of(small, kWhere);
  const std::shared_ptr<const cuda::DeviceLayerCopy> other = ring.copy(small_blob);
  CHECK(ring.allocated() == 2);
  CHECK(other->values().dims() == small.dims());
  CHECK(download(other->values()) == values_of(small));

  CHECK_THROWS_WITH_AS(ring.copy(frame1), doctest::Contains("device memory"), Error);
}

#ifdef DEEPVIS_HAVE_CUDA_GL

TEST_CASE("interop: the GPU grid path's texture shows the CPU grid, in one texture for layers no larger") {
  DEEPVIS_INTEROP_REQUIRE_GL(gl);
  cuda::DeviceLayerRing ring;
  render::DeviceGridTexture texture;
  std::vector<test::GridAtlasCase> cases;
  for (test::GridAtlasCase& c : test::grid_atlas_cases()) {
    if (c.batch_index == 0) cases.push_back(std::move(c));  // the GUI draws batch element 0
  }
  REQUIRE(cases.size() >= 12);
  // A first pass grows the texture to the largest atlas; the second, checked, one must not make another.
  for (const test::GridAtlasCase& c : cases) {
    const Tensor blob = cuda::device_copy_of(c.blob, kWhere);
    texture.draw(*ring.copy(blob), c.options, c.colormap);
    cuda::CudaContext::instance().synchronize(kWhere);  // before `blob` goes
  }
  const int made = texture.textures_made();
  CHECK(made >= 1);
  int checked = 0;
  for (const test::GridAtlasCase& c : cases) {
    CAPTURE(c.name);
    ActivationGrid grid(c.options);
    grid.build(c.blob, 0);
    const cv::Mat& want = grid.colorize(c.colormap);
    const Tensor blob = cuda::device_copy_of(c.blob, kWhere);
    const std::shared_ptr<const cuda::DeviceLayerCopy> copy = ring.copy(blob);
    const GridLayout layout = texture.draw(*copy, c.options, c.colormap);
    REQUIRE(layout.width == want.cols);
    REQUIRE(layout.height == want.rows);
    REQUIRE(texture.width() >= layout.width);
    REQUIRE(texture.height() >= layout.height);
    // GL reads after the unmap see the kernels' texels (no host wait needed).
    const std::vector<uint8_t> texels = test::read_texture(texture.texture(), texture.width(), texture.height());
    const test::AtlasDiff d =
        test::compare_rgba_with_bgr(texels.data(), static_cast<std::size_t>(texture.width()) * 4, want);
    CHECK_MESSAGE(d.mismatches == 0,
                  d.mismatches << " pixels differ (max " << d.max_level_diff << " levels), first " << d.first);
    ++checked;
  }
  CHECK(texture.textures_made() == made);

  // A layer larger than any before (543 x 543 against the cases' 279 x 279): a larger texture, drawn as exactly.
  test::GridAtlasCase big;
  big.blob = random_tensor({1, 1024, 16, 16}, 4);
  ActivationGrid grid(big.options);
  grid.build(big.blob, 0);
  const cv::Mat& want = grid.colorize(Colormap::Viridis);
  const int before = texture.width();
  const Tensor big_blob = cuda::device_copy_of(big.blob, kWhere);
  const GridLayout layout = texture.draw(*ring.copy(big_blob), big.options, Colormap::Viridis);
  CHECK(layout.width > before);
  CHECK(texture.textures_made() == made + 1);
  const std::vector<uint8_t> texels = test::read_texture(texture.texture(), texture.width(), texture.height());
  const test::AtlasDiff d =
      test::compare_rgba_with_bgr(texels.data(), static_cast<std::size_t>(texture.width()) * 4, want);
  CHECK_MESSAGE(d.mismatches == 0, d.mismatches << " pixels differ, first " << d.first);
  MESSAGE("GPU grid texture: " << checked + 1 << " layers drawn, " << texture.textures_made() << " textures made");
}

#endif  // DEEPVIS_HAVE_CUDA_GL

#endif  // DEEPVIS_HAVE_CUDA
