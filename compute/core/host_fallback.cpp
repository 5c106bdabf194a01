#include "compute/core/host_fallback.hpp"

#include "compute/core/error.hpp"

#include <vector>

namespace deepvis {

namespace {

class HostFallbackKernel final : public Kernel {
 public:
  HostFallbackKernel(const KernelSpec& spec, const Backend& device, std::shared_ptr<const Backend> host)
      : device_(device), host_(std::move(host)) {
    for (size_t k = 0; k < spec.input_dims.size(); ++k) {
      if (spec.input_layout(k) != Layout::Plain || spec.output_layout != Layout::Plain) {
        throw Error("node '" + spec.node.name + "': a host fallback needs plain layouts");
      }
    }
    kernel_ = host_->make_kernel(spec);
    for (size_t k = 0; k < spec.input_dims.size(); ++k) {
      const Tensor* constant = spec.constants.size() > k ? spec.constants[k] : nullptr;
      constants_.push_back(constant);
      inputs_.push_back(constant ? Tensor() : host_->allocate(spec.input_dims[k]));
      grad_inputs_.push_back(constant ? Tensor() : host_->allocate(spec.input_dims[k]));
    }
    output_ = host_->allocate(spec.output_dims);
    grad_output_ = host_->allocate(spec.output_dims);
  }

  void forward(const ForwardArgs& args) override {
    ForwardArgs host;
    host.inputs = stage_inputs(args.inputs);
    host.output = &output_;
    kernel_->forward(host);
    device_.copy(output_, *args.output);
  }

  void backward(const BackwardArgs& args) override {
    BackwardArgs host;
    host.inputs = stage_inputs(args.inputs);
    device_.copy(*args.output, output_);
    host.output = &output_;
    device_.copy(*args.grad_output, grad_output_);
    host.grad_output = &grad_output_;
    host.grad_inputs.assign(args.grad_inputs.size(), nullptr);
    for (size_t k = 0; k < args.grad_inputs.size(); ++k) {
      if (args.grad_inputs[k] != nullptr && constants_[k] == nullptr) host.grad_inputs[k] = &grad_inputs_[k];
    }
    host.accumulate.assign(args.grad_inputs.size(), 0);
    host.mode = args.mode;
    host.options = args.options;
    kernel_->backward(host);
    for (size_t k = 0; k < args.grad_inputs.size(); ++k) {
      if (host.grad_inputs[k] != nullptr) device_.copy(grad_inputs_[k], *args.grad_inputs[k]);
    }
  }

 private:
  // Host copies of the node's inputs (constants are on the host already: the graph's own values).
  std::vector<const Tensor*> stage_inputs(const std::vector<const Tensor*>& device_inputs) {
    std::vector<const Tensor*> staged(device_inputs.size());
    for (size_t k = 0; k < device_inputs.size(); ++k) {
      if (constants_[k] != nullptr) {
        staged[k] = constants_[k];
      } else {
        device_.copy(*device_inputs[k], inputs_[k]);
        staged[k] = &inputs_[k];
      }
    }
    return staged;
  }

  const Backend& device_;
  std::shared_ptr<const Backend> host_;
  std::unique_ptr<Kernel> kernel_;
  std::vector<const Tensor*> constants_;
  std::vector<Tensor> inputs_, grad_inputs_;
  Tensor output_, grad_output_;
};

}  // namespace

std::unique_ptr<Kernel> make_host_fallback_kernel(const KernelSpec& spec, const Backend& device,
                                                  std::shared_ptr<const Backend> host) {
  if (!host) throw Error("node '" + spec.node.name + "': no fallback backend");
  return std::make_unique<HostFallbackKernel>(spec, device, std::move(host));
}

}  // namespace deepvis
