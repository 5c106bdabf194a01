#pragma once
// The CUDA state every CUDA kernel shares: one stream, one cuDNN handle and one cuBLAS handle bound to it, and one
// scratch workspace. Everything runs in order on that one stream, so kernels may share the workspace.
// Device memory: cudaMalloc per tensor/buffer, freed when the last owner lets go.
#include "compute/core/tensor.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace deepvis::cuda {

class CudaContext {
 public:
  // The context of device 0, created on first use (and never destroyed: device memory may be freed during
  // process exit, after static destructors). Throws deepvis::Error when the device or a library is unusable.
  static CudaContext& instance();

  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cudnnHandle_t cudnn() const { return cudnn_; }
  cublasHandle_t cublas() const { return cublas_; }

  // TF32 tensor cores for fp32 convolutions and GEMMs: off by default (exact fp32). cuBLAS follows at once;
  // convolution kernels read it when they are built.
  bool tf32() const { return tf32_; }
  void set_tf32(bool on);
  // Synchronize after every node (DEEPVIS_CUDA_SYNC=1): slower, but an asynchronous fault names its node.
  bool sync_each_node() const { return sync_each_node_; }
  void set_sync_each_node(bool on) { sync_each_node_ = on; }

  // Kernels reserve the scratch they need when they are built; at run time workspace() only hands it out.
  void reserve_workspace(std::size_t bytes, const std::string& where);
  void* workspace() const { return workspace_.get(); }
  std::size_t workspace_size() const { return workspace_size_; }

  // Waits for the stream; an asynchronous fault surfaces here as an Error naming `where`.
  void synchronize(const std::string& where) const;

 private:
  CudaContext();

  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  bool tf32_ = false;
  bool sync_each_node_ = false;
  std::mutex workspace_mutex_;
  std::shared_ptr<void> workspace_;
  std::size_t workspace_size_ = 0;
};

// cudaMalloc with a clear message on failure: "<where>: out of GPU memory allocating 12.0 MiB for <what> (...)".
// The memory is freed when the last copy of the pointer goes.
std::shared_ptr<void> device_alloc(std::size_t bytes, const std::string& what, const std::string& where);

// A zero-filled fp32 tensor in device memory.
Tensor device_tensor(const Dims& dims, const std::string& where);

// A device copy of host values (constants prepared by a kernel, say BatchNorm's per-channel affine).
Tensor device_copy_of(const Tensor& host, const std::string& where);

// A device copy of host indices (the index maps of compute/ops/index_groups.hpp), freed with the last pointer.
std::shared_ptr<void> device_copy_of(const std::vector<int64_t>& host, const std::string& what,
                                     const std::string& where);

// Reads an environment switch such as DEEPVIS_CUDA_TF32: true for "1", "on", "true" or "yes".
bool env_flag(const char* name);

}  // namespace deepvis::cuda
