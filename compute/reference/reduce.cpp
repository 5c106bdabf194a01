// Reference reductions (compute/ops/reduce.hpp), in double: each output reduces its group of inputs; the backward
// gives each input its output's signal times reduce_partial.
#include "compute/ops/reduce.hpp"
#include "compute/ops/index_groups.hpp"
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

namespace {

class ReduceKernel final : public Kernel {
 public:
  explicit ReduceKernel(const KernelSpec& spec)
      : kind_(spec.node.kind),
        owners_(reduce_owners(spec.node.params_as<ReduceParams>(), spec.input_dims.at(0))),
        groups_(group_by_key(owners_, numel(spec.output_dims))),
        ties_(groups_.offsets.size() - 1, 1) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (size_t o = 0; o + 1 < groups_.offsets.size(); ++o) {
      y[o] = static_cast<float>(
          reduce_group<double>(kind_, x, groups_.members.data(), groups_.offsets[o], groups_.offsets[o + 1]));
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    // Counted once per output: per input, a wide ReduceMax (4096 values) took seconds.
    for (size_t o = 0; kind_ == OpKind::ReduceMax && o < ties_.size(); ++o) {
      ties_[o] = reduce_ties(x, groups_.members.data(), groups_.offsets[o], groups_.offsets[o + 1], y[o]);
    }
    for (size_t j = 0; j < owners_.size(); ++j) {
      const auto o = static_cast<size_t>(owners_[j]);
      const int64_t count = groups_.offsets[o + 1] - groups_.offsets[o];
      gx[j] =
          static_cast<float>(static_cast<double>(g[o]) * reduce_partial<double>(kind_, x[j], y[o], count, ties_[o]));
    }
  }

 private:
  OpKind kind_;
  std::vector<int64_t> owners_;
  IndexGroups groups_;         // per output, the inputs it reduces
  std::vector<int64_t> ties_;  // per output: how many of its inputs equal it (ReduceMax; 1 otherwise)
};

}  // namespace

std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec) {
  if (!is_reduce(spec.node.kind)) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a reduction");
  }
  return std::make_unique<ReduceKernel>(spec);
}

}  // namespace deepvis::reference
