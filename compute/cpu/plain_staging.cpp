// with_plain_staging: runs a kernel written for plain NCHW data on blobs the Net keeps channel-blocked, by
// converting each blocked input, output and gradient through a plain copy made once per kernel. It costs the
// reorders that blocking saves elsewhere, so the layout planner keeps blocked blobs away from such kernels; this
// is the safety net for the cases decided later (oneDNN refusing a pooling shape it was planned for).
#include "compute/core/layout.hpp"
#include "compute/cpu/kernels.hpp"

#include <utility>

namespace deepvis::cpu {

namespace {

class PlainStaging final : public Kernel {
 public:
  PlainStaging(const KernelSpec& spec, std::unique_ptr<Kernel> plain) : plain_(std::move(plain)) {
    const size_t n = spec.input_dims.size();
    staged_inputs_.resize(n);
    staged_grads_.resize(n);
    for (size_t s = 0; s < n; ++s) {
      if (spec.input_layout(s) == Layout::Plain || spec.constants[s]) continue;
      staged_inputs_[s] = Tensor(spec.input_dims[s]);
      staged_grads_[s] = Tensor(spec.input_dims[s]);
    }
    if (spec.output_layout != Layout::Plain) {
      staged_output_ = Tensor(spec.output_dims);
      staged_grad_output_ = Tensor(spec.output_dims);
    }
    forward_.inputs.resize(n);
    backward_.inputs.resize(n);
    backward_.grad_inputs.resize(n);
  }

  void forward(const ForwardArgs& args) override {
    for (size_t s = 0; s < args.inputs.size(); ++s) {
      forward_.inputs[s] = args.inputs[s];
      if (staged_inputs_[s].empty()) continue;
      convert_layout(*args.inputs[s], staged_inputs_[s]);
      forward_.inputs[s] = &staged_inputs_[s];
    }
    forward_.output = staged_output_.empty() ? args.output : &staged_output_;
    plain_->forward(forward_);
    if (!staged_output_.empty()) convert_layout(staged_output_, *args.output);
  }

  // The forward inputs and output are the plain copies the last forward made.
  void backward(const BackwardArgs& args) override {
    backward_.mode = args.mode;
    backward_.options = args.options;
    for (size_t s = 0; s < args.inputs.size(); ++s) {
      const bool staged = !staged_inputs_[s].empty();
      backward_.inputs[s] = staged ? &staged_inputs_[s] : args.inputs[s];
      backward_.grad_inputs[s] = staged && args.grad_inputs[s] ? &staged_grads_[s] : args.grad_inputs[s];
    }
    backward_.output = staged_output_.empty() ? args.output : &staged_output_;
    backward_.grad_output = args.grad_output;
    if (!staged_grad_output_.empty()) {
      convert_layout(*args.grad_output, staged_grad_output_);
      backward_.grad_output = &staged_grad_output_;
    }
    plain_->backward(backward_);
    for (size_t s = 0; s < args.inputs.size(); ++s) {
      if (backward_.grad_inputs[s] == &staged_grads_[s]) convert_layout(staged_grads_[s], *args.grad_inputs[s]);
    }
  }

 private:
  std::unique_ptr<Kernel> plain_;
  std::vector<Tensor> staged_inputs_, staged_grads_;  // per input slot; empty where the blob is plain
  Tensor staged_output_, staged_grad_output_;
  ForwardArgs forward_;
  BackwardArgs backward_;
};

}  // namespace

std::unique_ptr<Kernel> with_plain_staging(const KernelSpec& spec, std::unique_ptr<Kernel> plain) {
  bool blocked = spec.output_layout != Layout::Plain;
  for (size_t s = 0; s < spec.input_dims.size(); ++s) blocked = blocked || spec.input_layout(s) != Layout::Plain;
  if (!blocked) return plain;
  return std::make_unique<PlainStaging>(spec, std::move(plain));
}

}  // namespace deepvis::cpu
