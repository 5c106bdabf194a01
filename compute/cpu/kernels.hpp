#pragma once
// The cpu backend's kernel factories, one per op family (one file each: cpu/conv.cpp, cpu/pool.cpp, ...).
#include "compute/core/backend.hpp"
#include "compute/core/error.hpp"

#include <memory>

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec);     // Conv
std::unique_ptr<Kernel> make_smooth_kernel(const KernelSpec& spec);   // Tanh ... Neg (compute/ops/smooth.hpp)
std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec);  // Relu, LeakyRelu, Clip, Sigmoid
std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec);     // MaxPool, AveragePool, Global*Pool
std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec);     // LRN, BatchNormalization
std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec);   // Gemm, MatMul
std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec);   // Add ... PRelu (compute/ops/binary.hpp)
std::unique_ptr<Kernel> make_structure_kernel(
    const KernelSpec& spec);  // Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad
std::unique_ptr<Kernel> make_rearrange_kernel(const KernelSpec& spec);  // Transpose ... (compute/ops/rearrange.hpp)
std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec);     // ReduceMean ... (compute/ops/reduce.hpp)
std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec);    // Softmax

// Whether a pooling node runs on oneDNN (which takes any layout) rather than on plain loops.
bool pool_runs_on_onednn(const KernelSpec& spec);

// `plain` as a kernel of `spec`'s layouts: blocked inputs, output and gradients go through plain staging copies
// around it (a fallback for kernels that index plain planes; the planner keeps blocked blobs away from them).
std::unique_ptr<Kernel> with_plain_staging(const KernelSpec& spec, std::unique_ptr<Kernel> plain);

// Dispatches on spec.node.kind to the family factories above.
std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec);

}  // namespace deepvis::cpu
