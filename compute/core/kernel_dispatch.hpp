#pragma once
// Maps an op to its family factory. Shared by every backend so the op-to-family table exists once.
#include "compute/core/backend.hpp"
#include "compute/core/error.hpp"
#include "compute/ops/binary.hpp"
#include "compute/ops/rearrange.hpp"
#include "compute/ops/reduce.hpp"

#include <memory>
#include <string>

namespace deepvis {

template <class Factories>
std::unique_ptr<Kernel> dispatch_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Conv: return Factories::conv(spec);
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Clip:
    case OpKind::Sigmoid: return Factories::eltwise(spec);
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: return Factories::pool(spec);
    case OpKind::Lrn:
    case OpKind::BatchNorm: return Factories::norm(spec);
    case OpKind::Gemm:
    case OpKind::MatMul:
      return Factories::linear(spec);
    DEEPVIS_BINARY_OP_CASES:
      return Factories::binary(spec);
    case OpKind::Pad:
      if (is_rearrange(spec.node)) return Factories::rearrange(spec);
      return Factories::structure(spec);
    case OpKind::Concat:
    case OpKind::Flatten:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
      return Factories::structure(spec);
    DEEPVIS_REARRANGE_OP_CASES:
      return Factories::rearrange(spec);
    DEEPVIS_REDUCE_OP_CASES:
      return Factories::reduce(spec);
    case OpKind::Softmax:
      return Factories::softmax(spec);
    DEEPVIS_SMOOTH_OP_CASES:
      return Factories::smooth(spec);
    case OpKind::Count_: break;
  }
  throw Error("node '" + spec.node.name + "': no kernel for op " + std::string(op_name(spec.node.kind)));
}

// Adapts a namespace's make_<family>_kernel functions to dispatch_kernel.
#define DEEPVIS_KERNEL_FACTORIES(ns)                                                                       \
  struct Factories {                                                                                       \
    static std::unique_ptr<Kernel> conv(const KernelSpec& s) { return ns::make_conv_kernel(s); }           \
    static std::unique_ptr<Kernel> eltwise(const KernelSpec& s) { return ns::make_eltwise_kernel(s); }     \
    static std::unique_ptr<Kernel> pool(const KernelSpec& s) { return ns::make_pool_kernel(s); }           \
    static std::unique_ptr<Kernel> norm(const KernelSpec& s) { return ns::make_norm_kernel(s); }           \
    static std::unique_ptr<Kernel> linear(const KernelSpec& s) { return ns::make_linear_kernel(s); }       \
    static std::unique_ptr<Kernel> binary(const KernelSpec& s) { return ns::make_binary_kernel(s); }       \
    static std::unique_ptr<Kernel> structure(const KernelSpec& s) { return ns::make_structure_kernel(s); } \
    static std::unique_ptr<Kernel> softmax(const KernelSpec& s) { return ns::make_softmax_kernel(s); }     \
    static std::unique_ptr<Kernel> smooth(const KernelSpec& s) { return ns::make_smooth_kernel(s); }       \
    static std::unique_ptr<Kernel> rearrange(const KernelSpec& s) { return ns::make_rearrange_kernel(s); } \
    static std::unique_ptr<Kernel> reduce(const KernelSpec& s) { return ns::make_reduce_kernel(s); }       \
  }

}  // namespace deepvis
