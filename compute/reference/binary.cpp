// Reference binary ops (compute/ops/binary.hpp) with numpy broadcasting: every output element finds its operands
// through per-dim strides that are zero where an operand is broadcast. Backward sums each operand's share back over
// the broadcast dims, in double.
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
      : kind_(spec.node.kind),
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
      y[i] = static_cast<float>(binary_value<double>(kind_, a[offset_a_[i]], b[offset_b_[i]]));
    }
  }

  void backward(const BackwardArgs& args) override {
    const float* a = args.inputs.at(0)->data();
    const float* b = args.inputs.at(1)->data();
    const float* g = args.grad_output->data();
    std::fill(sum_a_.begin(), sum_a_.end(), 0.0);
    std::fill(sum_b_.begin(), sum_b_.end(), 0.0);
    for (size_t i = 0; i < offset_a_.size(); ++i) {
      const double va = a[offset_a_[i]];
      const double vb = b[offset_b_[i]];
      sum_a_[static_cast<size_t>(offset_a_[i])] += binary_signal<double>(kind_, 0, args.mode, va, vb, g[i]);
      sum_b_[static_cast<size_t>(offset_b_[i])] += binary_signal<double>(kind_, 1, args.mode, va, vb, g[i]);
    }
    if (Tensor* ga = args.grad_inputs.at(0)) {
      for (size_t i = 0; i < sum_a_.size(); ++i) ga->at(static_cast<int64_t>(i)) = static_cast<float>(sum_a_[i]);
    }
    if (Tensor* gb = args.grad_inputs.at(1)) {
      for (size_t i = 0; i < sum_b_.size(); ++i) gb->at(static_cast<int64_t>(i)) = static_cast<float>(sum_b_[i]);
    }
  }

 private:
  OpKind kind_;
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
  if (!is_binary(spec.node.kind)) {
    throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                ") is not a binary op");
  }
  if (spec.input_dims.size() != 2) throw Error("reference: node '" + spec.node.name + "' needs two inputs");
  return std::make_unique<BinaryKernel>(spec);
}

}  // namespace deepvis::reference
