#include "compute/cuda/cuda_context.hpp"

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace deepvis::cuda {

namespace {

const std::string kWhere = "CUDA context";

}  // namespace

CudaContext& CudaContext::instance() {
  static CudaContext* const context = new CudaContext();  // a throw here leaves it unset: the next call retries
  return *context;
}

CudaContext::CudaContext() {
  DEEPVIS_CUDA_CALL(kWhere, cudaSetDevice, device_);
  // A blocking stream: work on the legacy default stream (say, another library's copies) waits for ours.
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamCreate, &stream_);
  DEEPVIS_CUDNN_CALL(kWhere, cudnnCreate, &cudnn_);
  DEEPVIS_CUDNN_CALL(kWhere, cudnnSetStream, cudnn_, stream_);
  DEEPVIS_CUBLAS_CALL(kWhere, cublasCreate, &cublas_);
  DEEPVIS_CUBLAS_CALL(kWhere, cublasSetStream, cublas_, stream_);
  DEEPVIS_CUBLAS_CALL(kWhere, cublasSetPointerMode, cublas_, CUBLAS_POINTER_MODE_HOST);
  set_tf32(env_flag("DEEPVIS_CUDA_TF32"));
  sync_each_node_ = env_flag("DEEPVIS_CUDA_SYNC");
}

void CudaContext::set_tf32(bool on) {
  DEEPVIS_CUBLAS_CALL(kWhere, cublasSetMathMode, cublas_, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
  tf32_ = on;
}

void CudaContext::reserve_workspace(std::size_t bytes, const std::string& where) {
  std::lock_guard<std::mutex> lock(workspace_mutex_);
  if (bytes <= workspace_size_) return;
  synchronize(where);  // nothing may still be using the old buffer
  workspace_.reset();  // free first: the old and the new need not fit together
  workspace_size_ = 0;
  workspace_ = device_alloc(bytes, "the shared cuDNN workspace", where);
  workspace_size_ = bytes;
}

void CudaContext::synchronize(const std::string& where) const {
  DEEPVIS_CUDA_CALL(where, cudaStreamSynchronize, stream_);
}

std::shared_ptr<void> device_alloc(std::size_t bytes, const std::string& what, const std::string& where) {
  void* p = nullptr;
  const cudaError_t status = cudaMalloc(&p, std::max<std::size_t>(bytes, 256));
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky; clear it
    std::size_t free = 0, total = 0;
    cudaMemGetInfo(&free, &total);
    throw Error(where + ": out of GPU memory allocating " + mebibytes(bytes) + " for " + what + " (" + mebibytes(free) +
                " free of " + mebibytes(total) + ")");
  }
  check_cuda(status, "cudaMalloc", where);
  // Errors from cudaFree are ignored: at process exit the runtime may already be gone.
  return std::shared_ptr<void>(p, [](void* q) { cudaFree(q); });
}

Tensor device_tensor(const Dims& dims, const std::string& where) {
  for (int64_t d : dims) {
    if (d < 0) throw Error(where + ": negative tensor dimension in " + to_string(dims));
  }
  const auto bytes = static_cast<std::size_t>(numel(dims)) * sizeof(float);
  std::shared_ptr<void> memory = device_alloc(bytes, "a " + to_string(dims) + " tensor", where);
  if (bytes > 0) {
    DEEPVIS_CUDA_CALL(where, cudaMemsetAsync, memory.get(), 0, bytes, CudaContext::instance().stream());
  }
  float* data = static_cast<float*>(memory.get());
  return Tensor(dims, data, Device::Cuda, std::move(memory));
}

Tensor device_copy_of(const Tensor& host, const std::string& where) {
  Tensor t = device_tensor(host.dims(), where);
  const auto bytes = static_cast<std::size_t>(host.numel()) * sizeof(float);
  if (bytes == 0) return t;
  const CudaContext& ctx = CudaContext::instance();
  const cudaMemcpyKind kind = host.device() == Device::Cuda ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice;
  DEEPVIS_CUDA_CALL(where, cudaMemcpyAsync, t.data(), host.data(), bytes, kind, ctx.stream());
  ctx.synchronize(where);  // the host buffer may go away as soon as we return
  return t;
}

std::shared_ptr<void> device_copy_of(const std::vector<int64_t>& host, const std::string& what,
                                     const std::string& where) {
  const std::size_t bytes = std::max<std::size_t>(1, host.size()) * sizeof(int64_t);
  std::shared_ptr<void> d = device_alloc(bytes, what, where);
  if (host.empty()) return d;
  const CudaContext& ctx = CudaContext::instance();
  DEEPVIS_CUDA_CALL(where, cudaMemcpyAsync, d.get(), host.data(), host.size() * sizeof(int64_t), cudaMemcpyHostToDevice,
                    ctx.stream());
  ctx.synchronize(where);  // the host vector may go away as soon as we return
  return d;
}

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return false;
  std::string v(value);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "1" || v == "on" || v == "true" || v == "yes";
}

}  // namespace deepvis::cuda
