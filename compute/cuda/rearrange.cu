// CUDA rearrangements (compute/ops/rearrange.hpp): the source map and its inverse are built on the host once per
// kernel and uploaded. Forward: one thread per output element gathers its source. Backward: one thread per input
// element sums the signal of the outputs that read it (a gather: deterministic, no atomics), adding in place where
// the Net asks.
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/index_groups.hpp"
#include "compute/ops/rearrange.hpp"

namespace deepvis::cuda {

namespace {

__global__ void rearrange_forward(const float* x, float* y, const int64_t* sources, int64_t count, float fill) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int64_t s = sources[i];
    y[i] = s < 0 ? fill : x[s];
  }
}

__global__ void rearrange_backward(const float* g, float* gx, const int64_t* offsets, const int64_t* members,
                                   int64_t count, bool add) {
  DEEPVIS_FOR_EACH_INDEX(j, count) {
    float sum = add ? gx[j] : 0.0f;
    for (int64_t k = offsets[j]; k < offsets[j + 1]; ++k) sum += g[members[k]];
    gx[j] = sum;
  }
}

class RearrangeKernel final : public Kernel {
 public:
  explicit RearrangeKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const std::vector<int64_t> sources = rearrange_sources(spec.node, spec.input_dims.at(0), spec.output_dims);
    const IndexGroups readers = group_by_key(sources, numel(spec.input_dims[0]));
    outputs_ = static_cast<int64_t>(sources.size());
    inputs_ = numel(spec.input_dims[0]);
    sources_ = device_copy_of(sources, "the source map", where_);
    offsets_ = device_copy_of(readers.offsets, "the reader offsets", where_);
    members_ = device_copy_of(readers.members, "the reader map", where_);
    if (spec.node.kind == OpKind::Pad) fill_ = spec.node.params_as<PadParams>().value;
  }

  void forward(const ForwardArgs& args) override {
    if (outputs_ == 0) return;
    rearrange_forward<<<grid_for(outputs_), kBlock, 0, ctx_.stream()>>>(
        args.inputs.at(0)->data(), args.output->data(), static_cast<const int64_t*>(sources_.get()), outputs_, fill_);
    check_launch("rearrange_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr || inputs_ == 0) return;
    rearrange_backward<<<grid_for(inputs_), kBlock, 0, ctx_.stream()>>>(
        args.grad_output->data(), grad->data(), static_cast<const int64_t*>(offsets_.get()),
        static_cast<const int64_t*>(members_.get()), inputs_, args.adds_into(0));
    check_launch("rearrange_backward", where_);
  }

  bool accumulates_into(size_t /*slot*/) const override { return true; }

 private:
  std::string where_;
  CudaContext& ctx_;
  int64_t outputs_ = 0, inputs_ = 0;
  std::shared_ptr<void> sources_, offsets_, members_;  // int64 device arrays
  float fill_ = 0.0f;
};

}  // namespace

std::unique_ptr<Kernel> make_rearrange_kernel(const KernelSpec& spec) {
  if (!is_rearrange(spec.node)) throw Error("cuda: " + node_where(spec.node) + " is not a rearrangement");
  return std::make_unique<RearrangeKernel>(spec);
}

}  // namespace deepvis::cuda
