// CPU reductions (compute/ops/reduce.hpp): one task per output reduces its group of inputs (accumulating in double);
// the backward counts ReduceMax's ties once per output, then makes one elementwise pass over the input. Both run
// over OpenMP threads.
#include "compute/ops/reduce.hpp"
#include "compute/ops/index_groups.hpp"

#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

namespace {

constexpr int64_t kParallelFrom = 32768;  // input elements

class ReduceKernel final : public Kernel {
 public:
  explicit ReduceKernel(const KernelSpec& spec)
      : kind_(spec.node.kind),
        owners_(reduce_owners(spec.node.params_as<ReduceParams>(), spec.input_dims.at(0))),
        groups_(group_by_key(owners_, numel(spec.output_dims))),
        ties_(static_cast<size_t>(numel(spec.output_dims)), 1) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const auto outputs = static_cast<int64_t>(ties_.size());
    const int64_t* offsets = groups_.offsets.data();
    const int64_t* members = groups_.members.data();
    const OpKind kind = kind_;
#pragma omp parallel for if (static_cast <int64_t>(owners_.size()) > kParallelFrom)
    for (int64_t o = 0; o < outputs; ++o) {
      y[o] = static_cast<float>(reduce_group<double>(kind, x, members, offsets[o], offsets[o + 1]));
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    const int64_t* offsets = groups_.offsets.data();
    const int64_t* members = groups_.members.data();
    const int64_t* owners = owners_.data();
    int64_t* ties = ties_.data();
    const auto outputs = static_cast<int64_t>(ties_.size());
    const auto count = static_cast<int64_t>(owners_.size());
    const OpKind kind = kind_;
    const bool parallel = count > kParallelFrom;
    if (kind == OpKind::ReduceMax) {
#pragma omp parallel for if (parallel)
      for (int64_t o = 0; o < outputs; ++o) ties[o] = reduce_ties(x, members, offsets[o], offsets[o + 1], y[o]);
    }
#pragma omp parallel for if (parallel)
    for (int64_t j = 0; j < count; ++j) {
      const int64_t o = owners[j];
      gx[j] = g[o] * reduce_partial<float>(kind, x[j], y[o], offsets[o + 1] - offsets[o], ties[o]);
    }
  }

 private:
  OpKind kind_;
  std::vector<int64_t> owners_;
  IndexGroups groups_;         // per output, the inputs it reduces
  std::vector<int64_t> ties_;  // ReduceMax: per output, how many inputs equal it
};

}  // namespace

std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec) {
  if (!is_reduce(spec.node.kind)) {
    throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) + ") is not a reduction");
  }
  return std::make_unique<ReduceKernel>(spec);
}

}  // namespace deepvis::cpu
