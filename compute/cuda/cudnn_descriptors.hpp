#pragma once
// RAII owners of cuDNN descriptors, made once per kernel and destroyed with it.
#include "compute/core/tensor.hpp"
#include "compute/cuda/cuda_check.hpp"

#include <cudnn.h>

#include <string>

namespace deepvis::cuda {

template <class T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class CudnnDescriptor {
 public:
  CudnnDescriptor() { check_cudnn(Create(&descriptor_), "cudnnCreate*Descriptor", "cuDNN"); }
  ~CudnnDescriptor() {
    if (descriptor_ != nullptr) Destroy(descriptor_);
  }
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;

  T get() const { return descriptor_; }

 private:
  T descriptor_ = nullptr;
};

using TensorDescriptor =
    CudnnDescriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    CudnnDescriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    CudnnDescriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor>;
using PoolingDescriptor =
    CudnnDescriptor<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor>;

// A plain NCHW fp32 tensor of 4-D dims.
inline void set_nchw(const TensorDescriptor& desc, const Dims& d, const std::string& where) {
  DEEPVIS_CUDNN_CALL(where, cudnnSetTensor4dDescriptor, desc.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                     checked_int(d.at(0), where), checked_int(d.at(1), where), checked_int(d.at(2), where),
                     checked_int(d.at(3), where));
}

}  // namespace deepvis::cuda
