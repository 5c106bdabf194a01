// CUDA reductions (compute/ops/reduce.hpp): the groups are built on the host once per kernel and uploaded. Forward:
// one thread per output reduces its group in double. Backward: one thread per output counts ReduceMax's ties, then
// one thread per input element applies reduce_partial; no atomics.
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/index_groups.hpp"
#include "compute/ops/reduce.hpp"

namespace deepvis::cuda {

namespace {

__global__ void reduce_forward(const float* x, float* y, const int64_t* offsets, const int64_t* members,
                               int64_t outputs, OpKind kind) {
  DEEPVIS_FOR_EACH_INDEX(o, outputs) {
    y[o] = static_cast<float>(reduce_group<double>(kind, x, members, offsets[o], offsets[o + 1]));
  }
}

__global__ void reduce_count_ties(const float* x, const float* y, const int64_t* offsets, const int64_t* members,
                                  int64_t* ties, int64_t outputs) {
  DEEPVIS_FOR_EACH_INDEX(o, outputs) ties[o] = reduce_ties(x, members, offsets[o], offsets[o + 1], y[o]);
}

__global__ void reduce_backward(const float* x, const float* y, const float* g, float* gx, const int64_t* owners,
                                const int64_t* offsets, const int64_t* ties, int64_t count, OpKind kind) {
  DEEPVIS_FOR_EACH_INDEX(j, count) {
    const int64_t o = owners[j];
    const int64_t t = kind == OpKind::ReduceMax ? ties[o] : 1;
    gx[j] = g[o] * reduce_partial<float>(kind, x[j], y[o], offsets[o + 1] - offsets[o], t);
  }
}

class ReduceKernel final : public Kernel {
 public:
  explicit ReduceKernel(const KernelSpec& spec)
      : where_(node_where(spec.node)), ctx_(CudaContext::instance()), kind_(spec.node.kind) {
    const std::vector<int64_t> owners = reduce_owners(spec.node.params_as<ReduceParams>(), spec.input_dims.at(0));
    const IndexGroups groups = group_by_key(owners, numel(spec.output_dims));
    inputs_ = static_cast<int64_t>(owners.size());
    outputs_ = numel(spec.output_dims);
    owners_ = device_copy_of(owners, "the reduction owners", where_);
    offsets_ = device_copy_of(groups.offsets, "the reduction offsets", where_);
    members_ = device_copy_of(groups.members, "the reduction groups", where_);
    ties_ = device_copy_of(std::vector<int64_t>(static_cast<size_t>(outputs_), 1), "the tie counts", where_);
  }

  void forward(const ForwardArgs& args) override {
    if (outputs_ == 0) return;
    reduce_forward<<<grid_for(outputs_), kBlock, 0, ctx_.stream()>>>(args.inputs.at(0)->data(), args.output->data(),
                                                                     offsets(), members(), outputs_, kind_);
    check_launch("reduce_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr || inputs_ == 0) return;
    const float* x = args.inputs.at(0)->data();
    const float* y = args.output->data();
    auto* ties = static_cast<int64_t*>(ties_.get());
    if (kind_ == OpKind::ReduceMax) {
      reduce_count_ties<<<grid_for(outputs_), kBlock, 0, ctx_.stream()>>>(x, y, offsets(), members(), ties, outputs_);
      check_launch("reduce_count_ties", where_);
    }
    reduce_backward<<<grid_for(inputs_), kBlock, 0, ctx_.stream()>>>(x, y, args.grad_output->data(), grad->data(),
                                                                     static_cast<const int64_t*>(owners_.get()),
                                                                     offsets(), ties, inputs_, kind_);
    check_launch("reduce_backward", where_);
  }

 private:
  const int64_t* offsets() const { return static_cast<const int64_t*>(offsets_.get()); }
  const int64_t* members() const { return static_cast<const int64_t*>(members_.get()); }

  std::string where_;
  CudaContext& ctx_;
  OpKind kind_;
  int64_t inputs_ = 0, outputs_ = 0;
  std::shared_ptr<void> owners_, offsets_, members_, ties_;  // int64 device arrays
};

}  // namespace

std::unique_ptr<Kernel> make_reduce_kernel(const KernelSpec& spec) {
  if (!is_reduce(spec.node.kind)) throw Error("cuda: " + node_where(spec.node) + " is not a reduction");
  return std::make_unique<ReduceKernel>(spec);
}

}  // namespace deepvis::cuda
