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
  // Per input and for the output: the memory layout the Net keeps that blob (and its gradient) in. Empty: all
  // plain. Only a backend whose plan_layouts asks for blocked layouts ever sees anything else.
  std::vector<Layout> input_layouts;
  Layout output_layout = Layout::Plain;

  Layout input_layout(size_t slot) const { return slot < input_layouts.size() ? input_layouts[slot] : Layout::Plain; }
};

struct ForwardArgs {
  std::vector<const Tensor*> inputs;
  Tensor* output = nullptr;
  // Set only for a kernel that fuses_relu(), when a Relu is the sole reader of its output: also write
  // max(output, 0) here, the Relu's output (the Relu's own kernel then does not run).
  Tensor* relu_output = nullptr;
};

struct BackwardArgs {
  std::vector<const Tensor*> inputs;  // the forward inputs
  const Tensor* output = nullptr;     // the forward output
  const Tensor* grad_output = nullptr;
  std::vector<Tensor*> grad_inputs;  // per input; nullptr where no gradient is wanted. Kernels overwrite...
  // ...except where accumulate[slot] is set: then the kernel adds its contribution to what grad_inputs[slot]
  // holds. The Net sets it only for slots whose kernel says accumulates_into(slot).
  std::vector<char> accumulate;

  // Set only with ForwardArgs::relu_output: grad_output is then the gradient at that Relu's output. The kernel runs
  // the Relu's backward first, in `mode`, keeping the Relu's input gradient (this node's output gradient) here, so
  // that intermediate gradients stay readable, then its own backward from there.
  Tensor* pre_relu_grad = nullptr;

  bool adds_into(size_t slot) const { return slot < accumulate.size() && accumulate[slot] != 0; }
  BackwardMode mode = BackwardMode::Gradient;
  BackwardOptions options;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void forward(const ForwardArgs& args) = 0;
  // Gradient of the node's output w.r.t. its non-constant inputs, under the backward mode's rules.
  virtual void backward(const BackwardArgs& args) = 0;
  // Whether backward honours accumulate[slot]. A blob read by several nodes (DenseNet's features feed every
  // later Concat of their block) collects one contribution per reader: a kernel that adds in place spares the
  // Net a scratch write and a separate add per extra reader (hundreds of launches per DenseNet step on the GPU).
  virtual bool accumulates_into(size_t /*slot*/) const { return false; }
  // Whether this kernel can run a following Relu too (ForwardArgs::relu_output, BackwardArgs::pre_relu_grad):
  // one pass over memory and one launch instead of two each way (DenseNet has 62 BatchNorm-Relu pairs).
  virtual bool fuses_relu() const { return false; }
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
  // Copies between any two tensors of equal element count, each on the host or this backend's device; on the host,
  // between layouts too (same dims then).
  virtual void copy(const Tensor& src, Tensor& dst) const;
  virtual void add_into(Tensor& dst, const Tensor& src) const;  // dst += src, both on this backend
  virtual void fill(Tensor& t, float value) const;
  // Waits until queued device work is done (timing, reading results); a no-op on the host.
  virtual void synchronize() const {}
  // The layout of every blob of `graph` (its dims inferred), which the Net allocates values and gradients in and
  // passes to make_kernel. The default: all plain.
  virtual std::vector<Layout> plan_layouts(const Graph& graph) const;
  // Whether make_kernel can build this node's kernel. It tells the truth: the Net asks before building.
  virtual bool supports(const KernelSpec& spec) const = 0;
  // Where a node goes that this backend does not support: a host backend whose kernel the Net runs on host copies
  // of the node's inputs and outputs (compute/core/host_fallback.hpp). Null: there is none, and such a node is an
  // error. The CUDA backend falls back to the CPU backend.
  virtual std::shared_ptr<const Backend> fallback() const { return nullptr; }
  // Throws deepvis::Error naming the node when it cannot build the kernel.
  virtual std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const = 0;
};

// The naive plain-loop implementation of every op: the test oracle, never used for speed.
std::shared_ptr<Backend> make_reference_backend();
// oneDNN with plain loops where oneDNN has nothing; multi-threaded. Activations between convolutions are kept in
// the channel-blocked layout this CPU's oneDNN prefers (compute/cpu/layout_plan.hpp).
std::shared_ptr<Backend> make_cpu_backend();
// The same with a chosen blocked layout (Plain: none), for tests and timing.
std::shared_ptr<Backend> make_cpu_backend(Layout blocked);

}  // namespace deepvis
