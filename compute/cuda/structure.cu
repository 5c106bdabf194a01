// CUDA data movement: Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad (constant mode). Concat is one launch for up to
// kConcatBatch inputs (one grid row per input: DenseNet concatenates dozens of inputs per layer, and a copy call
// per input cost more than the data), Flatten/Reshape one copy, Pad one thread per element. Backward moves the gradient
// back the same way: Concat splits it (adding in place where the Net asks), Pad crops it (zero for input elements that
// a negative pad cropped away).
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/structure.hpp"

#include <algorithm>
#include <vector>

namespace deepvis::cuda {

namespace {

constexpr int kMaxPadRank = 8;
constexpr int kConcatBatch = 32;

// Up to kConcatBatch inputs of one Concat launch, passed by value: the pointers change only when the plan does.
struct ConcatTable {
  float* part[kConcatBatch] = {};  // per input: its tensor (null: skip)
  bool add[kConcatBatch] = {};     // per input, backward only: add to the part instead of overwriting it
  int64_t block[kConcatBatch] = {};
  int64_t offset[kConcatBatch] = {};
  int64_t outer = 0, out_block = 0;
};

// to_parts false: whole[o, offset_j + r] = part_j[o, r] (forward); true: the reverse (backward), or += where
// t.add[j].
__global__ void concat_kernel(ConcatTable t, float* whole, bool to_parts) {
  const int j = static_cast<int>(blockIdx.y);
  float* part = t.part[j];
  if (part == nullptr) return;
  const int64_t block = t.block[j];
  DEEPVIS_FOR_EACH_INDEX(e, t.outer * block) {
    const int64_t at = (e / block) * t.out_block + t.offset[j] + e % block;
    if (to_parts) {
      part[e] = t.add[j] ? part[e] + whole[at] : whole[at];
    } else {
      whole[at] = part[e];
    }
  }
}

int64_t product(const Dims& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= dims[i];
  return p;
}

class ConcatKernel final : public Kernel {
 public:
  explicit ConcatKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const auto axis = static_cast<size_t>(spec.node.params_as<ConcatParams>().axis);
    const Dims& out = spec.output_dims;
    if (axis >= out.size()) throw Error(where_ + ": Concat axis out of range for " + to_string(out));
    outer_ = product(out, 0, axis);
    const int64_t inner = product(out, axis + 1, out.size());
    out_block_ = out[axis] * inner;
    int64_t offset = 0;
    for (const Dims& d : spec.input_dims) {
      blocks_.push_back(d.at(axis) * inner);
      offsets_.push_back(offset);
      offset += d[axis] * inner;
    }
  }

  void forward(const ForwardArgs& args) override {
    run(args.output->data(), nullptr, [&](size_t i) { return const_cast<float*>(args.inputs[i]->data()); });
  }

  void backward(const BackwardArgs& args) override {
    run(const_cast<float*>(args.grad_output->data()), &args, [&](size_t i) {
      Tensor* grad = args.grad_inputs.at(i);
      return grad ? grad->data() : nullptr;
    });
  }

  bool accumulates_into(size_t /*slot*/) const override { return true; }

 private:
  // backward null: forward (parts into whole); else the gradient's split (whole into parts).
  template <class PartOf>
  void run(float* whole, const BackwardArgs* backward, PartOf part_of) {
    if (outer_ == 0) return;
    for (size_t first = 0; first < blocks_.size(); first += kConcatBatch) {
      ConcatTable t;
      t.outer = outer_;
      t.out_block = out_block_;
      int64_t largest = 0;
      const size_t count = std::min<size_t>(kConcatBatch, blocks_.size() - first);
      for (size_t j = 0; j < count; ++j) {
        t.part[j] = blocks_[first + j] > 0 ? part_of(first + j) : nullptr;
        t.add[j] = backward != nullptr && backward->adds_into(first + j);
        t.block[j] = std::max<int64_t>(blocks_[first + j], 1);
        t.offset[j] = offsets_[first + j];
        largest = std::max(largest, blocks_[first + j]);
      }
      const dim3 grid(static_cast<unsigned>(grid_for(outer_ * largest)), static_cast<unsigned>(count));
      concat_kernel<<<grid, kBlock, 0, ctx_.stream()>>>(t, whole, backward != nullptr);
      check_launch("concat_kernel", where_);
    }
  }

  std::string where_;
  CudaContext& ctx_;
  int64_t outer_ = 1;
  int64_t out_block_ = 0;
  std::vector<int64_t> blocks_;   // per input: elements per outer index
  std::vector<int64_t> offsets_;  // per input: where its block starts inside the output's block
};

// Flatten, Reshape, Squeeze and Unsqueeze: the same elements in the same order under other dims.
class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(const KernelSpec& spec)
      : where_(node_where(spec.node)), ctx_(CudaContext::instance()), count_(numel(spec.output_dims)) {}

  void forward(const ForwardArgs& args) override { copy(args.inputs.at(0)->data(), args.output->data()); }

  void backward(const BackwardArgs& args) override {
    if (Tensor* grad = args.grad_inputs.at(0)) copy(args.grad_output->data(), grad->data());
  }

 private:
  void copy(const float* from, float* to) const {
    if (count_ == 0) return;
    DEEPVIS_CUDA_CALL(where_, cudaMemcpyAsync, to, from, static_cast<std::size_t>(count_) * sizeof(float),
                      cudaMemcpyDeviceToDevice, ctx_.stream());
  }

  std::string where_;
  CudaContext& ctx_;
  int64_t count_;
};

struct PadIndex {
  int rank = 0;
  int in_dims[kMaxPadRank] = {};
  int out_dims[kMaxPadRank] = {};
  int begin[kMaxPadRank] = {};  // may be negative (a crop)
  float value = 0.0f;
};

__global__ void pad_forward(const float* x, float* y, int64_t count, PadIndex p) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    int64_t rest = i, src = 0, stride = 1;
    bool inside = true;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t c = rest % p.out_dims[d] - p.begin[d];
      rest /= p.out_dims[d];
      inside = inside && c >= 0 && c < p.in_dims[d];
      src += c * stride;
      stride *= p.in_dims[d];
    }
    y[i] = inside ? x[src] : p.value;
  }
}

__global__ void pad_backward(const float* g, float* gx, int64_t count, PadIndex p) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    int64_t rest = i, dst = 0, stride = 1;
    bool inside = true;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t c = rest % p.in_dims[d] + p.begin[d];
      rest /= p.in_dims[d];
      inside = inside && c >= 0 && c < p.out_dims[d];
      dst += c * stride;
      stride *= p.out_dims[d];
    }
    gx[i] = inside ? g[dst] : 0.0f;
  }
}

class PadKernel final : public Kernel {
 public:
  explicit PadKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const PadParams& params = spec.node.params_as<PadParams>();
    const Dims& in = spec.input_dims.at(0);
    const Dims& out = spec.output_dims;
    if (in.size() > static_cast<size_t>(kMaxPadRank)) {
      throw Error(where_ + ": more dims than the CUDA Pad kernel handles (" + std::to_string(kMaxPadRank) + ")");
    }
    p_.rank = static_cast<int>(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      p_.in_dims[d] = checked_int(in[d], where_);
      p_.out_dims[d] = checked_int(out[d], where_);
      p_.begin[d] = static_cast<int>(params.pads_begin.at(d));
    }
    p_.value = params.value;
    in_count_ = checked_int(numel(in), where_);
    out_count_ = checked_int(numel(out), where_);
  }

  void forward(const ForwardArgs& args) override {
    if (out_count_ == 0) return;
    pad_forward<<<grid_for(out_count_), kBlock, 0, ctx_.stream()>>>(args.inputs.at(0)->data(), args.output->data(),
                                                                    out_count_, p_);
    check_launch("pad_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr || in_count_ == 0) return;
    pad_backward<<<grid_for(in_count_), kBlock, 0, ctx_.stream()>>>(args.grad_output->data(), grad->data(), in_count_,
                                                                    p_);
    check_launch("pad_backward", where_);
  }

 private:
  std::string where_;
  CudaContext& ctx_;
  PadIndex p_;
  int64_t in_count_ = 0, out_count_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_structure_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Concat: return std::make_unique<ConcatKernel>(spec);
    case OpKind::Flatten:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze: return std::make_unique<CopyKernel>(spec);
    case OpKind::Pad: return std::make_unique<PadKernel>(spec);
    default: throw Error("cuda: " + node_where(spec.node) + " is not a structure op");
  }
}

}  // namespace deepvis::cuda
