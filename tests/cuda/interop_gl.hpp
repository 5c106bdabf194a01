#pragma once
// What the GL-side GPU tests share: a headless EGL context that CUDA can share objects with (or why there is
// none, for the skip message), and reading a texture back.
#if defined(DEEPVIS_HAVE_CUDA) && defined(DEEPVIS_HAVE_CUDA_GL)

#include "render/egl_context.hpp"
#include "tests/support/skip.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deepvis::test {

struct InteropGl {
  std::unique_ptr<render::EglContext> egl;
  std::string problem;  // "" when CUDA may write this context's textures
};

InteropGl interop_gl();

// The texture's texels, packed RGBA rows of its full size.
std::vector<uint8_t> read_texture(unsigned texture, int width, int height);

}  // namespace deepvis::test

// Skips the calling test case, with the reason, unless `gl` can be shared with CUDA.
#define DEEPVIS_INTEROP_REQUIRE_GL(gl)                                 \
  const ::deepvis::test::InteropGl gl = ::deepvis::test::interop_gl(); \
  if (!gl.problem.empty()) DEEPVIS_SKIP(gl.problem);                   \
  MESSAGE("GL: " << gl.egl->description());

#endif
