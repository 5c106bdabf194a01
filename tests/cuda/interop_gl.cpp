#include "tests/cuda/interop_gl.hpp"

#if defined(DEEPVIS_HAVE_CUDA) && defined(DEEPVIS_HAVE_CUDA_GL)

#include <epoxy/gl.h>

#include "render/cuda/cuda_gl_texture.hpp"
#include "tests/support/gpu_support.hpp"

#include <exception>

namespace deepvis::test {

InteropGl interop_gl() {
  InteropGl gl;
  if (!gpu_problem().empty()) {
    gl.problem = "no usable GPU: " + gpu_problem();
    return gl;
  }
  try {
    gl.egl = std::make_unique<render::EglContext>();
  } catch (const std::exception& e) {
    gl.problem = std::string("no EGL context: ") + e.what();
    return gl;
  }
  const std::string why = render::cuda_gl_problem();
  if (!why.empty()) gl.problem = "the EGL context (" + gl.egl->description() + ") is not shareable with CUDA: " + why;
  return gl;
}

std::vector<uint8_t> read_texture(unsigned texture, int width, int height) {
  std::vector<uint8_t> px(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4);
  glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glPixelStorei(GL_PACK_ROW_LENGTH, 0);
  glBindTexture(GL_TEXTURE_2D, texture);
  glGetTexImage(GL_TEXTURE_2D, 0, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  glBindTexture(GL_TEXTURE_2D, 0);
  render::check_gl("reading the texture back");
  return px;
}

}  // namespace deepvis::test

#endif
