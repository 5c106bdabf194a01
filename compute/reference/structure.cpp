// Reference data movement: Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad (constant mode). Backward moves the
// gradient back the same way: Concat splits it (adding where the Net asks), Flatten/Reshape copy it, Pad crops it to
// the input region.
#include "compute/ops/structure.hpp"

#include "compute/reference/kernels.hpp"

#include <vector>

namespace deepvis::reference {

namespace {

int64_t product(const Dims& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= dims[i];
  return p;
}

class ConcatKernel final : public Kernel {
 public:
  explicit ConcatKernel(const KernelSpec& spec) {
    const auto axis = static_cast<size_t>(spec.node.params_as<ConcatParams>().axis);
    const Dims& out = spec.output_dims;
    outer_ = product(out, 0, axis);
    inner_ = product(out, axis + 1, out.size());
    out_extent_ = out.at(axis);
    int64_t offset = 0;
    for (const Dims& d : spec.input_dims) {
      extents_.push_back(d.at(axis));
      offsets_.push_back(offset);
      offset += d[axis];
    }
  }

  void forward(const ForwardArgs& args) override {
    float* y = args.output->data();
    for (size_t i = 0; i < extents_.size(); ++i) {
      const float* x = args.inputs.at(i)->data();
      const int64_t block = extents_[i] * inner_;
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t k = 0; k < block; ++k) y[(o * out_extent_ + offsets_[i]) * inner_ + k] = x[o * block + k];
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    const float* g = args.grad_output->data();
    for (size_t i = 0; i < extents_.size(); ++i) {
      Tensor* grad = args.grad_inputs.at(i);
      if (grad == nullptr) continue;
      float* gx = grad->data();
      const int64_t block = extents_[i] * inner_;
      const bool add = args.adds_into(i);
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t k = 0; k < block; ++k) {
          const float v = g[(o * out_extent_ + offsets_[i]) * inner_ + k];
          gx[o * block + k] = add ? gx[o * block + k] + v : v;
        }
      }
    }
  }

  bool accumulates_into(size_t /*slot*/) const override { return true; }

 private:
  int64_t outer_ = 1;
  int64_t inner_ = 1;
  int64_t out_extent_ = 0;
  std::vector<int64_t> extents_;  // per input, along the axis
  std::vector<int64_t> offsets_;  // per input, where it starts along the output's axis
};

// Flatten, Reshape, Squeeze and Unsqueeze: the same elements in the same order under other dims.
class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(const KernelSpec& spec) : count_(numel(spec.output_dims)) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t i = 0; i < count_; ++i) y[i] = x[i];
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    for (int64_t i = 0; i < count_; ++i) gx[i] = g[i];
  }

 private:
  int64_t count_;
};

class PadKernel final : public Kernel {
 public:
  explicit PadKernel(const KernelSpec& spec)
      : params_(spec.node.params_as<PadParams>()), in_dims_(spec.input_dims.at(0)), out_dims_(spec.output_dims) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const int64_t count = numel(out_dims_);
    for (int64_t i = 0; i < count; ++i) {
      // Decompose the output index; the input coordinate is shifted back by the leading pad.
      int64_t rest = i;
      int64_t src = 0;
      int64_t stride = 1;
      bool inside = true;
      for (size_t d = out_dims_.size(); d-- > 0;) {
        const int64_t c = rest % out_dims_[d] - params_.pads_begin[d];
        rest /= out_dims_[d];
        if (c < 0 || c >= in_dims_[d]) inside = false;
        src += c * stride;
        stride *= in_dims_[d];
      }
      y[i] = inside ? x[src] : params_.value;
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    const int64_t count = numel(in_dims_);
    for (int64_t i = 0; i < count; ++i) {
      // Input elements cropped away by a negative pad reach no output: their gradient is zero.
      int64_t rest = i;
      int64_t dst = 0;
      int64_t stride = 1;
      bool inside = true;
      for (size_t d = in_dims_.size(); d-- > 0;) {
        const int64_t c = rest % in_dims_[d] + params_.pads_begin[d];
        rest /= in_dims_[d];
        if (c < 0 || c >= out_dims_[d]) inside = false;
        dst += c * stride;
        stride *= out_dims_[d];
      }
      gx[i] = inside ? g[dst] : 0.0f;
    }
  }

 private:
  PadParams params_;
  Dims in_dims_;
  Dims out_dims_;
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
      throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a structure op");
  }
}

}  // namespace deepvis::reference
