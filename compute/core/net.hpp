#pragma once
// The single graph type that runs: forward(input, up_to) and backward_from(blob, seed, mode).
// Buffers and kernels are planned once per batch size; a steady-state forward or backward allocates nothing.
#include "compute/core/backend.hpp"
#include "compute/core/graph.hpp"

#include <memory>
#include <string>
#include <vector>

namespace deepvis {

class Net;

// Plain host copies of values a backend keeps elsewhere (device memory, a blocked layout), one per blob, made on
// the first read after each change, so that reading a blob many times between runs copies it once.
class HostMirrors {
 public:
  void resize(size_t blobs);
  // Every mirror is stale: the values changed.
  void invalidate();
  // `value` itself when it is plain on the host; else blob `id`'s mirror, refreshed if stale.
  const Tensor& read(const Backend& backend, const Tensor& value, size_t id);

 private:
  std::vector<Tensor> copies_;
  std::vector<char> fresh_;
};

// The result of backward runs, owned by the caller, so that two views (say gradient and deconv) can coexist.
// Make one with Net::make_gradients() and reuse it: a backward into it allocates nothing.
class Gradients {
 public:
  // The signal at the network input, dims of the input blob, on the host (copied from a device backend).
  const Tensor& input() const { return at(input_blob_); }
  // The signal at any blob the last backward run reached (empty tensor elsewhere), on the host.
  const Tensor& at(int blob) const;
  // The same, where the backend keeps it (device memory on CUDA), for device-side consumers.
  const Tensor& device_at(int blob) const { return grads_.at(static_cast<size_t>(blob)); }

 private:
  friend class Net;
  std::shared_ptr<const Backend> backend_;
  mutable HostMirrors host_;                        // of the last backward run's results
  std::vector<Tensor> grads_;                       // per blob; empty for constants
  Tensor scratch_;                                  // a second contribution to a blob lands here before it is added
  std::vector<std::vector<Tensor>> scratch_views_;  // per node, per input slot: its slice of scratch_
  int input_blob_ = -1;
  int batch_ = 0;
};

// Per blob, the constants of a graph as a backend keeps them (device copies on CUDA), made once and shared by
// every Net over that graph, so that several Nets of one model hold its weights once. Empty for other blobs.
using ConstantValues = std::shared_ptr<const std::vector<Tensor>>;
ConstantValues upload_constants(const Graph& graph, const Backend& backend);

class Net {
 public:
  Net(Graph graph, std::shared_ptr<Backend> backend, int batch = 0);  // batch 0: the graph's own
  // The same over constants already uploaded (upload_constants of this graph and backend's device). The graph's
  // own constants (host values, which copies of a Graph share) stay what kernels are built from.
  Net(Graph graph, std::shared_ptr<Backend> backend, int batch, ConstantValues constants);
  ~Net();
  Net(Net&&) noexcept;
  Net& operator=(Net&&) noexcept;

  // Re-plans shapes, buffers and kernels for another batch size (dim 0 of the input).
  void set_batch(int batch);
  // Fusion, on by default, and every blob's value and gradient stays readable either way. Re-plans.
  //  - A kernel that can (Kernel::fuses_relu) also runs the Relu that alone reads its output, forward and backward.
  //  - At batch 1, a channel Concat whose inputs can be written straight into their slices of its output gets
  //    them there, and its own forward has nothing left to copy (DenseNet: a block's Concats share one buffer).
  void set_fusion(bool on);
  // How many Relu nodes run inside their producer's kernel; how many Concats have their inputs in place.
  int fused_relus() const;
  // The nodes the backend does not support, which run on its fallback backend (the CPU, for CUDA) on host copies.
  std::vector<std::string> host_fallback_nodes() const;
  int concats_in_place() const;
  int batch() const { return batch_; }

  const Graph& graph() const { return graph_; }
  std::string backend_name() const { return backend_->name(); }
  // A blob by its name, or a node's output by the node's name. Throws deepvis::Error naming it (and suggesting
  // close names) when there is none.
  int blob_id(const std::string& name) const;
  const Dims& input_dims() const { return graph_.blobs[static_cast<size_t>(graph_.input)].dims; }
  const Dims& blob_dims(int blob) const { return graph_.blobs.at(static_cast<size_t>(blob)).dims; }

  // Runs the nodes needed for `up_to` (default: every output). The input must have the input blob's dims.
  void forward(const Tensor& input, int up_to = -1);
  // The value of a blob from the last forward (constants always), on the host, plain NCHW (copied from a device
  // backend or a blocked layout once per forward, so hold the reference only until the next forward).
  const Tensor& blob(int id) const;
  // The same, where the backend keeps it (device memory on CUDA; maybe channel-blocked on the CPU).
  const Tensor& device_blob(int id) const;
  // Says that the values changed without forward(): work captured as a CUDA graph and replayed. The next blob()
  // copies again.
  void values_changed();
  // How the backend lays out a blob's value and gradient (compute/core/tensor.hpp).
  Layout blob_layout(int id) const;
  const Backend& backend() const { return *backend_; }

  // Per-node wall time, accumulated over forward and backward calls while enabled (for `deepvis bench
  // --profile`). Off by default; when off it costs nothing.
  void enable_profiling(bool on);
  const std::vector<double>& forward_ms() const { return forward_ms_; }
  const std::vector<double>& backward_ms() const { return backward_ms_; }

  Gradients make_gradients() const;
  // Flows `seed` (dims of `blob`) from `blob` back to the input. Needs a forward that reached `blob`.
  void backward_from(int blob, const Tensor& seed, BackwardMode mode, Gradients& out,
                     const BackwardOptions& options = {});
  // How many contributions of the last backward run went through scratch and a separate add (readers whose kernel
  // cannot accumulate in place); for tests and profiles.
  int scratch_adds() const;

 private:
  struct Plan;
  Graph graph_;
  std::shared_ptr<Backend> backend_;
  ConstantValues constants_;  // null: each Net uploads its own
  int batch_ = 0;
  int graph_batch_ = 1;
  void plan_relu_fusion(Plan& plan) const;
  void plan_concats_in_place(Plan& plan) const;
  std::unique_ptr<Plan> plan_;
  bool fusion_ = true;
  int forwarded_up_to_ = -1;  // node index reached by the last forward; -1 before any
  bool profiling_ = false;
  std::vector<double> forward_ms_, backward_ms_;
};

}  // namespace deepvis
