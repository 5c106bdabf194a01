// CPU smooth activations (compute/ops/smooth.hpp): OpenMP loops in float over the flat tensor, so any layout the
// Net keeps works as it is (the ops are elementwise). The formulas are the reference's, in float.
#include "compute/ops/smooth.hpp"

#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

namespace {

constexpr int64_t kParallelFrom = 32768;  // elements; below this threads cost more than they save

class SmoothKernel final : public Kernel {
 public:
  explicit SmoothKernel(const KernelSpec& spec)
      : kind_(spec.node.kind), count_(numel(spec.output_dims)), params_(spec.node.params_as<SmoothParams>()) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const int64_t n = count_;
    const OpKind kind = kind_;
    const SmoothParams p = params_;
#pragma omp parallel for if (n > kParallelFrom)
    for (int64_t i = 0; i < n; ++i) y[i] = smooth_value<float>(kind, x[i], p);
  }

  // Not rectifiers: the true derivative in every mode.
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    const int64_t n = count_;
    const OpKind kind = kind_;
    const SmoothParams p = params_;
#pragma omp parallel for if (n > kParallelFrom)
    for (int64_t i = 0; i < n; ++i) gx[i] = g[i] * smooth_slope<float>(kind, x[i], y[i], p);
  }

 private:
  OpKind kind_;
  int64_t count_;
  SmoothParams params_;
};

}  // namespace

std::unique_ptr<Kernel> make_smooth_kernel(const KernelSpec& spec) {
  if (!is_smooth(spec.node.kind)) {
    throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a smooth activation");
  }
  return std::make_unique<SmoothKernel>(spec);
}

}  // namespace deepvis::cpu
