#include "render/cuda/cuda_gl_texture.hpp"

// epoxy first: it stands in for GL/gl.h, which cuda_gl_interop.h would otherwise include.
#include <epoxy/gl.h>
// clang-format off
#include <cuda_gl_interop.h>
// clang-format on

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "render/egl_context.hpp"

#include <string>

namespace deepvis::render {

namespace {

constexpr const char* kTextureWhere = "CUDA-GL texture";
constexpr const char* kPboWhere = "CUDA-GL pixel buffer texture";

// An RGBA8 texture with no mipmaps (complete with nearest filtering, which CUDA registration needs too).
unsigned make_rgba_texture(int width, int height, const char* where) {
  GLint max_size = 0;
  glGetIntegerv(GL_MAX_TEXTURE_SIZE, &max_size);
  if (width < 1 || height < 1 || width > max_size || height > max_size) {
    throw Error(std::string(where) + ": a " + std::to_string(width) + "x" + std::to_string(height) +
                " texture is not possible: this OpenGL allows 1.." + std::to_string(max_size) + " per side");
  }
  GLuint texture = 0;
  glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glBindTexture(GL_TEXTURE_2D, 0);
  try {
    check_gl(std::string(where) + ": creating the texture");
  } catch (...) {
    glDeleteTextures(1, &texture);
    throw;
  }
  return texture;
}

// Maps one resource on a stream (CudaContext's unless named) for a scope; unmap() reports a failure, the
// destructor (after an exception) unmaps quietly so the resource is never left mapped.
class ScopedMap {
 public:
  ScopedMap(cudaGraphicsResource_t resource, const char* where)
      : ScopedMap(resource, where, cuda::CudaContext::instance().stream()) {}
  ScopedMap(cudaGraphicsResource_t resource, const char* where, cudaStream_t stream)
      : resource_(resource), stream_(stream), where_(where) {
    DEEPVIS_CUDA_CALL(where_, cudaGraphicsMapResources, 1, &resource_, stream_);
  }
  ~ScopedMap() {
    if (mapped_) cudaGraphicsUnmapResources(1, &resource_, stream_);
  }
  ScopedMap(const ScopedMap&) = delete;
  ScopedMap& operator=(const ScopedMap&) = delete;

  void unmap() {
    mapped_ = false;
    DEEPVIS_CUDA_CALL(where_, cudaGraphicsUnmapResources, 1, &resource_, stream_);
  }

 private:
  cudaGraphicsResource_t resource_;
  cudaStream_t stream_;
  const char* where_;
  bool mapped_ = true;
};

// A surface object over a mapped array, destroyed with the scope.
class ScopedSurface {
 public:
  ScopedSurface(cudaArray_t array, const char* where) {
    cudaResourceDesc desc{};
    desc.resType = cudaResourceTypeArray;
    desc.res.array.array = array;
    DEEPVIS_CUDA_CALL(where, cudaCreateSurfaceObject, &surface_, &desc);
  }
  ~ScopedSurface() { cudaDestroySurfaceObject(surface_); }
  ScopedSurface(const ScopedSurface&) = delete;
  ScopedSurface& operator=(const ScopedSurface&) = delete;

  cudaSurfaceObject_t get() const { return surface_; }

 private:
  cudaSurfaceObject_t surface_ = 0;
};

cudaArray_t mapped_array(cudaGraphicsResource_t resource, const char* where) {
  cudaArray_t array = nullptr;
  DEEPVIS_CUDA_CALL(where, cudaGraphicsSubResourceGetMappedArray, &array, resource, 0, 0);
  return array;
}

}  // namespace

std::string gl_vendor_problem() {
  const GLubyte* vendor = glGetString(GL_VENDOR);
  const GLubyte* renderer = glGetString(GL_RENDERER);
  if (vendor == nullptr) return "no current GL context";
  const std::string vendor_text = reinterpret_cast<const char*>(vendor);
  if (vendor_text.find("NVIDIA") == std::string::npos) {
    return "the GL context runs on " + vendor_text + " " + (renderer ? reinterpret_cast<const char*>(renderer) : "") +
           ", not on NVIDIA's driver";
  }
  return {};
}

std::string cuda_gl_problem() {
  if (std::string why = gl_vendor_problem(); !why.empty()) return why;
  // Which CUDA devices the context spans. If the runtime cannot tell (not every driver answers this for an EGL
  // context), registering a texture is the real test, and its error names the cause.
  unsigned count = 0;
  int devices[8] = {};
  if (cudaGLGetDevices(&count, devices, 8, cudaGLDeviceListAll) != cudaSuccess) {
    cudaGetLastError();  // not sticky: leave the runtime clean for whoever calls next
    return {};
  }
  const int compute_device = cuda::CudaContext::instance().device();
  for (unsigned i = 0; i < count && i < 8; ++i) {
    if (devices[i] == compute_device) return {};
  }
  if (count == 0) return "the current GL context runs on no CUDA device";
  return "the current GL context runs on CUDA device " + std::to_string(devices[0]) + ", deepvis computes on device " +
         std::to_string(compute_device);
}

CudaGlTexture::CudaGlTexture(int width, int height, Contents contents)
    : texture_(make_rgba_texture(width, height, kTextureWhere)), width_(width), height_(height) {
  unsigned flags = cudaGraphicsRegisterFlagsSurfaceLoadStore;
  if (contents == Contents::Discard) flags |= cudaGraphicsRegisterFlagsWriteDiscard;
  const cudaError_t status = cudaGraphicsGLRegisterImage(&resource_, texture_, GL_TEXTURE_2D, flags);
  if (status != cudaSuccess) {
    glDeleteTextures(1, &texture_);
    cuda::throw_cuda_error(status, "cudaGraphicsGLRegisterImage", kTextureWhere);
  }
}

CudaGlTexture::~CudaGlTexture() {
  cudaGraphicsUnregisterResource(resource_);  // before the texture goes
  glDeleteTextures(1, &texture_);
}

void CudaGlTexture::write_surface(const std::function<void(cudaSurfaceObject_t)>& write) {
  write_surface(write, cuda::CudaContext::instance().stream());
}

void CudaGlTexture::write_surface(const std::function<void(cudaSurfaceObject_t)>& write, cudaStream_t stream) {
  ScopedMap map(resource_, kTextureWhere, stream);
  {
    ScopedSurface surface(mapped_array(resource_, kTextureWhere), kTextureWhere);
    write(surface.get());
  }  // destroying the surface object does not wait for the kernels that use it
  map.unmap();
}

void CudaGlTexture::copy_from(const void* device_rgba, std::size_t pitch, int width, int height) {
  if (width < 1 || height < 1 || width > width_ || height > height_) {
    throw Error(std::string(kTextureWhere) + ": cannot copy " + std::to_string(width) + "x" + std::to_string(height) +
                " texels into a " + std::to_string(width_) + "x" + std::to_string(height_) + " texture");
  }
  const std::size_t row_bytes = static_cast<std::size_t>(width) * 4;
  ScopedMap map(resource_, kTextureWhere);
  DEEPVIS_CUDA_CALL(kTextureWhere, cudaMemcpy2DToArrayAsync, mapped_array(resource_, kTextureWhere), 0, 0, device_rgba,
                    pitch, row_bytes, static_cast<std::size_t>(height), cudaMemcpyDeviceToDevice,
                    cuda::CudaContext::instance().stream());
  map.unmap();
}

CudaGlPboTexture::CudaGlPboTexture(int width, int height)
    : texture_(make_rgba_texture(width, height, kPboWhere)), width_(width), height_(height) {
  const auto bytes = static_cast<GLsizeiptr>(width) * height * 4;
  glGenBuffers(1, &buffer_);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, buffer_);
  // Written by CUDA, read by GL for the texture copy: a "copy" usage, respecified never.
  glBufferData(GL_PIXEL_UNPACK_BUFFER, bytes, nullptr, GL_DYNAMIC_COPY);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  try {
    check_gl(std::string(kPboWhere) + ": creating the pixel buffer");
    const cudaError_t status = cudaGraphicsGLRegisterBuffer(&resource_, buffer_, cudaGraphicsRegisterFlagsWriteDiscard);
    if (status != cudaSuccess) cuda::throw_cuda_error(status, "cudaGraphicsGLRegisterBuffer", kPboWhere);
  } catch (...) {
    glDeleteBuffers(1, &buffer_);
    glDeleteTextures(1, &texture_);
    throw;
  }
}

CudaGlPboTexture::~CudaGlPboTexture() {
  cudaGraphicsUnregisterResource(resource_);
  glDeleteBuffers(1, &buffer_);
  glDeleteTextures(1, &texture_);
}

void CudaGlPboTexture::write_pixels(const std::function<void(void*, std::size_t)>& write) {
  {
    ScopedMap map(resource_, kPboWhere);
    void* pixels = nullptr;
    std::size_t size = 0;
    DEEPVIS_CUDA_CALL(kPboWhere, cudaGraphicsResourceGetMappedPointer, &pixels, &size, resource_);
    const std::size_t pitch = static_cast<std::size_t>(width_) * 4;
    if (size < pitch * static_cast<std::size_t>(height_)) {
      throw Error(std::string(kPboWhere) + ": the mapped buffer holds " + std::to_string(size) + " bytes, fewer than " +
                  std::to_string(pitch * static_cast<std::size_t>(height_)));
    }
    write(pixels, pitch);
    map.unmap();
  }
  // The unmap ordered this copy after the CUDA writes; GL reads the buffer on the GPU.
  copy_buffer_to_texture(buffer_, texture_, width_, height_, kPboWhere);
}

void copy_buffer_to_texture(unsigned buffer, unsigned texture, int width, int height, const std::string& where) {
  GLint alignment = 4, row_length = 0;
  glGetIntegerv(GL_UNPACK_ALIGNMENT, &alignment);
  glGetIntegerv(GL_UNPACK_ROW_LENGTH, &row_length);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, buffer);
  glBindTexture(GL_TEXTURE_2D, texture);
  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  glBindTexture(GL_TEXTURE_2D, 0);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, alignment);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, row_length);
  check_gl(where + ": copying the pixel buffer into the texture");
}

}  // namespace deepvis::render
