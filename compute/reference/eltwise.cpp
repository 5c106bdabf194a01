// Reference activations: Relu, LeakyRelu, Clip, Sigmoid. Plain loops over every element, any rank.
#include "compute/ops/eltwise.hpp"

#include "compute/reference/kernels.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::reference {

namespace {

class EltwiseKernel final : public Kernel {
 public:
  explicit EltwiseKernel(const KernelSpec& spec) : kind_(spec.node.kind), count_(numel(spec.output_dims)) {
    if (kind_ == OpKind::LeakyRelu) alpha_ = spec.node.params_as<LeakyReluParams>().alpha;
    if (kind_ == OpKind::Clip) clip_ = spec.node.params_as<ClipParams>();
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t i = 0; i < count_; ++i) y[i] = apply(x[i]);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    if (kind_ == OpKind::Sigmoid) {
      // Not a rectifier: the exact derivative in every mode.
      for (int64_t i = 0; i < count_; ++i) {
        const double yi = y[i];
        gx[i] = static_cast<float>(static_cast<double>(g[i]) * yi * (1.0 - yi));
      }
      return;
    }
    for (int64_t i = 0; i < count_; ++i) gx[i] = rectifier_backward(args.mode, slope(x[i]), g[i]);
  }

 private:
  float apply(float x) const {
    switch (kind_) {
      case OpKind::Relu: return x > 0.0f ? x : 0.0f;
      case OpKind::LeakyRelu: return x > 0.0f ? x : alpha_ * x;
      case OpKind::Clip: return std::min(std::max(x, clip_.min), clip_.max);
      case OpKind::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x))));
      default: return x;
    }
  }

  // The forward derivative at the input x.
  float slope(float x) const {
    switch (kind_) {
      case OpKind::Relu: return x > 0.0f ? 1.0f : 0.0f;
      case OpKind::LeakyRelu: return x > 0.0f ? 1.0f : alpha_;
      case OpKind::Clip: return clip_.min < x && x < clip_.max ? 1.0f : 0.0f;
      default: return 1.0f;
    }
  }

  OpKind kind_;
  int64_t count_;
  float alpha_ = 0.0f;
  ClipParams clip_;
};

}  // namespace

std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Clip:
    case OpKind::Sigmoid: return std::make_unique<EltwiseKernel>(spec);
    default:
      throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not an eltwise op");
  }
}

}  // namespace deepvis::reference
