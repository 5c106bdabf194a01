// Reference Add and Mul with numpy broadcasting: every output element finds its operands through per-dim strides
// that are zero where an operand is broadcast. Backward sums each operand's share back over the broadcast dims.
#include "compute/ops/binary.hpp"

#include "compute/reference/kernels.hpp"

#include <algorithm>
#include <vector>

namespace deepvis::reference {

namespace {

// Element strides of `dims` aligned right to an output of `rank` dims; zero where the operand is broadcast.
std::vector<int64_t> broadcast_strides(const Dims& dims, const Dims& out) {
  const size_t rank = out.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < dims.size(); ++k) {
    const size_t d = dims.size() - 1 - k;
    const size_t o = rank - 1 - k;
    strides[o] = dims[d] == 1 ? 0 : stride;
    stride *= dims[d];
  }
  return strides;
}

class BinaryKernel final : public Kernel {
 public:
  explicit BinaryKernel(const KernelSpec& spec)
      : mul_(spec.node.kind == OpKind::Mul),
        out_dims_(spec.output_dims),
        stride_a_(broadcast_strides(spec.input_dims.at(0), out_dims_)),
        stride_b_(broadcast_strides(spec.input_dims.at(1), out_dims_)),
        offset_a_(static_cast<size_t>(numel(out_dims_))),
        offset_b_(offset_a_.size()),
        sum_a_(static_cast<size_t>(numel(spec.input_dims[0]))),
        sum_b_(static_cast<size_t>(numel(spec.input_dims[1]))) {
    // Where each output element reads a and b: computed once, by counting through the output index.
    std::vector<int64_t> index(out_dims_.size(), 0);
    for (size_t i = 0; i < offset_a_.size(); ++i) {
      int64_t a = 0;
      int64_t b = 0;
      for (size_t d = 0; d < index.size(); ++d) {
        a += index[d] * stride_a_[d];
        b += index[d] * stride_b_[d];
      }
      offset_a_[i] = a;
      offset_b_[i] = b;
      for (size_t d = index.size(); d-- > 0;) {
        if (++index[d] < out_dims_[d]) break;
        index[d] = 0;
      }
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* a = args.inputs.at(0)->data();
    const float* b = args.inputs.at(1)->data();
    float* y = args.output->data();
    for (size_t i = 0; i < offset_a_.size(); ++i) {
      const float va = a[offset_a_[i]];
      const float vb = b[offset_b_[i]];
      y[i] = mul_ ? va * vb : va + vb;
    }
  }

  void backward(const BackwardArgs& args) override {
    const float* a = args.inputs.at(0)->data();
    const float* b = args.inputs.at(1)->data();
    const float* g = args.grad_output->data();
    std::fill(sum_a_.begin(), sum_a_.end(), 0.0);
    std::fill(sum_b_.begin(), sum_b_.end(), 0.0);
    for (size_t i = 0; i < offset_a_.size(); ++i) {
      const double gi = g[i];
      sum_a_[static_cast<size_t>(offset_a_[i])] += mul_ ? gi * b[offset_b_[i]] : gi;
      sum_b_[static_cast<size_t>(offset_b_[i])] += mul_ ? gi * a[offset_a_[i]] : gi;
    }
    if (Tensor* ga = args.grad_inputs.at(0)) {
      for (size_t i = 0; i < sum_a_.size(); ++i) ga->at(static_cast<int64_t>(i)) = static_cast<float>(sum_a_[i]);
    }
    if (Tensor* gb = args.grad_inputs.at(1)) {
      for (size_t i = 0; i < sum_b_.size(); ++i) gb->at(static_cast<int64_t>(i)) = static_cast<float>(sum_b_[i]);
    }
  }

 private:
  bool mul_;
  Dims out_dims_;
  std::vector<int64_t> stride_a_;
  std::vector<int64_t> stride_b_;
  std::vector<int64_t> offset_a_;  // per output element
  std::vector<int64_t> offset_b_;
  std::vector<double> sum_a_;  // backward accumulators, sized once
  std::vector<double> sum_b_;
};

}  // namespace

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Add && spec.node.kind != OpKind::Mul) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a binary op");
  }
  if (spec.input_dims.size() != 2) throw Error("reference: node '" + spec.node.name + "' needs two inputs");
  return std::make_unique<BinaryKernel>(spec);
}

}  // namespace deepvis::reference
