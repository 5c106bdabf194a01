#include "compute/cuda/cuda_check.hpp"

#include "compute/core/error.hpp"

#include <climits>
#include <cstdio>

namespace deepvis::cuda {

namespace {

std::string prefix(const std::string& where, const char* call) {
  return (where.empty() ? std::string() : where + ": ") + call + ": ";
}

}  // namespace

void throw_cuda_error(cudaError_t status, const char* call, const std::string& where) {
  std::string message = prefix(where, call) + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // an allocation failure is not sticky: clear it so the next call starts clean
    std::size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) == cudaSuccess) {
      message += ": out of GPU memory, " + mebibytes(free) + " free of " + mebibytes(total);
    }
  }
  throw Error(message);
}

void throw_cudnn_error(cudnnStatus_t status, const char* call, const std::string& where) {
  std::string message = prefix(where, call) + cudnnGetErrorString(status);
  char detail[256] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  if (detail[0] != '\0') message += std::string(" (") + detail + ")";
  throw Error(message);
}

void throw_cublas_error(cublasStatus_t status, const char* call, const std::string& where) {
  throw Error(prefix(where, call) + cublasGetStatusName(status) + " (" + cublasGetStatusString(status) + ")");
}

std::string node_where(const Node& node) {
  return "node '" + node.name + "' (" + std::string(op_name(node.kind)) + ")";
}

int checked_int(int64_t value, const std::string& where) {
  if (value < 0 || value > INT_MAX) {
    throw Error(where + ": " + std::to_string(value) + " elements exceed what the CUDA kernels index (2^31 - 1)");
  }
  return static_cast<int>(value);
}

std::string mebibytes(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return text;
}

}  // namespace deepvis::cuda
