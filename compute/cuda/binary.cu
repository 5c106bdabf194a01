// CUDA binary ops (compute/ops/binary.hpp) with numpy broadcasting. The index bookkeeping is planned once on the
// host (broadcast_plan.hpp: collapsed dims and strides). Forward: one thread per output element. Backward per
// operand: elementwise when it is not broadcast (a copy for Add); otherwise one warp per operand element sums its
// share over the broadcast dims (a gather: deterministic, no atomics), accumulating in double. Every op's signal
// comes from the shared formulas (binary_signal), so PRelu follows the backward mode there too.
#include "compute/cuda/broadcast_plan.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/binary.hpp"

#include <algorithm>

namespace deepvis::cuda {

namespace {

constexpr int kWarp = 32;

// BroadcastPlan in the form a kernel takes by value.
struct BroadcastIndex {
  int rank = 0;
  int dims[kMaxBroadcastRank] = {};
  int stride_x[kMaxBroadcastRank] = {};
  int stride_z[kMaxBroadcastRank] = {};
};

struct ReductionIndex {
  int kept = 0;
  int kept_dims[kMaxBroadcastRank] = {};
  int kept_out[kMaxBroadcastRank] = {};
  int kept_other[kMaxBroadcastRank] = {};
  int reduced = 0;
  int red_dims[kMaxBroadcastRank] = {};
  int red_out[kMaxBroadcastRank] = {};
  int red_other[kMaxBroadcastRank] = {};
  int count = 0;        // operand elements
  int per_element = 0;  // terms per element
};

void copy_ints(const std::vector<int64_t>& from, int* to, const std::string& where) {
  for (size_t i = 0; i < from.size(); ++i) to[i] = checked_int(from[i], where);
}

__device__ void operand_offsets(const BroadcastIndex& ix, int64_t i, int64_t& ox, int64_t& oz) {
  int64_t rest = i;
  ox = 0;
  oz = 0;
  for (int d = ix.rank - 1; d >= 0; --d) {
    const int c = static_cast<int>(rest % ix.dims[d]);
    rest /= ix.dims[d];
    ox += static_cast<int64_t>(c) * ix.stride_x[d];
    oz += static_cast<int64_t>(c) * ix.stride_z[d];
  }
}

// y[i] = a[.] op b[.], a and b read through their strides along the collapsed output dims.
__global__ void broadcast_combine(const float* a, const float* b, float* y, int64_t count, BroadcastIndex ix,
                                  OpKind kind) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    int64_t oa, ob;
    operand_offsets(ix, i, oa, ob);
    y[i] = binary_value<float>(kind, a[oa], b[ob]);
  }
}

// The signal to an operand that is not broadcast (laid out like the output).
__global__ void broadcast_signal(const float* a, const float* b, const float* g, float* grad, int64_t count,
                                 BroadcastIndex ix, OpKind kind, int operand, BackwardMode mode) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    int64_t oa, ob;
    operand_offsets(ix, i, oa, ob);
    grad[i] = binary_signal<float>(kind, operand, mode, a[oa], b[ob], g[i]);
  }
}

// One warp per element j of the operand `self`: grad[j] = the sum over the reduced dims of its signal.
__global__ void broadcast_reduce(const float* g, const float* self, const float* other, float* grad, ReductionIndex r,
                                 OpKind kind, int operand, BackwardMode mode) {
  const int64_t warp = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / kWarp;
  for (int64_t j = warp; j < r.count; j += warps) {
    int64_t rest = j;
    int64_t base_out = 0, base_other = 0;
    for (int d = r.kept - 1; d >= 0; --d) {
      const int c = static_cast<int>(rest % r.kept_dims[d]);
      rest /= r.kept_dims[d];
      base_out += static_cast<int64_t>(c) * r.kept_out[d];
      base_other += static_cast<int64_t>(c) * r.kept_other[d];
    }
    double sum = 0.0;
    for (int t = lane; t < r.per_element; t += kWarp) {
      int64_t trest = t;
      int64_t po = base_out, pp = base_other;
      for (int d = r.reduced - 1; d >= 0; --d) {
        const int c = static_cast<int>(trest % r.red_dims[d]);
        trest /= r.red_dims[d];
        po += static_cast<int64_t>(c) * r.red_out[d];
        pp += static_cast<int64_t>(c) * r.red_other[d];
      }
      const double vs = self[j];
      const double vo = other[pp];
      sum += binary_signal<double>(kind, operand, mode, operand == 0 ? vs : vo, operand == 0 ? vo : vs, g[po]);
    }
    for (int offset = kWarp / 2; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    if (lane == 0) grad[j] = static_cast<float>(sum);
  }
}

class BinaryKernel final : public Kernel {
 public:
  explicit BinaryKernel(const KernelSpec& spec)
      : where_(node_where(spec.node)), ctx_(CudaContext::instance()), kind_(spec.node.kind) {
    BroadcastPlan plan;
    try {
      plan = plan_broadcast(spec.input_dims.at(0), spec.input_dims.at(1), spec.output_dims);
    } catch (const Error& e) {
      throw Error(where_ + ": " + e.what());
    }
    total_ = checked_int(plan.total, where_);
    count_a_ = checked_int(numel(spec.input_dims[0]), where_);
    count_b_ = checked_int(numel(spec.input_dims[1]), where_);
    forward_.rank = static_cast<int>(plan.dims.size());
    copy_ints(plan.dims, forward_.dims, where_);
    copy_ints(plan.stride_a, forward_.stride_x, where_);
    copy_ints(plan.stride_b, forward_.stride_z, where_);
    for (int operand = 0; operand < 2; ++operand) {
      const ReductionPlan r = plan_reduction(plan, operand == 0);
      ReductionIndex& ri = reduce_[operand];
      ri.kept = static_cast<int>(r.kept_dims.size());
      copy_ints(r.kept_dims, ri.kept_dims, where_);
      copy_ints(r.kept_out, ri.kept_out, where_);
      copy_ints(r.kept_other, ri.kept_other, where_);
      ri.reduced = static_cast<int>(r.red_dims.size());
      copy_ints(r.red_dims, ri.red_dims, where_);
      copy_ints(r.red_out, ri.red_out, where_);
      copy_ints(r.red_other, ri.red_other, where_);
      ri.count = checked_int(r.count, where_);
      ri.per_element = checked_int(r.per_element, where_);
      full_[operand] = r.full;
    }
  }

  void forward(const ForwardArgs& args) override {
    if (total_ == 0) return;
    broadcast_combine<<<grid_for(total_), kBlock, 0, ctx_.stream()>>>(
        args.inputs.at(0)->data(), args.inputs.at(1)->data(), args.output->data(), total_, forward_, kind_);
    check_launch("broadcast_combine", where_);
  }

  void backward(const BackwardArgs& args) override {
    const float* operands[2] = {args.inputs.at(0)->data(), args.inputs.at(1)->data()};
    const float* g = args.grad_output->data();
    for (int operand = 0; operand < 2; ++operand) {
      Tensor* grad = args.grad_inputs.at(static_cast<size_t>(operand));
      if (grad == nullptr) continue;
      const int count = operand == 0 ? count_a_ : count_b_;
      if (total_ == 0) {  // an empty output: nothing flows back (the operand may still have elements)
        if (count > 0) {
          DEEPVIS_CUDA_CALL(where_, cudaMemsetAsync, grad->data(), 0, static_cast<std::size_t>(count) * sizeof(float),
                            ctx_.stream());
        }
        continue;
      }
      if (full_[operand]) {
        if (kind_ == OpKind::Add) {
          DEEPVIS_CUDA_CALL(where_, cudaMemcpyAsync, grad->data(), g, static_cast<std::size_t>(total_) * sizeof(float),
                            cudaMemcpyDeviceToDevice, ctx_.stream());
        } else {
          broadcast_signal<<<grid_for(total_), kBlock, 0, ctx_.stream()>>>(operands[0], operands[1], g, grad->data(),
                                                                           total_, forward_, kind_, operand, args.mode);
          check_launch("broadcast_signal", where_);
        }
        continue;
      }
      const ReductionIndex& r = reduce_[operand];
      const int64_t threads = static_cast<int64_t>(r.count) * kWarp;
      broadcast_reduce<<<grid_for(threads), kBlock, 0, ctx_.stream()>>>(g, operands[operand], operands[1 - operand],
                                                                        grad->data(), r, kind_, operand, args.mode);
      check_launch("broadcast_reduce", where_);
    }
  }

 private:
  std::string where_;
  CudaContext& ctx_;
  OpKind kind_;
  int total_ = 0, count_a_ = 0, count_b_ = 0;
  BroadcastIndex forward_;
  ReductionIndex reduce_[2];
  bool full_[2] = {true, true};
};

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) {
  if (!is_binary(spec.node.kind)) throw Error("cuda: " + node_where(spec.node) + " is not a binary op");
  if (spec.input_dims.size() != 2) throw Error("cuda: " + node_where(spec.node) + " needs two inputs");
  return std::make_unique<BinaryKernel>(spec);
}

}  // namespace deepvis::cuda
