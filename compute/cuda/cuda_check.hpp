#pragma once
// Every CUDA, cuDNN and cuBLAS status is checked and turned into a deepvis::Error that names where it happened
// and which call failed: "node 'conv1' (Conv): cudnnConvolutionForward: CUDNN_STATUS_BAD_PARAM (...)".
// The checks are inline so the success path builds no strings.
#include "compute/core/graph.hpp"

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace deepvis::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const std::string& where);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* call, const std::string& where);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const std::string& where);

inline void check_cuda(cudaError_t status, const char* call, const std::string& where) {
  if (status != cudaSuccess) throw_cuda_error(status, call, where);
}
inline void check_cudnn(cudnnStatus_t status, const char* call, const std::string& where) {
  if (status != CUDNN_STATUS_SUCCESS) throw_cudnn_error(status, call, where);
}
inline void check_cublas(cublasStatus_t status, const char* call, const std::string& where) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_cublas_error(status, call, where);
}

// After a kernel launch: a bad launch configuration shows here; a fault inside the kernel shows at the next
// synchronizing call (set DEEPVIS_CUDA_SYNC=1 to synchronize after every node and pin it to that node).
inline void check_launch(const char* kernel, const std::string& where) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) throw_cuda_error(status, kernel, where);
}

// "node 'conv1' (Conv)": the prefix of every message about a node.
std::string node_where(const Node& node);

// The CUDA kernels index with int: refuses, naming the node, a count they cannot index.
int checked_int(int64_t value, const std::string& where);

// "12.5 MiB"
std::string mebibytes(std::size_t bytes);

}  // namespace deepvis::cuda

// Calls fn(args...) and checks its status, naming fn in the message.
#define DEEPVIS_CUDA_CALL(where, fn, ...) ::deepvis::cuda::check_cuda(fn(__VA_ARGS__), #fn, where)
#define DEEPVIS_CUDNN_CALL(where, fn, ...) ::deepvis::cuda::check_cudnn(fn(__VA_ARGS__), #fn, where)
#define DEEPVIS_CUBLAS_CALL(where, fn, ...) ::deepvis::cuda::check_cublas(fn(__VA_ARGS__), #fn, where)
