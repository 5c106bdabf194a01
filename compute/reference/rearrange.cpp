// Reference rearrangements (compute/ops/rearrange.hpp): the forward copies each output element from its source; the
// backward gives each input element the sum, in double, of the signal of every output that read it.
#include "compute/ops/rearrange.hpp"
#include "compute/ops/index_groups.hpp"
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

namespace {

class RearrangeKernel final : public Kernel {
 public:
  explicit RearrangeKernel(const KernelSpec& spec)
      : sources_(rearrange_sources(spec.node, spec.input_dims.at(0), spec.output_dims)),
        readers_(group_by_key(sources_, numel(spec.input_dims[0]))),
        fill_(spec.node.kind == OpKind::Pad ? spec.node.params_as<PadParams>().value : 0.0f) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (size_t i = 0; i < sources_.size(); ++i) y[i] = sources_[i] < 0 ? fill_ : x[sources_[i]];
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    for (size_t j = 0; j + 1 < readers_.offsets.size(); ++j) {
      double sum = 0.0;
      for (int64_t k = readers_.offsets[j]; k < readers_.offsets[j + 1]; ++k) sum += g[readers_.members[k]];
      gx[j] = static_cast<float>(sum);
    }
  }

 private:
  std::vector<int64_t> sources_;
  IndexGroups readers_;
  float fill_;
};

}  // namespace

std::unique_ptr<Kernel> make_rearrange_kernel(const KernelSpec& spec) {
  if (!is_rearrange(spec.node)) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a rearrangement");
  }
  return std::make_unique<RearrangeKernel>(spec);
}

}  // namespace deepvis::reference
