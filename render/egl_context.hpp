#pragma once
// Headless OpenGL: an OpenGL 3.3 core context through EGL with no window system (Mesa's surfaceless platform
// under CI, an EGL device on NVIDIA), and an offscreen framebuffer to draw into. libepoxy loads GL and EGL.
#include <string>

namespace deepvis::render {

// Creates the context and makes it current on the calling thread. Displays are tried in this order, the first
// that yields a GL 3.3 core context wins:
//   1. EGL_EXT_platform_device: each hardware device (software devices skipped), e.g. the NVIDIA GPU;
//   2. EGL_MESA_platform_surfaceless (Mesa, llvmpipe when there is no GPU): no X, no Wayland needed;
//   3. eglGetDisplay(EGL_DEFAULT_DISPLAY).
// Throws deepvis::Error listing each attempt and the step that failed (with the EGL error name).
class EglContext {
 public:
  EglContext();
  ~EglContext();
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

  // Makes the context current on the calling thread (after use on another thread).
  void make_current();

  // Which display was used and what GL runs on it, e.g. "surfaceless: Mesa llvmpipe (...), 4.5 (Core Profile)".
  const std::string& description() const { return description_; }

 private:
  void* display_ = nullptr;  // EGLDisplay; void* keeps EGL's headers out of ours
  void* context_ = nullptr;  // EGLContext
  void* surface_ = nullptr;  // EGLSurface: a 1x1 pbuffer, only without EGL_KHR_surfaceless_context
  std::string description_;
};

// An RGBA8 colour target for headless drawing (a framebuffer object with a texture attached). Needs a current
// context, which must outlive it.
class OffscreenFramebuffer {
 public:
  OffscreenFramebuffer(int width, int height);  // throws deepvis::Error when too large or incomplete
  ~OffscreenFramebuffer();
  OffscreenFramebuffer(const OffscreenFramebuffer&) = delete;
  OffscreenFramebuffer& operator=(const OffscreenFramebuffer&) = delete;

  // Binds it for drawing and reading, with the viewport covering all of it.
  void bind();

  unsigned framebuffer() const { return framebuffer_; }
  unsigned color_texture() const { return texture_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned framebuffer_ = 0;
  unsigned texture_ = 0;
  int width_ = 0;
  int height_ = 0;
};

// Throws deepvis::Error naming `where` and the GL error when glGetError reports one (clearing all pending).
void check_gl(const std::string& where);

}  // namespace deepvis::render
