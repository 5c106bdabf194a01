// The GPU texture path of the live grid, on a GPU: the device atlas (compute/vis/cuda/grid_atlas.hpp) against the CPU
// grid for every case of tests/cuda/interop_cases.hpp; the interop textures (render/cuda/cuda_gl_texture.hpp)
// read back through glGetTexImage against the device atlas and the CPU grid, for each way of writing them; and
// the cost of a texture update ("interop bench"). Each case skips with a message when no GPU is usable, or (for
// the GL ones) when there is no EGL context on the CUDA device. Run on the GPU machine with
// deepvis_tests -tc='interop*' -s.
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/cuda/grid_atlas.hpp"
#include "tests/cuda/interop_cases.hpp"
#include "tests/support/gpu_support.hpp"

#ifdef DEEPVIS_HAVE_CUDA_GL
#include <epoxy/gl.h>

#include "render/cuda/cuda_gl_shared_buffer.hpp"
#include "render/cuda/cuda_gl_texture.hpp"
#include "render/egl_context.hpp"
#include "render/pbo_uploader.hpp"
#include "tests/cuda/interop_gl.hpp"
#endif

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace deepvis;
#ifdef DEEPVIS_HAVE_CUDA_GL
using deepvis::test::read_texture;
#endif

namespace {

// Pitched device rows for an atlas, a little wider than needed so the pitch is exercised.
struct DeviceRows {
  std::shared_ptr<void> memory;
  std::size_t pitch = 0;
  int width = 0;
  int height = 0;

  DeviceRows(int w, int h) : pitch(static_cast<std::size_t>(w) * 4 + 64), width(w), height(h) {
    memory = cuda::device_alloc(pitch * static_cast<std::size_t>(h), "test atlas rows", "interop test");
  }
  cuda::AtlasTarget target() const {
    cuda::AtlasTarget t;
    t.pixels = memory.get();
    t.pitch = pitch;
    t.width = width;
    t.height = height;
    return t;
  }
  // The rows, packed (pitch width * 4), after the stream's work.
  std::vector<uint8_t> download() const {
    std::vector<uint8_t> host(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
    const cuda::CudaContext& ctx = cuda::CudaContext::instance();
    cuda::check_cuda(cudaMemcpy2DAsync(host.data(), static_cast<std::size_t>(width) * 4, memory.get(), pitch,
                                       static_cast<std::size_t>(width) * 4, static_cast<std::size_t>(height),
                                       cudaMemcpyDeviceToHost, ctx.stream()),
                     "cudaMemcpy2DAsync", "interop test");
    ctx.synchronize("interop test: downloading the atlas");
    return host;
  }
};

}  // namespace

TEST_CASE("interop: the device atlas equals the CPU grid byte for byte for every shape, norm and colormap") {
  DEEPVIS_REQUIRE_GPU();
  int checked = 0, exact = 0, worst = 0;
  for (const test::GridAtlasCase& c : test::grid_atlas_cases()) {
    CAPTURE(c.name);
    ActivationGrid grid(c.options);
    grid.build(c.blob, c.batch_index);
    const cv::Mat& want = grid.colorize(c.colormap);

    cuda::DeviceGridAtlas atlas(c.options, c.colormap);
    const Tensor blob = cuda::device_copy_of(c.blob, "interop test");
    const GridLayout layout = atlas.layout_of(blob);
    REQUIRE(layout.width == want.cols);
    REQUIRE(layout.height == want.rows);
    DeviceRows rows(layout.width, layout.height);
    atlas.build(blob, c.batch_index, rows.target());
    const std::vector<uint8_t> got = rows.download();
    const test::AtlasDiff d = test::compare_rgba_with_bgr(got.data(), static_cast<std::size_t>(want.cols) * 4, want);
    CHECK_MESSAGE(d.mismatches == 0,
                  d.mismatches << " pixels differ (max " << d.max_level_diff << " levels), first " << d.first);
    const std::vector<GridRange> ranges = atlas.ranges();
    REQUIRE(ranges.size() == grid.ranges().size());
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      CHECK(ranges[i].lo == grid.ranges()[i].lo);
      CHECK(ranges[i].hi == grid.ranges()[i].hi);
    }
    exact += d.mismatches == 0 ? 1 : 0;
    worst = std::max(worst, d.max_level_diff);
    ++checked;
  }
  std::printf("interop: device atlas vs CPU grid: %d of %d cases byte-identical, worst difference %d levels\n", exact,
              checked, worst);
  CHECK(checked == 18);
}

TEST_CASE("interop: the device atlas refuses a host blob, a small target and a bad batch index, naming them") {
  DEEPVIS_REQUIRE_GPU();
  cuda::DeviceGridAtlas atlas;
  const Tensor host({1, 4, 3, 3});
  const Tensor device = cuda::device_copy_of(host, "interop test");
  DeviceRows rows(4, 4);  // the atlas of 4 channels of 3x3, gap 1, is 7x7
  CHECK_THROWS_WITH_AS(atlas.build(host, 0, rows.target()), doctest::Contains("device memory"), Error);
  CHECK_THROWS_WITH_AS(atlas.build(device, 0, rows.target()), doctest::Contains("cannot hold the 7x7 atlas"), Error);
  DeviceRows big(7, 7);
  CHECK_THROWS_WITH_AS(atlas.build(device, 1, big.target()), doctest::Contains("batch index 1"), Error);
  CHECK_NOTHROW(atlas.build(device, 0, big.target()));
}

#ifdef DEEPVIS_HAVE_CUDA_GL

namespace {

// Pixels of the atlas region (top-left width x height of a texture `texture_width` wide) that differ from `want`
// (packed rows of the atlas); the first as text.
int64_t region_mismatches(const std::vector<uint8_t>& texels, int texture_width, const std::vector<uint8_t>& want,
                          int width, int height, std::string& first) {
  int64_t bad = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t* g = &texels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(texture_width) + x) * 4];
      const uint8_t* w = &want[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + x) * 4];
      if (std::equal(g, g + 4, w)) continue;
      if (bad++ == 0) {
        first = "(" + std::to_string(x) + ", " + std::to_string(y) + "): got " + std::to_string(g[0]) + "," +
                std::to_string(g[1]) + "," + std::to_string(g[2]) + "," + std::to_string(g[3]) + " want " +
                std::to_string(w[0]) + "," + std::to_string(w[1]) + "," + std::to_string(w[2]) + "," +
                std::to_string(w[3]);
      }
    }
  }
  return bad;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Timing {
  double median_us = 0;
  double p90_us = 0;
  double pipelined_us = 0;  // frames back to back, one fence at the end: what a render loop sees per frame
};

// Each frame fenced on both sides (the CUDA stream, then glFinish), so a frame's time includes all its GPU work.
Timing time_frames(const std::function<void()>& frame, int warmup, int frames) {
  const cuda::CudaContext& ctx = cuda::CudaContext::instance();
  auto fence = [&] {
    ctx.synchronize("interop bench");
    glFinish();
  };
  for (int i = 0; i < warmup; ++i) frame();
  fence();
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    frame();
    fence();
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  Timing t;
  t.median_us = percentile(us, 0.5);
  t.p90_us = percentile(us, 0.9);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < frames; ++i) frame();
  fence();
  t.pipelined_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / frames;
  return t;
}

void print_timing(const char* method, const Timing& t) {
  std::printf("interop bench: %-66s median %8.1f us  p90 %8.1f us  pipelined %8.1f us/frame\n", method, t.median_us,
              t.p90_us, t.pipelined_us);
  std::fflush(stdout);
}

}  // namespace

TEST_CASE("interop: textures written through CUDA-GL interop read back as the device atlas, each way") {
  DEEPVIS_INTEROP_REQUIRE_GL(gl);
  const std::vector<test::GridAtlasCase> cases = test::grid_atlas_cases();
  // One texture of each kind, larger than every atlas, rewritten case after case: a stale or misplaced write shows.
  int max_w = 0, max_h = 0;
  for (const test::GridAtlasCase& c : cases) {
    ActivationGrid grid(c.options);
    grid.build(c.blob, c.batch_index);
    max_w = std::max(max_w, grid.layout().width);
    max_h = std::max(max_h, grid.layout().height);
  }
  const int tw = max_w + 3, th = max_h + 5;
  render::CudaGlTexture surface_texture(tw, th);
  render::CudaGlPboTexture pbo_texture(tw, th);
  render::CudaGlTexture copy_texture(tw, th);
  std::unique_ptr<render::CudaGlTexture> discard_texture;
  try {
    discard_texture = std::make_unique<render::CudaGlTexture>(tw, th, render::CudaGlTexture::Contents::Discard);
  } catch (const Error& e) {
    MESSAGE("surface load/store with write-discard not available, not checked: " << e.what());
  }

  int checked = 0;
  int64_t wrong_texels = 0;
  for (const test::GridAtlasCase& c : cases) {
    CAPTURE(c.name);
    ActivationGrid grid(c.options);
    grid.build(c.blob, c.batch_index);
    const cv::Mat& cpu = grid.colorize(c.colormap);

    cuda::DeviceGridAtlas atlas(c.options, c.colormap);
    const Tensor blob = cuda::device_copy_of(c.blob, "interop test");
    const GridLayout layout = atlas.layout_of(blob);
    DeviceRows rows(layout.width, layout.height);
    atlas.build(blob, c.batch_index, rows.target());
    const std::vector<uint8_t> want = rows.download();
    const test::AtlasDiff to_cpu =
        test::compare_rgba_with_bgr(want.data(), static_cast<std::size_t>(layout.width) * 4, cpu);
    CHECK_MESSAGE(to_cpu.mismatches == 0, "device atlas against the CPU grid: " << to_cpu.first);

    auto check_texture = [&](const char* method, unsigned texture) {
      std::string first;
      const int64_t bad =
          region_mismatches(read_texture(texture, tw, th), tw, want, layout.width, layout.height, first);
      CHECK_MESSAGE(bad == 0, method << ": " << bad << " texels differ from the device atlas, first " << first);
      wrong_texels += bad;
    };

    surface_texture.write_surface([&](cudaSurfaceObject_t s) {
      cuda::AtlasTarget t;
      t.surface = s;
      t.width = tw;
      t.height = th;
      atlas.build(blob, c.batch_index, t);
    });
    check_texture("surface write into the registered texture", surface_texture.texture());

    pbo_texture.write_pixels([&](void* pixels, std::size_t pitch) {
      cuda::AtlasTarget t;
      t.pixels = pixels;
      t.pitch = pitch;
      t.width = tw;
      t.height = th;
      atlas.build(blob, c.batch_index, t);
    });
    check_texture("registered PBO, then glTexSubImage2D", pbo_texture.texture());

    copy_texture.copy_from(rows.memory.get(), rows.pitch, layout.width, layout.height);
    check_texture("cudaMemcpy2DToArrayAsync into the registered texture", copy_texture.texture());

    if (discard_texture) {
      discard_texture->write_surface([&](cudaSurfaceObject_t s) {
        cuda::AtlasTarget t;
        t.surface = s;
        t.width = tw;
        t.height = th;
        atlas.build(blob, c.batch_index, t);
      });
      check_texture("surface write into the texture registered write-discard", discard_texture->texture());
    }
    ++checked;
  }
  std::printf("interop: %d cases through %dx%d interop textures (surface, PBO, memcpy%s): %lld texels differ\n",
              checked, tw, th, discard_texture ? ", write-discard surface" : "", static_cast<long long>(wrong_texels));
  CHECK(checked == 18);
}

TEST_CASE("interop bench: texture update cost of a 1024x1024 RGBA8 grid atlas, each way") {
  DEEPVIS_INTEROP_REQUIRE_GL(gl);
  // 256 channels of 64x64 without gaps: a 16 x 16 grid filling the 1024x1024 texture exactly.
  constexpr int kSide = 1024, kWarmup = 20, kFrames = 200;
  GridOptions options;
  options.gap = 0;
  const Colormap map = Colormap::Viridis;
  Tensor values({1, 256, 64, 64});
  for (int64_t i = 0; i < values.numel(); ++i) values.at(i) = static_cast<float>((i * 7919) % 1000) / 999.0f - 0.3f;
  const Tensor blob = cuda::device_copy_of(values, "interop bench");
  cuda::DeviceGridAtlas atlas(options, map);
  REQUIRE(atlas.layout_of(blob).width == kSide);
  REQUIRE(atlas.layout_of(blob).height == kSide);
  DeviceRows rows(kSide, kSide);
  atlas.build(blob, 0, rows.target());
  const std::vector<uint8_t> want = rows.download();

  render::CudaGlTexture surface_texture(kSide, kSide);
  render::CudaGlPboTexture pbo_texture(kSide, kSide);
  render::CudaGlTexture copy_texture(kSide, kSide);
  auto to_surface = [&](cudaSurfaceObject_t s) {
    cuda::AtlasTarget t;
    t.surface = s;
    t.width = kSide;
    t.height = kSide;
    atlas.build(blob, 0, t);
  };
  auto to_rows = [&](void* pixels, std::size_t pitch) {
    cuda::AtlasTarget t;
    t.pixels = pixels;
    t.pitch = pitch;
    t.width = kSide;
    t.height = kSide;
    atlas.build(blob, 0, t);
  };
  auto verify = [&](const char* method, unsigned texture) {
    std::string first;
    const int64_t bad = region_mismatches(read_texture(texture, kSide, kSide), kSide, want, kSide, kSide, first);
    CHECK_MESSAGE(bad == 0, method << ": the last frame has " << bad << " texels wrong, first " << first);
  };
  std::printf(
      "interop bench: %s; %d frames after %d warm-up, per frame: atlas kernels (ranges + pixels) and the "
      "update\n",
      gl.egl->description().c_str(), kFrames, kWarmup);

  print_timing("atlas kernels into device memory (no GL: the floor)",
               time_frames([&] { atlas.build(blob, 0, rows.target()); }, kWarmup, kFrames));

  const char* baseline = "(a) map texture + surface-write kernels + unmap (the 335 us probe)";
  print_timing(baseline, time_frames([&] { surface_texture.write_surface(to_surface); }, kWarmup, kFrames));
  verify(baseline, surface_texture.texture());

  const char* pbo = "(b) map registered PBO + kernels + unmap + glTexSubImage2D from PBO";
  print_timing(pbo, time_frames([&] { pbo_texture.write_pixels(to_rows); }, kWarmup, kFrames));
  verify(pbo, pbo_texture.texture());

  const char* copy = "(c) kernels into device rows + map + cudaMemcpy2DToArrayAsync + unmap";
  print_timing(copy, time_frames(
                         [&] {
                           atlas.build(blob, 0, rows.target());
                           copy_texture.copy_from(rows.memory.get(), rows.pitch, kSide, kSide);
                         },
                         kWarmup, kFrames));
  verify(copy, copy_texture.texture());

  try {
    render::CudaGlTexture discard_texture(kSide, kSide, render::CudaGlTexture::Contents::Discard);
    const char* discard = "(d) as (a), texture registered surface load/store + write-discard";
    print_timing(discard, time_frames([&] { discard_texture.write_surface(to_surface); }, kWarmup, kFrames));
    verify(discard, discard_texture.texture());
  } catch (const Error& e) {
    std::printf("interop bench: (d) write-discard texture not available: %s\n", e.what());
  }

  try {  // an experiment: CUDA memory imported into GL once (EXT_memory_object_fd), no map/unmap per frame
    render::CudaGlSharedBuffer shared(static_cast<std::size_t>(kSide) * kSide * 4);
    render::CudaGlTexture shared_texture(kSide, kSide);
    const char* imported = "(e) kernels into CUDA memory imported into GL once + glTexSubImage2D from it";
    print_timing(imported, time_frames(
                               [&] {
                                 shared.begin_write();
                                 to_rows(shared.device_pointer(), static_cast<std::size_t>(kSide) * 4);
                                 shared.copy_to_texture(shared_texture.texture(), kSide, kSide);
                               },
                               kWarmup, kFrames));
    verify(imported, shared_texture.texture());
  } catch (const Error& e) {
    std::printf("interop bench: (e) CUDA memory imported into GL not available: %s\n", e.what());
  }

  // The CPU path the GUI uses without CUDA, for scale: host atlas, colormap, PBO upload (fewer frames: slower).
  render::PboUploader uploader;
  ActivationGrid grid(options);
  print_timing("(cpu) ActivationGrid build + colorize + PboUploader upload (host path)",
               time_frames(
                   [&] {
                     grid.build(values);
                     uploader.upload(grid.colorize(map));
                   },
                   5, 50));
}

#endif  // DEEPVIS_HAVE_CUDA_GL

#endif  // DEEPVIS_HAVE_CUDA
