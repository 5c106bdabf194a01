#pragma once
// The CUDA backend: tensors in device memory, kernels on cuDNN, cuBLAS and deepvis's own CUDA kernels, all on one
// stream (CudaContext). Built only when the CUDA target is (DEEPVIS_HAVE_CUDA); check cuda::query_runtime()
// (compute/cuda/device_query.hpp) for a usable device before making one.
#include "compute/core/backend.hpp"

#include <memory>
#include <vector>

namespace deepvis::cuda {

struct CudaOptions {
  bool tf32 = false;            // TF32 tensor cores for convolutions and GEMMs (default: exact fp32)
  bool sync_each_node = false;  // synchronize after every node, so an asynchronous fault names its node
  // Ops this backend declines, so that they run on its CPU fallback: for tests of the fallback and for isolating a
  // suspect kernel.
  std::vector<OpKind> withheld;
};

// From the environment: DEEPVIS_CUDA_TF32=1, DEEPVIS_CUDA_SYNC=1, DEEPVIS_CUDA_WITHHOLD=Op,Op (ONNX names).
CudaOptions cuda_options_from_env();

// Throws deepvis::Error (naming the failing call) when no device or library is usable. The options apply to the
// whole process's CUDA context (one per device), so the last backend made sets them.
std::shared_ptr<Backend> make_cuda_backend(const CudaOptions& options = cuda_options_from_env());

}  // namespace deepvis::cuda
