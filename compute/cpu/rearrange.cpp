// CPU rearrangements (compute/ops/rearrange.hpp): the source map and its inverse are built once per kernel; forward
// is a gather over the output and backward a gather over the input (the sum of its readers' signals), both spread
// over OpenMP threads with no two threads writing one element. Backward adds in place where the Net asks.
#include "compute/ops/rearrange.hpp"
#include "compute/ops/index_groups.hpp"

#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

namespace {

constexpr int64_t kParallelFrom = 32768;  // elements

class RearrangeKernel final : public Kernel {
 public:
  explicit RearrangeKernel(const KernelSpec& spec)
      : sources_(rearrange_sources(spec.node, spec.input_dims.at(0), spec.output_dims)),
        readers_(group_by_key(sources_, numel(spec.input_dims[0]))),
        fill_(spec.node.kind == OpKind::Pad ? spec.node.params_as<PadParams>().value : 0.0f) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const auto count = static_cast<int64_t>(sources_.size());
    const int64_t* src = sources_.data();
    const float fill = fill_;
#pragma omp parallel for if (count > kParallelFrom)
    for (int64_t i = 0; i < count; ++i) y[i] = src[i] < 0 ? fill : x[src[i]];
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    const bool add = args.adds_into(0);
    const auto count = static_cast<int64_t>(readers_.offsets.size()) - 1;
    const int64_t* offsets = readers_.offsets.data();
    const int64_t* members = readers_.members.data();
#pragma omp parallel for if (count > kParallelFrom)
    for (int64_t j = 0; j < count; ++j) {
      float sum = add ? gx[j] : 0.0f;
      for (int64_t k = offsets[j]; k < offsets[j + 1]; ++k) sum += g[members[k]];
      gx[j] = sum;
    }
  }

  bool accumulates_into(size_t /*slot*/) const override {
    return true;
  }

 private:
  std::vector<int64_t> sources_;
  IndexGroups readers_;
  float fill_;
};

}  // namespace

std::unique_ptr<Kernel> make_rearrange_kernel(const KernelSpec& spec) {
  if (!is_rearrange(spec.node)) {
    throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a rearrangement");
  }
  return std::make_unique<RearrangeKernel>(spec);
}

}  // namespace deepvis::cpu
