// CPU data movement: Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad. Copies of contiguous runs (memcpy) spread over
// OpenMP threads (Concat's backward adds instead where the Net asks); nothing here is worth a oneDNN primitive. Outputs
// never alias inputs: the Net owns separate buffers.
// Concat along channels is also right on channel-blocked data (compute/cpu/layout_plan.cpp says why).
#include "compute/ops/structure.hpp"

#include "compute/cpu/kernels.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace deepvis::cpu {

namespace {

constexpr int64_t kParallelFrom = 65536;  // elements
constexpr int kMaxRank = 16;

int64_t product(const Dims& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= dims[i];
  return p;
}

void copy_floats(float* dst, const float* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void add_floats(float* dst, const float* src, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

void parallel_copy(float* dst, const float* src, int64_t n) {
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for if (n > kParallelFrom)
  for (int64_t c = 0; c < chunks; ++c)
    copy_floats(dst + c * kChunk, src + c * kChunk, std::min(kChunk, n - c * kChunk));
}

class ConcatKernel final : public Kernel {
 public:
  explicit ConcatKernel(const KernelSpec& spec) {
    const auto axis = static_cast<size_t>(spec.node.params_as<ConcatParams>().axis);
    const Dims& out = spec.output_dims;
    outer_ = product(out, 0, axis);
    const int64_t inner = product(out, axis + 1, out.size());
    out_block_ = out.at(axis) * inner;
    int64_t offset = 0;
    for (const Dims& d : spec.input_dims) {
      blocks_.push_back(d.at(axis) * inner);
      offsets_.push_back(offset);
      offset += d[axis] * inner;
    }
    total_ = numel(out);
  }

  void forward(const ForwardArgs& args) override {
    float* y = args.output->data();
    const auto inputs = static_cast<int64_t>(blocks_.size());
    // One task per (outer index, input): a contiguous block of the input lands contiguously in the output.
#pragma omp parallel for collapse(2) if (total_ > kParallelFrom)
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inputs; ++i) {
        const auto s = static_cast<size_t>(i);
        copy_floats(y + o * out_block_ + offsets_[s], args.inputs[s]->data() + o * blocks_[s], blocks_[s]);
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    const float* g = args.grad_output->data();
    const auto inputs = static_cast<int64_t>(blocks_.size());
#pragma omp parallel for collapse(2) if (total_ > kParallelFrom)
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < inputs; ++i) {
        const auto s = static_cast<size_t>(i);
        Tensor* grad = args.grad_inputs[s];
        if (grad == nullptr) continue;
        float* dst = grad->data() + o * blocks_[s];
        const float* src = g + o * out_block_ + offsets_[s];
        if (args.adds_into(s)) {
          add_floats(dst, src, blocks_[s]);
        } else {
          copy_floats(dst, src, blocks_[s]);
        }
      }
    }
  }

  bool accumulates_into(size_t /*slot*/) const override {
    return true;
  }

 private:
  int64_t outer_ = 1;
  int64_t out_block_ = 0;
  int64_t total_ = 0;
  std::vector<int64_t> blocks_;   // per input: elements per outer index
  std::vector<int64_t> offsets_;  // per input: where its block starts inside the output's block
};

// Flatten, Reshape, Squeeze and Unsqueeze: the same elements in the same order under other dims.
class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(const KernelSpec& spec) : count_(numel(spec.output_dims)) {}

  void forward(const ForwardArgs& args) override {
    parallel_copy(args.output->data(), args.inputs.at(0)->data(), count_);
  }

  void backward(const BackwardArgs& args) override {
    if (Tensor* grad = args.grad_inputs.at(0)) parallel_copy(grad->data(), args.grad_output->data(), count_);
  }

 private:
  int64_t count_;
};

// Pad row by row along the innermost dim: each output row is either all padding or padding, a copied run of the
// matching input row, padding. Negative pads crop.
class PadKernel final : public Kernel {
 public:
  explicit PadKernel(const KernelSpec& spec) : value_(spec.node.params_as<PadParams>().value) {
    const PadParams& p = spec.node.params_as<PadParams>();
    const Dims& in = spec.input_dims.at(0);
    const Dims& out = spec.output_dims;
    if (in.size() > static_cast<size_t>(kMaxRank)) {
      throw Error("cpu: node '" + spec.node.name + "' has more dims than the Pad kernel handles");
    }
    rank_ = static_cast<int>(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      in_dims_[d] = in[d];
      out_dims_[d] = out[d];
      begin_[d] = p.pads_begin[d];
    }
    if (rank_ == 0) return;  // a scalar: one element, no pads
    const auto last = static_cast<size_t>(rank_ - 1);
    in_row_ = in[last];
    out_row_ = out[last];
    in_rows_ = product(in, 0, last);
    out_rows_ = product(out, 0, last);
    // The run of a row that maps between input and output, in output coordinates [lo, hi).
    lo_ = std::clamp<int64_t>(begin_[last], 0, out_row_);
    hi_ = std::clamp<int64_t>(begin_[last] + in_row_, lo_, out_row_);
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    if (rank_ == 0) {
      y[0] = x[0];
      return;
    }
    const auto last = static_cast<size_t>(rank_ - 1);
#pragma omp parallel for if (out_rows_ * out_row_ > kParallelFrom)
    for (int64_t row = 0; row < out_rows_; ++row) {
      float* py = y + row * out_row_;
      // The matching input row, if every leading coordinate falls inside the input.
      int64_t rest = row;
      int64_t src_row = 0;
      int64_t stride = 1;
      bool inside = true;
      for (size_t d = last; d-- > 0;) {
        const int64_t c = rest % out_dims_[d] - begin_[d];
        rest /= out_dims_[d];
        inside = inside && c >= 0 && c < in_dims_[d];
        src_row += c * stride;
        stride *= in_dims_[d];
      }
      if (!inside) {
        std::fill(py, py + out_row_, value_);
        continue;
      }
      std::fill(py, py + lo_, value_);
      copy_floats(py + lo_, x + src_row * in_row_ + (lo_ - begin_[last]), hi_ - lo_);
      std::fill(py + hi_, py + out_row_, value_);
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    if (rank_ == 0) {
      gx[0] = g[0];
      return;
    }
    const auto last = static_cast<size_t>(rank_ - 1);
    // The input run that reaches the output, in input coordinates.
    const int64_t in_lo = lo_ - begin_[last];
    const int64_t in_hi = hi_ - begin_[last];
#pragma omp parallel for if (in_rows_ * in_row_ > kParallelFrom)
    for (int64_t row = 0; row < in_rows_; ++row) {
      float* pg = gx + row * in_row_;
      int64_t rest = row;
      int64_t dst_row = 0;
      int64_t stride = 1;
      bool inside = true;
      for (size_t d = last; d-- > 0;) {
        const int64_t c = rest % in_dims_[d] + begin_[d];
        rest /= in_dims_[d];
        inside = inside && c >= 0 && c < out_dims_[d];
        dst_row += c * stride;
        stride *= out_dims_[d];
      }
      if (!inside || in_hi <= in_lo) {  // cropped away: no gradient reaches it
        std::fill(pg, pg + in_row_, 0.0f);
        continue;
      }
      std::fill(pg, pg + in_lo, 0.0f);
      copy_floats(pg + in_lo, g + dst_row * out_row_ + lo_, in_hi - in_lo);
      std::fill(pg + in_hi, pg + in_row_, 0.0f);
    }
  }

 private:
  float value_;
  int rank_ = 0;
  std::array<int64_t, kMaxRank> in_dims_{};
  std::array<int64_t, kMaxRank> out_dims_{};
  std::array<int64_t, kMaxRank> begin_{};
  int64_t in_row_ = 1;
  int64_t out_row_ = 1;
  int64_t in_rows_ = 1;
  int64_t out_rows_ = 1;
  int64_t lo_ = 0;
  int64_t hi_ = 0;
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
    default:
      throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a structure op");
  }
}

}  // namespace deepvis::cpu
