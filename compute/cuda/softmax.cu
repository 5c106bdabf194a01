// CUDA Softmax: the tensor viewed as (outer, extent, inner), softmax along the extent for each (outer, inner);
// opset < 13 (coerce_2d) folds every dim from the axis on into the extent, as in compute/reference/softmax.cpp.
// inner == 1 (the classifier's case): one block per row with shared-memory reductions. Otherwise one thread per
// (outer, inner) column walking the extent. Backward is exact in every mode: grad_x = y * (g - sum(g * y)).
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/softmax.hpp"

#include <cmath>

namespace deepvis::cuda {

namespace {

// Combines one value per thread over the block (blockDim.x == kBlock); every thread gets the result.
template <bool kMax>
__device__ float block_reduce(float v) {
  __shared__ float partial[kBlock];
  const int t = threadIdx.x;
  partial[t] = v;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (t < step) partial[t] = kMax ? fmaxf(partial[t], partial[t + step]) : partial[t] + partial[t + step];
    __syncthreads();
  }
  const float result = partial[0];
  __syncthreads();
  return result;
}

__global__ void softmax_rows_forward(const float* x, float* y, int extent) {
  const int64_t base = static_cast<int64_t>(blockIdx.x) * extent;
  float m = -INFINITY;
  for (int k = threadIdx.x; k < extent; k += blockDim.x) m = fmaxf(m, x[base + k]);
  m = block_reduce<true>(m);
  float sum = 0.0f;
  for (int k = threadIdx.x; k < extent; k += blockDim.x) sum += expf(x[base + k] - m);
  sum = block_reduce<false>(sum);
  for (int k = threadIdx.x; k < extent; k += blockDim.x) y[base + k] = expf(x[base + k] - m) / sum;
}

__global__ void softmax_rows_backward(const float* y, const float* g, float* gx, int extent) {
  const int64_t base = static_cast<int64_t>(blockIdx.x) * extent;
  float dot = 0.0f;
  for (int k = threadIdx.x; k < extent; k += blockDim.x) dot += g[base + k] * y[base + k];
  dot = block_reduce<false>(dot);
  for (int k = threadIdx.x; k < extent; k += blockDim.x) gx[base + k] = y[base + k] * (g[base + k] - dot);
}

__global__ void softmax_columns_forward(const float* x, float* y, int64_t columns, int extent, int inner) {
  DEEPVIS_FOR_EACH_INDEX(col, columns) {
    const int64_t o = col / inner;
    const int64_t base = o * extent * inner + col % inner;
    float m = -INFINITY;
    for (int k = 0; k < extent; ++k) m = fmaxf(m, x[base + static_cast<int64_t>(k) * inner]);
    float sum = 0.0f;
    for (int k = 0; k < extent; ++k) sum += expf(x[base + static_cast<int64_t>(k) * inner] - m);
    for (int k = 0; k < extent; ++k) {
      const int64_t at = base + static_cast<int64_t>(k) * inner;
      y[at] = expf(x[at] - m) / sum;
    }
  }
}

__global__ void softmax_columns_backward(const float* y, const float* g, float* gx, int64_t columns, int extent,
                                         int inner) {
  DEEPVIS_FOR_EACH_INDEX(col, columns) {
    const int64_t o = col / inner;
    const int64_t base = o * extent * inner + col % inner;
    float dot = 0.0f;
    for (int k = 0; k < extent; ++k) {
      const int64_t at = base + static_cast<int64_t>(k) * inner;
      dot += g[at] * y[at];
    }
    for (int k = 0; k < extent; ++k) {
      const int64_t at = base + static_cast<int64_t>(k) * inner;
      gx[at] = y[at] * (g[at] - dot);
    }
  }
}

class SoftmaxKernel final : public Kernel {
 public:
  explicit SoftmaxKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const SoftmaxParams& p = spec.node.params_as<SoftmaxParams>();
    const Dims& dims = spec.output_dims;
    const auto axis = static_cast<size_t>(p.axis);
    if (axis >= dims.size()) {
      throw Error(where_ + ": axis " + std::to_string(p.axis) + " is out of range for " + to_string(dims));
    }
    int64_t outer = 1, extent = 1, inner = 1;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (d < axis) {
        outer *= dims[d];
      } else if (d == axis || p.coerce_2d) {
        extent *= dims[d];
      } else {
        inner *= dims[d];
      }
    }
    checked_int(numel(dims), where_);
    outer_ = checked_int(outer, where_);
    extent_ = checked_int(extent, where_);
    inner_ = checked_int(inner, where_);
  }

  void forward(const ForwardArgs& args) override {
    if (static_cast<int64_t>(outer_) * extent_ * inner_ == 0) return;
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    if (inner_ == 1) {
      softmax_rows_forward<<<outer_, kBlock, 0, ctx_.stream()>>>(x, y, extent_);
      check_launch("softmax_rows_forward", where_);
    } else {
      const int64_t columns = static_cast<int64_t>(outer_) * inner_;
      softmax_columns_forward<<<grid_for(columns), kBlock, 0, ctx_.stream()>>>(x, y, columns, extent_, inner_);
      check_launch("softmax_columns_forward", where_);
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr || static_cast<int64_t>(outer_) * extent_ * inner_ == 0) return;
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    if (inner_ == 1) {
      softmax_rows_backward<<<outer_, kBlock, 0, ctx_.stream()>>>(y, g, grad->data(), extent_);
      check_launch("softmax_rows_backward", where_);
    } else {
      const int64_t columns = static_cast<int64_t>(outer_) * inner_;
      softmax_columns_backward<<<grid_for(columns), kBlock, 0, ctx_.stream()>>>(y, g, grad->data(), columns, extent_,
                                                                                inner_);
      check_launch("softmax_columns_backward", where_);
    }
  }

 private:
  std::string where_;
  CudaContext& ctx_;
  int outer_ = 1, extent_ = 1, inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Softmax) throw Error("cuda: " + node_where(spec.node) + " is not Softmax");
  return std::make_unique<SoftmaxKernel>(spec);
}

}  // namespace deepvis::cuda
