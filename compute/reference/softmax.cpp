// Reference Softmax: the input seen as (outer, extent, inner); softmax along the extent for each (outer, inner).
// Opset < 13 (coerce_2d) folds every dim from the axis on into the extent. Computed in double, max subtracted.
#include "compute/ops/softmax.hpp"

#include "compute/reference/kernels.hpp"

#include <cmath>

namespace deepvis::reference {

namespace {

class SoftmaxKernel final : public Kernel {
 public:
  explicit SoftmaxKernel(const KernelSpec& spec) {
    const SoftmaxParams& p = spec.node.params_as<SoftmaxParams>();
    const Dims& dims = spec.output_dims;
    SoftmaxExtent e;
    try {
      e = softmax_extent(p, dims);
    } catch (const Error& err) {
      throw Error("reference: Softmax node '" + spec.node.name + "': " + err.what());
    }
    outer_ = e.outer;
    extent_ = e.extent;
    inner_ = e.inner;
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inner_; ++i) {
        const int64_t base = o * extent_ * inner_ + i;
        double max = -INFINITY;
        for (int64_t k = 0; k < extent_; ++k) max = std::fmax(max, x[base + k * inner_]);
        double sum = 0.0;
        for (int64_t k = 0; k < extent_; ++k) sum += std::exp(x[base + k * inner_] - max);
        for (int64_t k = 0; k < extent_; ++k) {
          y[base + k * inner_] = static_cast<float>(std::exp(x[base + k * inner_] - max) / sum);
        }
      }
    }
  }

  // Exact in every mode: grad_x = y * (g - sum(g * y)) along the extent.
  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inner_; ++i) {
        const int64_t base = o * extent_ * inner_ + i;
        double dot = 0.0;
        for (int64_t k = 0; k < extent_; ++k) dot += static_cast<double>(g[base + k * inner_]) * y[base + k * inner_];
        for (int64_t k = 0; k < extent_; ++k) {
          const int64_t at = base + k * inner_;
          gx[at] = static_cast<float>(y[at] * (g[at] - dot));
        }
      }
    }
  }

 private:
  int64_t outer_ = 1;
  int64_t extent_ = 1;
  int64_t inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Softmax) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not Softmax");
  }
  return std::make_unique<SoftmaxKernel>(spec);
}

}  // namespace deepvis::reference
