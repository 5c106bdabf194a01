#pragma once
// The CUDA backend's kernel factories, one per op family (one file each: cuda/conv.cu, cuda/pool.cu, ...),
// mirroring compute/cpu/kernels.hpp. Kernels run asynchronously on CudaContext's stream; tensors given to them
// live in device memory (the Net allocates through the CUDA backend), constants in the KernelSpec on the host.
#include "compute/core/backend.hpp"
#include "compute/core/error.hpp"

#include <memory>

namespace deepvis::cuda {

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec);     // Conv (cuDNN)
std::unique_ptr<Kernel> make_smooth_kernel(const KernelSpec& spec);   // Tanh ... Neg (compute/ops/smooth.hpp)
std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec);  // Relu, LeakyRelu, Clip, Sigmoid
std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec);     // MaxPool, AveragePool, Global*Pool
std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec);     // LRN, BatchNormalization
std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec);   // Gemm, MatMul (cuBLAS)
std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec);   // Add ... PRelu (compute/ops/binary.hpp)
std::unique_ptr<Kernel> make_structure_kernel(
    const KernelSpec& spec);  // Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad
std::unique_ptr<Kernel> make_rearrange_kernel(const KernelSpec& spec);  // Transpose ... (compute/ops/rearrange.hpp)
std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec);     // ReduceMean ... (compute/ops/reduce.hpp)
std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec);    // Softmax

// Dispatches on spec.node.kind to the family factories above.
std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec);

}  // namespace deepvis::cuda
