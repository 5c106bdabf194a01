#pragma once
// GL textures that CUDA writes without a host copy (CUDA-GL interop), for the GPU path of the live grid. Each GL
// object is registered with CUDA once, when it is made; a frame maps it on CudaContext's stream, lets a kernel
// write, and unmaps, after which GL commands see the new texels (the unmap orders them after the CUDA work).
// Needs a current GL context on the CUDA device (see cuda_gl_problem), which must outlive these objects. Every
// CUDA and GL failure throws deepvis::Error naming the call.
//
// Two ways, measured against each other by the "interop bench" test:
//   CudaGlTexture:    the texture itself is registered (surface load/store); a kernel writes it through a surface
//                     object, or cudaMemcpy2DToArrayAsync copies device rows into it.
//   CudaGlPboTexture: a GL pixel buffer is registered (write-discard); a kernel writes plain device memory, and
//                     after unmap GL copies the buffer into the texture on the GPU (glTexSubImage2D from the PBO).
#include <cuda_runtime.h>

#include <cstddef>
#include <functional>
#include <string>

namespace deepvis::render {

// Why CUDA cannot share the current GL context's objects ("" when it may): no context, a context not on NVIDIA's
// driver (Mesa's llvmpipe, say), or one on another CUDA device than the one deepvis computes on.
std::string cuda_gl_problem();
// Its first half, which touches no CUDA (so it costs nothing where the model computes on the CPU): "" when the
// current GL context runs on NVIDIA's driver.
std::string gl_vendor_problem();

// GL copies width x height RGBA8 texels (rows width * 4 bytes apart) from pixel buffer `buffer` into the top-left
// of `texture`, on the GPU, leaving the unpack state as it found it. Throws deepvis::Error naming `where`.
void copy_buffer_to_texture(unsigned buffer, unsigned texture, int width, int height, const std::string& where);

class CudaGlTexture {
 public:
  // Discard: CUDA writes every texel each frame, so the driver need not keep the old ones (cheaper maps, maybe).
  enum class Contents { Keep, Discard };

  // An RGBA8 width x height texture (nearest filtering, clamped), registered for surface load/store.
  CudaGlTexture(int width, int height, Contents contents = Contents::Keep);
  ~CudaGlTexture();
  CudaGlTexture(const CudaGlTexture&) = delete;
  CudaGlTexture& operator=(const CudaGlTexture&) = delete;

  // Map, hand `write` a surface over the texture (uchar4 texels, x in bytes) to enqueue kernels on CudaContext's
  // stream, unmap. The texture is unmapped even when `write` throws.
  void write_surface(const std::function<void(cudaSurfaceObject_t surface)>& write);
  // The same on `stream` (of CudaContext's device): `write` enqueues its kernels there.
  void write_surface(const std::function<void(cudaSurfaceObject_t surface)>& write, cudaStream_t stream);

  // Map, copy width x height RGBA8 texels from device rows `pitch` bytes apart to the top-left, unmap.
  void copy_from(const void* device_rgba, std::size_t pitch, int width, int height);

  unsigned texture() const { return texture_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned texture_ = 0;
  int width_ = 0;
  int height_ = 0;
  cudaGraphicsResource_t resource_ = nullptr;
};

class CudaGlPboTexture {
 public:
  // An RGBA8 width x height texture and a pixel buffer of the same size, registered write-discard.
  CudaGlPboTexture(int width, int height);
  ~CudaGlPboTexture();
  CudaGlPboTexture(const CudaGlPboTexture&) = delete;
  CudaGlPboTexture& operator=(const CudaGlPboTexture&) = delete;

  // Map the buffer, hand `write` its device address and row pitch (width * 4 bytes) to enqueue kernels on
  // CudaContext's stream, unmap, then copy the whole buffer into the texture on the GPU. Texels `write` leaves
  // alone are undefined (write-discard).
  void write_pixels(const std::function<void(void* pixels, std::size_t pitch)>& write);

  unsigned texture() const { return texture_; }
  unsigned buffer() const { return buffer_; }
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned texture_ = 0;
  unsigned buffer_ = 0;
  int width_ = 0;
  int height_ = 0;
  cudaGraphicsResource_t resource_ = nullptr;
};

}  // namespace deepvis::render
