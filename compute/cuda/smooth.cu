// CUDA smooth activations (compute/ops/smooth.hpp): one elementwise kernel each way over the flat tensor, with the
// reference's formulas compiled for the device in float. Not rectifiers: the true derivative in every mode.
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/smooth.hpp"

namespace deepvis::cuda {

namespace {

__global__ void smooth_forward(const float* x, float* y, int64_t count, OpKind kind, SmoothParams p) {
  DEEPVIS_FOR_EACH_INDEX(i, count) y[i] = smooth_value<float>(kind, x[i], p);
}

__global__ void smooth_backward(const float* x, const float* y, const float* g, float* gx, int64_t count, OpKind kind,
                                SmoothParams p) {
  DEEPVIS_FOR_EACH_INDEX(i, count) gx[i] = g[i] * smooth_slope<float>(kind, x[i], y[i], p);
}

class SmoothKernel final : public Kernel {
 public:
  explicit SmoothKernel(const KernelSpec& spec)
      : where_(node_where(spec.node)),
        kind_(spec.node.kind),
        count_(numel(spec.output_dims)),
        params_(spec.node.params_as<SmoothParams>()) {}

  void forward(const ForwardArgs& args) override {
    if (count_ == 0) return;
    smooth_forward<<<grid_for(count_), kBlock, 0, stream()>>>(args.inputs.at(0)->data(), args.output->data(), count_,
                                                              kind_, params_);
    check_launch("smooth_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr || count_ == 0) return;
    smooth_backward<<<grid_for(count_), kBlock, 0, stream()>>>(args.inputs.at(0)->data(), args.output->data(),
                                                               args.grad_output->data(), grad_x->data(), count_, kind_,
                                                               params_);
    check_launch("smooth_backward", where_);
  }

 private:
  static cudaStream_t stream() { return CudaContext::instance().stream(); }

  std::string where_;
  OpKind kind_;
  int64_t count_;
  SmoothParams params_;
};

}  // namespace

std::unique_ptr<Kernel> make_smooth_kernel(const KernelSpec& spec) {
  if (!is_smooth(spec.node.kind)) throw Error("cuda: " + node_where(spec.node) + " is not a smooth activation");
  return std::make_unique<SmoothKernel>(spec);
}

}  // namespace deepvis::cuda
