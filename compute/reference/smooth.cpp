// Reference smooth activations (compute/ops/smooth.hpp) in double: plain loops over every element, any rank.
#include "compute/ops/smooth.hpp"

#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

namespace {

class SmoothKernel final : public Kernel {
 public:
  explicit SmoothKernel(const KernelSpec& spec)
      : kind_(spec.node.kind), count_(numel(spec.output_dims)), params_(spec.node.params_as<SmoothParams>()) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t i = 0; i < count_; ++i) y[i] = static_cast<float>(smooth_value<double>(kind_, x[i], params_));
  }

  // Not rectifiers: the true derivative in every mode.
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    for (int64_t i = 0; i < count_; ++i) {
      const double xi = x[i];
      const double yi = smooth_value<double>(kind_, xi, params_);
      gx[i] = static_cast<float>(static_cast<double>(g[i]) * smooth_slope<double>(kind_, xi, yi, params_));
    }
  }

 private:
  OpKind kind_;
  int64_t count_;
  SmoothParams params_;
};

}  // namespace

std::unique_ptr<Kernel> make_smooth_kernel(const KernelSpec& spec) {
  if (!is_smooth(spec.node.kind)) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a smooth activation");
  }
  return std::make_unique<SmoothKernel>(spec);
}

}  // namespace deepvis::reference
