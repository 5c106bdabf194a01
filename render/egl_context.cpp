#include "render/egl_context.hpp"

#include "compute/core/error.hpp"

#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace deepvis::render {

namespace {

std::string egl_error_name(EGLint code) {
  switch (code) {
    case EGL_SUCCESS: return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_CURRENT_SURFACE: return "EGL_BAD_CURRENT_SURFACE";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_NATIVE_PIXMAP: return "EGL_BAD_NATIVE_PIXMAP";
    case EGL_BAD_NATIVE_WINDOW: return "EGL_BAD_NATIVE_WINDOW";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    case EGL_BAD_SURFACE: return "EGL_BAD_SURFACE";
    case EGL_CONTEXT_LOST: return "EGL_CONTEXT_LOST";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "EGL error 0x%x", static_cast<unsigned>(code));
  return buf;
}

std::string egl_failure(const std::string& step) {
  return step + " failed (" + egl_error_name(eglGetError()) + ")";
}

bool has_word(const char* list, const char* word) {
  if (list == nullptr) return false;
  const size_t n = std::strlen(word);
  for (const char* p = std::strstr(list, word); p != nullptr; p = std::strstr(p + 1, word)) {
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
  }
  return false;
}

// EGL displays are per process and eglTerminate ends every context on one, so two EglContexts on the same display
// share it: the last one to go terminates it.
std::mutex g_display_mutex;
std::map<EGLDisplay, int> g_display_users;

void acquire_display(EGLDisplay d) {
  std::lock_guard<std::mutex> lock(g_display_mutex);
  ++g_display_users[d];
}

void release_display(EGLDisplay d) {
  std::lock_guard<std::mutex> lock(g_display_mutex);
  auto it = g_display_users.find(d);
  if (it == g_display_users.end()) return;
  if (--it->second == 0) {
    g_display_users.erase(it);
    eglTerminate(d);
  }
}

struct Candidate {
  std::string name;
  EGLDisplay display;
};

std::vector<Candidate> candidate_displays(std::string& notes) {
  std::vector<Candidate> out;
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const bool platform_base = has_word(client, "EGL_EXT_platform_base");
  auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      platform_base ? eglGetProcAddress("eglGetPlatformDisplayEXT") : nullptr);

  if (get_platform_display && has_word(client, "EGL_EXT_platform_device")) {
    auto query_devices = reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
    auto query_device_string =
        reinterpret_cast<PFNEGLQUERYDEVICESTRINGEXTPROC>(eglGetProcAddress("eglQueryDeviceStringEXT"));
    EGLDeviceEXT devices[16];
    EGLint count = 0;
    if (query_devices && query_devices(16, devices, &count)) {
      for (EGLint i = 0; i < count; ++i) {
        const char* ext = query_device_string ? query_device_string(devices[i], EGL_EXTENSIONS) : nullptr;
        if (has_word(ext, "EGL_MESA_device_software")) continue;  // llvmpipe: the surfaceless platform has it too
        EGLDisplay d = get_platform_display(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr);
        if (d != EGL_NO_DISPLAY) out.push_back({"device " + std::to_string(i), d});
      }
    }
  }
  if (get_platform_display && has_word(client, "EGL_MESA_platform_surfaceless")) {
    EGLDisplay d = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    if (d != EGL_NO_DISPLAY) out.push_back({"surfaceless", d});
  } else {
    notes += "  surfaceless: EGL_MESA_platform_surfaceless not offered\n";
  }
  EGLDisplay d = eglGetDisplay(EGL_DEFAULT_DISPLAY);
  if (d != EGL_NO_DISPLAY) out.push_back({"default display", d});
  return out;
}

// One attempt on one display: fills the handles (display initialized and acquired) or returns why not.
std::string try_display(EGLDisplay display, EGLContext& context, EGLSurface& surface) {
  EGLint major = 0, minor = 0;
  if (!eglInitialize(display, &major, &minor)) return egl_failure("eglInitialize");
  acquire_display(display);
  auto fail = [&](const std::string& why) {
    release_display(display);
    return why;
  };
  if (major < 1 || (major == 1 && minor < 5)) {
    if (!has_word(eglQueryString(display, EGL_EXTENSIONS), "EGL_KHR_create_context")) {
      return fail("EGL " + std::to_string(major) + "." + std::to_string(minor) +
                  " without EGL_KHR_create_context cannot ask for a GL 3.3 core context");
    }
  }
  if (!eglBindAPI(EGL_OPENGL_API)) return fail(egl_failure("eglBindAPI(EGL_OPENGL_API)"));

  // A pbuffer-capable config first (needed when surfaceless contexts are not offered), else any GL config.
  const EGLint pbuffer_attribs[] = {EGL_SURFACE_TYPE,
                                    EGL_PBUFFER_BIT,
                                    EGL_RENDERABLE_TYPE,
                                    EGL_OPENGL_BIT,
                                    EGL_RED_SIZE,
                                    8,
                                    EGL_GREEN_SIZE,
                                    8,
                                    EGL_BLUE_SIZE,
                                    8,
                                    EGL_ALPHA_SIZE,
                                    8,
                                    EGL_NONE};
  const EGLint any_attribs[] = {EGL_SURFACE_TYPE, 0, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig config = nullptr;
  EGLint configs = 0;
  bool pbuffer_config = eglChooseConfig(display, pbuffer_attribs, &config, 1, &configs) && configs > 0;
  if (!pbuffer_config && !(eglChooseConfig(display, any_attribs, &config, 1, &configs) && configs > 0)) {
    return fail("eglChooseConfig found no config for desktop OpenGL");
  }

  const EGLint context_attribs[] = {
      EGL_CONTEXT_MAJOR_VERSION,           3,       EGL_CONTEXT_MINOR_VERSION, 3, EGL_CONTEXT_OPENGL_PROFILE_MASK,
      EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
  context = eglCreateContext(display, config, EGL_NO_CONTEXT, context_attribs);
  if (context == EGL_NO_CONTEXT) return fail(egl_failure("eglCreateContext(OpenGL 3.3 core)"));

  surface = EGL_NO_SURFACE;
  if (!has_word(eglQueryString(display, EGL_EXTENSIONS), "EGL_KHR_surfaceless_context")) {
    if (!pbuffer_config) {
      eglDestroyContext(display, context);
      return fail("neither EGL_KHR_surfaceless_context nor a pbuffer config");
    }
    const EGLint size[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
    surface = eglCreatePbufferSurface(display, config, size);
    if (surface == EGL_NO_SURFACE) {
      const std::string why = egl_failure("eglCreatePbufferSurface");
      eglDestroyContext(display, context);
      return fail(why);
    }
  }
  if (!eglMakeCurrent(display, surface, surface, context)) {
    const std::string why = egl_failure("eglMakeCurrent");
    if (surface != EGL_NO_SURFACE) eglDestroySurface(display, surface);
    eglDestroyContext(display, context);
    return fail(why);
  }
  if (epoxy_gl_version() < 33) {
    const std::string why = "got OpenGL " + std::to_string(epoxy_gl_version()) + ", need 3.3";
    eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (surface != EGL_NO_SURFACE) eglDestroySurface(display, surface);
    eglDestroyContext(display, context);
    return fail(why);
  }
  return {};
}

const char* gl_string(GLenum name) {
  const GLubyte* s = glGetString(name);
  return s ? reinterpret_cast<const char*>(s) : "?";
}

}  // namespace

EglContext::EglContext() {
  std::string attempts;
  for (const Candidate& c : candidate_displays(attempts)) {
    EGLContext context = EGL_NO_CONTEXT;
    EGLSurface surface = EGL_NO_SURFACE;
    const std::string why = try_display(c.display, context, surface);
    if (why.empty()) {
      display_ = c.display;
      context_ = context;
      surface_ = surface;
      description_ =
          c.name + ": " + gl_string(GL_VENDOR) + " " + gl_string(GL_RENDERER) + ", OpenGL " + gl_string(GL_VERSION);
      return;
    }
    attempts += "  " + c.name + ": " + why + "\n";
  }
  if (attempts.empty()) attempts = "  no EGL display at all (is libEGL with a vendor library installed?)\n";
  throw EnvironmentError("cannot create a headless OpenGL 3.3 context through EGL; tried:\n" + attempts +
                         "(Mesa needs libegl-mesa0 and libgl1-mesa-dri; use --no-gl to skip OpenGL)");
}

EglContext::~EglContext() {
  if (display_ == nullptr) return;
  if (eglGetCurrentContext() == context_) eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (surface_ != nullptr) eglDestroySurface(display_, surface_);
  eglDestroyContext(display_, context_);
  release_display(display_);
}

void EglContext::make_current() {
  if (!eglMakeCurrent(display_, surface_, surface_, context_)) throw Error(egl_failure("eglMakeCurrent"));
}

OffscreenFramebuffer::OffscreenFramebuffer(int width, int height) : width_(width), height_(height) {
  GLint max_texture = 0, max_renderbuffer = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_texture);
  glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &max_renderbuffer);
  const int limit = std::min(max_texture, max_renderbuffer);
  if (width < 1 || height < 1 || width > limit || height > limit) {
    throw Error("offscreen framebuffer of " + std::to_string(width) + "x" + std::to_string(height) +
                " not possible: this OpenGL allows 1.." + std::to_string(limit) + " per side");
  }
  glGenTextures(1, &texture_);
  glBindTexture(GL_TEXTURE_2D, texture_);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindTexture(GL_TEXTURE_2D, 0);
  glGenFramebuffers(1, &framebuffer_);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture_, 0);
  const GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  if (status != GL_FRAMEBUFFER_COMPLETE) {
    glDeleteFramebuffers(1, &framebuffer_);
    glDeleteTextures(1, &texture_);
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(status));
    throw Error(std::string("offscreen framebuffer incomplete (status ") + buf + ")");
  }
  check_gl("creating the offscreen framebuffer");
}

OffscreenFramebuffer::~OffscreenFramebuffer() {
  glDeleteFramebuffers(1, &framebuffer_);
  glDeleteTextures(1, &texture_);
}

void OffscreenFramebuffer::bind() {
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glViewport(0, 0, width_, height_);
}

void check_gl(const std::string& where) {
  std::string errors;
  for (GLenum e = glGetError(); e != GL_NO_ERROR; e = glGetError()) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(e));
    errors += errors.empty() ? buf : std::string(", ") + buf;
    if (errors.size() > 200) break;  // a lost context can report forever
  }
  if (!errors.empty()) throw Error("OpenGL error " + errors + " while " + where);
}

}  // namespace deepvis::render
