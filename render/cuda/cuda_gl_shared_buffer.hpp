#pragma once
// A GL pixel buffer whose storage is CUDA device memory, shared for good instead of mapped per frame: the memory
// is made with CUDA's virtual memory API as exportable, exported as an opaque file descriptor and imported into GL
// (EXT_memory_object_fd). A frame is then: wait for GL's last copy (a fence), kernels write the memory on
// CudaContext's stream, wait for the stream, and GL copies the buffer into a texture on the GPU. The register/map/
// unmap cycle, ~320 us per frame on an H100 whatever is written, is gone; the two waits remain. An experiment
// measured by the "interop bench" test; the GUI does not use it yet.
// Needs a current GL context on the CUDA device exposing GL_EXT_memory_object_fd. Throws deepvis::Error naming
// the step that failed.
#include <cstddef>

namespace deepvis::render {

class CudaGlSharedBuffer {
 public:
  explicit CudaGlSharedBuffer(std::size_t bytes);
  ~CudaGlSharedBuffer();
  CudaGlSharedBuffer(const CudaGlSharedBuffer&) = delete;
  CudaGlSharedBuffer& operator=(const CudaGlSharedBuffer&) = delete;

  // Before CUDA writes: waits until GL has finished reading the buffer (the previous copy_to_texture).
  void begin_write();
  void* device_pointer() const { return reinterpret_cast<void*>(device_); }
  // Waits for CudaContext's stream, then has GL copy width x height RGBA8 texels (rows width * 4 bytes apart)
  // from the buffer to the top-left of `texture`.
  void copy_to_texture(unsigned texture, int width, int height);

 private:
  std::size_t size_ = 0;
  unsigned long long device_ = 0;  // CUdeviceptr
  unsigned long long handle_ = 0;  // CUmemGenericAllocationHandle
  unsigned memory_object_ = 0;
  unsigned buffer_ = 0;
  void* fence_ = nullptr;  // GLsync after the last copy
};

}  // namespace deepvis::render
