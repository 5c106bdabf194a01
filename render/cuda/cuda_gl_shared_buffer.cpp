#include "render/cuda/cuda_gl_shared_buffer.hpp"

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "render/cuda/cuda_gl_texture.hpp"
#include "render/egl_context.hpp"

#include <cuda.h>
#include <cuda_runtime.h>
#include <epoxy/gl.h>

#include <string>

namespace deepvis::render {

namespace {

constexpr const char* kWhere = "CUDA-GL shared buffer";

// The driver API through the runtime's entry points, so nothing links libcuda directly.
template <class Fn>
Fn driver(const char* name) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  DEEPVIS_CUDA_CALL(kWhere, cudaGetDriverEntryPointByVersion, name, &fn, 12000, cudaEnableDefault, &found);
  if (fn == nullptr || found != cudaDriverEntryPointSuccess) throw Error(std::string(kWhere) + ": no " + name);
  return reinterpret_cast<Fn>(fn);
}

void check_cu(CUresult status, const char* call) {
  if (status != CUDA_SUCCESS)
    throw Error(std::string(kWhere) + ": " + call + " failed (CUresult " + std::to_string(status) + ")");
}

CUmemAllocationProp exportable_prop(int device) {
  CUmemAllocationProp prop = {};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
  return prop;
}

}  // namespace

CudaGlSharedBuffer::CudaGlSharedBuffer(std::size_t bytes) {
  if (!epoxy_has_gl_extension("GL_EXT_memory_object_fd")) {
    throw Error(std::string(kWhere) + ": the GL context has no GL_EXT_memory_object_fd");
  }
  const int device = cuda::CudaContext::instance().device();
  const CUmemAllocationProp prop = exportable_prop(device);
  std::size_t granularity = 0;
  check_cu(driver<decltype(&cuMemGetAllocationGranularity)>("cuMemGetAllocationGranularity")(
               &granularity, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM),
           "cuMemGetAllocationGranularity");
  size_ = (bytes + granularity - 1) / granularity * granularity;
  CUmemGenericAllocationHandle handle = 0;
  check_cu(driver<decltype(&cuMemCreate)>("cuMemCreate")(&handle, size_, &prop, 0), "cuMemCreate");
  handle_ = handle;
  CUdeviceptr ptr = 0;
  check_cu(driver<decltype(&cuMemAddressReserve)>("cuMemAddressReserve")(&ptr, size_, 0, 0, 0), "cuMemAddressReserve");
  device_ = ptr;
  check_cu(driver<decltype(&cuMemMap)>("cuMemMap")(ptr, size_, 0, handle, 0), "cuMemMap");
  CUmemAccessDesc access = {};
  access.location = prop.location;
  access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  check_cu(driver<decltype(&cuMemSetAccess)>("cuMemSetAccess")(ptr, size_, &access, 1), "cuMemSetAccess");
  int fd = -1;
  check_cu(driver<decltype(&cuMemExportToShareableHandle)>("cuMemExportToShareableHandle")(
               &fd, handle, CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, 0),
           "cuMemExportToShareableHandle");

  glCreateMemoryObjectsEXT(1, &memory_object_);
  glImportMemoryFdEXT(memory_object_, size_, GL_HANDLE_TYPE_OPAQUE_FD_EXT, fd);  // GL owns the descriptor now
  check_gl(std::string(kWhere) + ": importing the CUDA memory into GL");
  glGenBuffers(1, &buffer_);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, buffer_);
  glBufferStorageMemEXT(GL_PIXEL_UNPACK_BUFFER, static_cast<GLsizeiptr>(size_), memory_object_, 0);
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  check_gl(std::string(kWhere) + ": a pixel buffer on the imported memory");
}

CudaGlSharedBuffer::~CudaGlSharedBuffer() {
  if (fence_) glDeleteSync(static_cast<GLsync>(fence_));
  if (buffer_) glDeleteBuffers(1, &buffer_);
  if (memory_object_) glDeleteMemoryObjectsEXT(1, &memory_object_);
  try {
    if (device_) {
      driver<decltype(&cuMemUnmap)>("cuMemUnmap")(device_, size_);
      driver<decltype(&cuMemAddressFree)>("cuMemAddressFree")(device_, size_);
    }
    if (handle_) driver<decltype(&cuMemRelease)>("cuMemRelease")(handle_);
  } catch (const Error&) {  // nothing to do in a destructor: the process keeps running
  }
}

void CudaGlSharedBuffer::begin_write() {
  if (!fence_) return;
  glClientWaitSync(static_cast<GLsync>(fence_), GL_SYNC_FLUSH_COMMANDS_BIT, GLuint64{1000000000});
  glDeleteSync(static_cast<GLsync>(fence_));
  fence_ = nullptr;
}

void CudaGlSharedBuffer::copy_to_texture(unsigned texture, int width, int height) {
  if (static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4 > size_) {
    throw Error(std::string(kWhere) + ": " + std::to_string(width) + "x" + std::to_string(height) +
                " texels do not fit the buffer");
  }
  cuda::CudaContext::instance().synchronize(kWhere);  // the kernels' writes are done before GL reads
  copy_buffer_to_texture(buffer_, texture, width, height, kWhere);
  fence_ = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  check_gl(std::string(kWhere) + ": a fence after the copy");
}

}  // namespace deepvis::render
