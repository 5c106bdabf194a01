#pragma once
// A backend turns nodes into kernels. A kernel is created once per (node, dims), holds whatever it prepared
// (oneDNN primitives, cuDNN descriptors, workspaces), and is then run many times on the Net's buffers.
#include "compute/core/backward_mode.hpp"
#include "compute/core/graph.hpp"

#include <memory>
#include <string>
#include <vector>

namespace deepvis {

struct KernelSpec {
  const Node& node;
  std::vector<Dims> input_dims;
  Dims output_dims;
  std::vector<const Tensor*> constants;  // per input: the value when that input is a constant, else nullptr
};

struct ForwardArgs {
  std::vector<const Tensor*> inputs;
  Tensor* output = nullptr;
};

struct BackwardArgs {
  std::vector<const Tensor*> inputs;  // the forward inputs
  const Tensor* output = nullptr;     // the forward output
  const Tensor* grad_output = nullptr;
  std::vector<Tensor*> grad_inputs;  // per input; nullptr where no gradient is wanted. Kernels overwrite.
  BackwardMode mode = BackwardMode::Gradient;
  BackwardOptions options;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void forward(const ForwardArgs& args) = 0;
  // Gradient of the node's output w.r.t. its non-constant inputs, under the backward mode's rules.
  virtual void backward(const BackwardArgs& args) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // Where this backend's tensors live, and how the Net moves data. The defaults are the host's; a device backend
  // (CUDA) overrides all of them, and the Net never touches tensor memory except through these.
  virtual Device device() const { return Device::Cpu; }
  virtual Tensor allocate(const Dims& dims) const { return Tensor(dims); }
  // A constant (weights) as this backend keeps it; the host default shares the storage.
  virtual Tensor upload(const Tensor& host) const { return host; }
  // Copies between any two tensors of equal element count, each on the host or this backend's device.
  virtual void copy(const Tensor& src, Tensor& dst) const;
  virtual void add_into(Tensor& dst, const Tensor& src) const;  // dst += src, both on this backend
  virtual void fill(Tensor& t, float value) const;
  // Waits until queued device work is done (timing, reading results); a no-op on the host.
  virtual void synchronize() const {}
  virtual bool supports(const KernelSpec& spec) const = 0;
  // Throws deepvis::Error naming the node when it cannot build the kernel.
  virtual std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const = 0;
};

// The naive plain-loop implementation of every op: the test oracle, never used for speed.
std::shared_ptr<Backend> make_reference_backend();
// oneDNN with plain loops where oneDNN has nothing; multi-threaded.
std::shared_ptr<Backend> make_cpu_backend();

}  // namespace deepvis
