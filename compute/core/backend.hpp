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
  std::vector<Tensor*> grad_inputs;   // per input; nullptr where no gradient is wanted. Kernels overwrite.
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
  virtual bool supports(const KernelSpec& spec) const = 0;
  // Throws deepvis::Error naming the node when it cannot build the kernel.
  virtual std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const = 0;
};

// The naive plain-loop implementation of every op: the test oracle, never used for speed.
std::shared_ptr<Backend> make_reference_backend();
// oneDNN with plain loops where oneDNN has nothing; multi-threaded.
std::shared_ptr<Backend> make_cpu_backend();

}  // namespace deepvis
