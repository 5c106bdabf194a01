#include "compute/core/net.hpp"

#include "compute/core/error.hpp"
#include "compute/core/host_fallback.hpp"

#include <algorithm>
#include <chrono>

namespace deepvis {

void HostMirrors::resize(size_t blobs) {
  copies_.assign(blobs, Tensor());
  fresh_.assign(blobs, 0);
}

void HostMirrors::invalidate() {
  std::fill(fresh_.begin(), fresh_.end(), 0);
}

const Tensor& HostMirrors::read(const Backend& backend, const Tensor& value, size_t id) {
  if (value.empty() || (value.device() == Device::Cpu && value.layout() == Layout::Plain)) return value;
  Tensor& copy = copies_.at(id);
  if (copy.empty()) copy = Tensor(value.dims());
  if (!fresh_[id]) backend.copy(value, copy);
  fresh_[id] = 1;
  return copy;
}

namespace {
// A blob's gradient during one backward run: no contribution yet; a contribution from the node now running
// (overwritten or accumulated; another slot of the same node must not touch it in place); from earlier nodes.
constexpr char kUnwritten = 0, kWrittenBefore = 1, kWrittenHere = 2;
}  // namespace

struct Net::Plan {
  std::vector<Tensor> values;                    // per blob: activations, or the constant's value
  std::vector<Layout> layouts;                   // per blob: how values (and gradients) are laid out
  std::vector<std::unique_ptr<Kernel>> kernels;  // per node
  std::vector<ForwardArgs> forward_args;         // per node, pointing into `values`
  std::vector<int> producer;                     // per blob: producing node, -1 for input and constants
  std::vector<std::vector<char>> ancestors;      // per target blob, lazily: which nodes it depends on
  std::vector<char> written;                     // per blob, during one backward run: kUnwritten etc.
  int scratch_adds = 0;                          // in the last backward run
  std::vector<BackwardArgs> backward_args;       // per node, reused
  std::vector<int> fused_relu;                   // per node: the Relu node its kernel runs too, or -1
  std::vector<int> fused_into;                   // per node: for such a Relu, the node that runs it, or -1
  std::vector<char> in_place;                    // per node: a Concat whose inputs already lie in its output
  std::vector<char> on_host;                     // per node: runs on the backend's fallback (host_fallback.hpp)
  int64_t scratch_size = 0;
  HostMirrors host_mirrors;  // of the last forward's values
};

ConstantValues upload_constants(const Graph& graph, const Backend& backend) {
  auto values = std::make_shared<std::vector<Tensor>>(graph.blobs.size());
  for (size_t b = 0; b < graph.blobs.size(); ++b) {
    if (graph.blobs[b].constant) (*values)[b] = backend.upload(graph.blobs[b].value);
  }
  return values;
}

Net::Net(Graph graph, std::shared_ptr<Backend> backend, int batch)
    : Net(std::move(graph), std::move(backend), batch, {}) {}

Net::Net(Graph graph, std::shared_ptr<Backend> backend, int batch, ConstantValues constants)
    : graph_(std::move(graph)), backend_(std::move(backend)), constants_(std::move(constants)) {
  if (constants_ && constants_->size() != graph_.blobs.size()) {
    throw Error(graph_.source + ": shared constants for " + std::to_string(constants_->size()) +
                " blobs given to a graph of " + std::to_string(graph_.blobs.size()));
  }
  if (graph_.input < 0) throw Error(graph_.source + ": the model has no non-constant input");
  graph_batch_ = static_cast<int>(graph_.blobs[static_cast<size_t>(graph_.input)].dims.at(0));
  set_batch(batch > 0 ? batch : graph_batch_);
}

Net::~Net() = default;
Net::Net(Net&&) noexcept = default;
Net& Net::operator=(Net&&) noexcept = default;

void Net::set_batch(int batch) {
  if (batch < 1) throw Error("batch size must be at least 1, got " + std::to_string(batch));
  graph_.blobs[static_cast<size_t>(graph_.input)].dims[0] = batch;
  infer_all_dims(graph_);
  batch_ = batch;

  auto plan = std::make_unique<Plan>();
  const size_t nb = graph_.blobs.size();
  plan->values.resize(nb);
  plan->producer.assign(nb, -1);
  plan->written.assign(nb, kUnwritten);
  plan->ancestors.resize(nb);
  plan->host_mirrors.resize(nb);
  plan->layouts = backend_->plan_layouts(graph_);
  for (size_t b = 0; b < nb; ++b) {
    const Blob& blob = graph_.blobs[b];
    if (blob.constant || static_cast<int>(b) == graph_.input) plan->layouts[b] = Layout::Plain;
    if (blob.constant) {
      plan->values[b] = constants_ ? (*constants_)[b] : backend_->upload(blob.value);
    } else {
      plan->values[b] = backend_->allocate(blob.dims).with_layout(plan->layouts[b]);
    }
  }
  plan->kernels.resize(graph_.nodes.size());
  plan->on_host.assign(graph_.nodes.size(), 0);
  plan->forward_args.resize(graph_.nodes.size());
  plan->backward_args.resize(graph_.nodes.size());
  for (size_t n = 0; n < graph_.nodes.size(); ++n) {
    const Node& node = graph_.nodes[n];
    plan->producer[static_cast<size_t>(node.output)] = static_cast<int>(n);
    KernelSpec spec{node, {}, graph_.blobs[static_cast<size_t>(node.output)].dims, {}, {}, Layout::Plain};
    spec.output_layout = plan->layouts[static_cast<size_t>(node.output)];
    int64_t node_scratch = 0;
    for (int in : node.inputs) {
      const Blob& blob = graph_.blobs[static_cast<size_t>(in)];
      spec.input_dims.push_back(blob.dims);
      spec.constants.push_back(blob.constant ? &blob.value : nullptr);
      spec.input_layouts.push_back(plan->layouts[static_cast<size_t>(in)]);
      if (!blob.constant) node_scratch += numel(blob.dims);
    }
    if (backend_->supports(spec)) {
      plan->kernels[n] = backend_->make_kernel(spec);
    } else {
      const std::shared_ptr<const Backend> host = backend_->fallback();
      if (!host || !host->supports(spec)) {
        throw Error(graph_.source + ": node '" + node.name + "' (" + std::string(op_name(node.kind)) +
                    ") is not supported by the " + backend_->name() + " backend with input " +
                    to_string(spec.input_dims.at(0)) + (host ? " nor by its fallback, " + host->name() : ""));
      }
      plan->kernels[n] = make_host_fallback_kernel(spec, *backend_, host);
      plan->on_host[n] = 1;
    }
    plan->scratch_size = std::max(plan->scratch_size, node_scratch);

    ForwardArgs& fa = plan->forward_args[n];
    for (int in : node.inputs) fa.inputs.push_back(&plan->values[static_cast<size_t>(in)]);
    fa.output = &plan->values[static_cast<size_t>(node.output)];
    BackwardArgs& ba = plan->backward_args[n];
    ba.inputs = fa.inputs;
    ba.output = fa.output;
    ba.grad_inputs.assign(node.inputs.size(), nullptr);
    ba.accumulate.assign(node.inputs.size(), 0);
  }
  plan_relu_fusion(*plan);
  plan_concats_in_place(*plan);
  plan_ = std::move(plan);
  forwarded_up_to_ = -1;
}

void Net::plan_relu_fusion(Plan& plan) const {
  const size_t nn = graph_.nodes.size();
  plan.fused_relu.assign(nn, -1);
  plan.fused_into.assign(nn, -1);
  if (!fusion_) return;
  std::vector<int> readers(graph_.blobs.size(), 0);
  for (const Node& node : graph_.nodes) {
    for (int in : node.inputs) ++readers[static_cast<size_t>(in)];
  }
  for (size_t m = 0; m < nn; ++m) {
    const Node& relu = graph_.nodes[m];
    if (relu.kind != OpKind::Relu || relu.inputs.size() != 1) continue;
    const auto y = static_cast<size_t>(relu.inputs[0]);
    const int n = plan.producer[y];
    // The Relu must be the only reader: another reader would see the value, but not get its gradient in place.
    if (n < 0 || readers[y] != 1 || plan.layouts[y] != plan.layouts[static_cast<size_t>(relu.output)]) continue;
    const auto ni = static_cast<size_t>(n);
    if (!plan.kernels[ni]->fuses_relu() || plan.fused_relu[ni] >= 0) continue;
    plan.fused_relu[ni] = static_cast<int>(m);
    plan.fused_into[m] = n;
    plan.forward_args[ni].relu_output = &plan.values[static_cast<size_t>(relu.output)];
  }
}

void Net::plan_concats_in_place(Plan& plan) const {
  const size_t nn = graph_.nodes.size();
  plan.in_place.assign(nn, 0);
  if (!fusion_) return;
  std::vector<char> placed(graph_.blobs.size(), 0);  // the value is a view into a Concat's output
  // Consumers first: a Concat's output is placed (inside a later Concat) before its inputs are placed inside it.
  for (size_t n = nn; n-- > 0;) {
    const Node& node = graph_.nodes[n];
    const auto out = static_cast<size_t>(node.output);
    const Dims& out_dims = graph_.blobs[out].dims;
    if (node.kind != OpKind::Concat || node.params_as<ConcatParams>().axis != 1 || out_dims.at(0) != 1) continue;
    const Layout layout = plan.layouts[out];
    const int64_t group = layout == Layout::Plain ? 1 : channel_block(layout);
    bool all_free = true, all_in_order = true, usable = true;
    float* start = nullptr;
    int64_t offset = 0;
    for (size_t s = 0; s < node.inputs.size() && usable; ++s) {
      const auto in = static_cast<size_t>(node.inputs[s]);
      const Blob& blob = graph_.blobs[in];
      usable = !blob.constant && plan.producer[in] >= 0 && plan.layouts[in] == layout && blob.dims.size() >= 2 &&
               blob.dims[1] % group == 0 && std::count(node.inputs.begin(), node.inputs.end(), node.inputs[s]) == 1;
      if (s == 0) start = plan.values[in].data();
      all_free = all_free && !placed[in];
      all_in_order = all_in_order && placed[in] && plan.values[in].data() == start + offset;
      offset += numel(blob.dims);
    }
    if (!usable || node.inputs.empty()) continue;
    const auto view = [&](size_t blob, float* at) {
      plan.values[blob] =
          Tensor(graph_.blobs[blob].dims, at, plan.values[blob].device(), nullptr).with_layout(plan.layouts[blob]);
      placed[blob] = 1;
    };
    if (all_free) {  // the inputs move into the output, each at its channel offset
      offset = 0;
      for (int in : node.inputs) {
        view(static_cast<size_t>(in), plan.values[out].data() + offset);
        offset += numel(graph_.blobs[static_cast<size_t>(in)].dims);
      }
      plan.in_place[n] = 1;
    } else if (all_in_order && (!placed[out] || plan.values[out].data() == start)) {
      // A shorter Concat of the same run (DenseNet: every layer's Concat is a prefix of the block's last one).
      if (!placed[out]) view(out, start);
      plan.in_place[n] = 1;
    }
  }
}

void Net::set_fusion(bool on) {
  fusion_ = on;
  set_batch(batch_);
}

int Net::concats_in_place() const {
  return static_cast<int>(std::count(plan_->in_place.begin(), plan_->in_place.end(), 1));
}

std::vector<std::string> Net::host_fallback_nodes() const {
  std::vector<std::string> names;
  for (size_t n = 0; n < graph_.nodes.size(); ++n) {
    if (plan_->on_host[n]) names.push_back(graph_.nodes[n].name);
  }
  return names;
}

int Net::fused_relus() const {
  return static_cast<int>(
      std::count_if(plan_->fused_into.begin(), plan_->fused_into.end(), [](int n) { return n >= 0; }));
}

int Net::blob_id(const std::string& name) const {
  const int id = graph_.find_blob(name);
  if (id >= 0 && !graph_.blobs[static_cast<size_t>(id)].constant) return id;
  // A node's name works too: exporters often give nodes readable names and blobs numbers.
  for (const Node& node : graph_.nodes) {
    if (node.name == name) return node.output;
  }
  std::string hint;
  for (const Node& node : graph_.nodes) {
    const std::string& candidate = graph_.blobs[static_cast<size_t>(node.output)].name;
    if (candidate.find(name) != std::string::npos || name.find(candidate) != std::string::npos) {
      hint += (hint.empty() ? "" : ", ") + candidate;
      if (hint.size() > 200) break;
    }
  }
  throw Error(graph_.source + ": no layer named '" + name + "'" +
              (hint.empty() ? " (deepvis info --model lists them)" : "; did you mean: " + hint));
}

void Net::forward(const Tensor& input, int up_to) {
  Tensor& in = plan_->values[static_cast<size_t>(graph_.input)];
  if (input.dims() != in.dims()) {
    throw Error(graph_.source + ": input has dims " + to_string(input.dims()) + ", the model expects " +
                to_string(in.dims()));
  }
  backend_->copy(input, in);
  values_changed();
  int last = static_cast<int>(graph_.nodes.size()) - 1;
  if (up_to >= 0) last = plan_->producer.at(static_cast<size_t>(up_to));
  for (int n = 0; n <= last; ++n) {
    const auto ni = static_cast<size_t>(n);
    if (plan_->fused_into[ni] >= 0 || plan_->in_place[ni]) continue;  // its output was written by its inputs' nodes
    if (profiling_) {
      const auto t0 = std::chrono::steady_clock::now();
      plan_->kernels[ni]->forward(plan_->forward_args[ni]);
      forward_ms_[ni] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    } else {
      plan_->kernels[ni]->forward(plan_->forward_args[ni]);
    }
  }
  forwarded_up_to_ = last;
}

void Net::enable_profiling(bool on) {
  profiling_ = on;
  forward_ms_.assign(graph_.nodes.size(), 0.0);
  backward_ms_.assign(graph_.nodes.size(), 0.0);
}

const Tensor& Net::device_blob(int id) const {
  return plan_->values.at(static_cast<size_t>(id));
}

void Net::values_changed() {
  plan_->host_mirrors.invalidate();
}

Layout Net::blob_layout(int id) const {
  return plan_->layouts.at(static_cast<size_t>(id));
}

const Tensor& Net::blob(int id) const {
  return plan_->host_mirrors.read(*backend_, plan_->values.at(static_cast<size_t>(id)), static_cast<size_t>(id));
}

int Net::scratch_adds() const {
  return plan_->scratch_adds;
}

const Tensor& Gradients::at(int blob) const {
  return host_.read(*backend_, grads_.at(static_cast<size_t>(blob)), static_cast<size_t>(blob));
}

Gradients Net::make_gradients() const {
  Gradients g;
  g.grads_.resize(graph_.blobs.size());
  for (size_t b = 0; b < graph_.blobs.size(); ++b) {
    if (!graph_.blobs[b].constant)
      g.grads_[b] = backend_->allocate(graph_.blobs[b].dims).with_layout(plan_->layouts[b]);
  }
  g.host_.resize(graph_.blobs.size());
  g.scratch_ = backend_->allocate({plan_->scratch_size});
  g.backend_ = backend_;
  g.input_blob_ = graph_.input;
  g.batch_ = batch_;
  // Fixed per-slot scratch views, so a backward run builds no tensors.
  g.scratch_views_.resize(graph_.nodes.size());
  for (size_t n = 0; n < graph_.nodes.size(); ++n) {
    int64_t offset = 0;
    for (int in : graph_.nodes[n].inputs) {
      const Blob& blob = graph_.blobs[static_cast<size_t>(in)];
      if (blob.constant) {
        g.scratch_views_[n].emplace_back();
        continue;
      }
      g.scratch_views_[n].push_back(Tensor(blob.dims, g.scratch_.data() + offset, g.scratch_.device(), nullptr)
                                        .with_layout(plan_->layouts[static_cast<size_t>(in)]));
      offset += numel(blob.dims);
    }
  }
  return g;
}

void Net::backward_from(int blob, const Tensor& seed, BackwardMode mode, Gradients& out,
                        const BackwardOptions& options) {
  const auto b = static_cast<size_t>(blob);
  if (b >= graph_.blobs.size() || graph_.blobs[b].constant) {
    throw Error(graph_.source + ": backward_from needs a non-constant blob");
  }
  if (out.batch_ != batch_ || out.grads_.size() != graph_.blobs.size()) {
    throw Error("backward_from: the Gradients were made for another batch size or network");
  }
  if (seed.dims() != graph_.blobs[b].dims) {
    throw Error(graph_.source + ": seed dims " + to_string(seed.dims()) + " differ from blob '" + graph_.blobs[b].name +
                "' dims " + to_string(graph_.blobs[b].dims));
  }
  const int top = plan_->producer[b];
  if (top > forwarded_up_to_) {
    throw Error("backward_from '" + graph_.blobs[b].name + "': run forward up to that layer first");
  }

  std::vector<char>& needed = plan_->ancestors[b];
  if (needed.empty()) {  // computed once per target blob
    needed.assign(graph_.nodes.size(), 0);
    std::vector<char> live(graph_.blobs.size(), 0);
    live[b] = 1;
    for (int n = top; n >= 0; --n) {
      const Node& node = graph_.nodes[static_cast<size_t>(n)];
      if (!live[static_cast<size_t>(node.output)]) continue;
      needed[static_cast<size_t>(n)] = 1;
      for (int in : node.inputs) live[static_cast<size_t>(in)] = 1;
    }
  }

  std::fill(plan_->written.begin(), plan_->written.end(), kUnwritten);
  plan_->scratch_adds = 0;
  out.host_.invalidate();
  backend_->copy(seed, out.grads_[b]);
  plan_->written[b] = kWrittenBefore;
  // A blob no node on the path writes keeps a zero gradient (the input when the seed is the input is seeded).
  if (static_cast<int>(b) != graph_.input) backend_->fill(out.grads_[static_cast<size_t>(graph_.input)], 0.0f);

  for (int n = top; n >= 0; --n) {
    const auto ni = static_cast<size_t>(n);
    if (!needed[ni] || plan_->fused_into[ni] >= 0) continue;  // a fused Relu runs in its producer's backward
    const Node& node = graph_.nodes[ni];
    BackwardArgs& args = plan_->backward_args[ni];
    args.grad_output = &out.grads_[static_cast<size_t>(node.output)];
    args.pre_relu_grad = nullptr;
    // Unless seeded at this node's output, where the Relu after it is not on the path.
    if (const int relu = plan_->fused_relu[ni]; relu >= 0 && needed[static_cast<size_t>(relu)]) {
      args.pre_relu_grad = &out.grads_[static_cast<size_t>(node.output)];
      args.grad_output = &out.grads_[static_cast<size_t>(graph_.nodes[static_cast<size_t>(relu)].output)];
    }
    args.mode = mode;
    args.options = options;
    Kernel& kernel = *plan_->kernels[ni];
    for (size_t s = 0; s < node.inputs.size(); ++s) {
      const auto in = static_cast<size_t>(node.inputs[s]);
      args.accumulate[s] = 0;
      if (graph_.blobs[in].constant) {
        args.grad_inputs[s] = nullptr;
      } else if (plan_->written[in] == kUnwritten) {
        args.grad_inputs[s] = &out.grads_[in];
        plan_->written[in] = kWrittenHere;
      } else if (plan_->written[in] == kWrittenBefore && kernel.accumulates_into(s)) {
        args.grad_inputs[s] = &out.grads_[in];
        args.accumulate[s] = 1;
        plan_->written[in] = kWrittenHere;  // a second slot of this node on the same blob goes through scratch
      } else {
        args.grad_inputs[s] = &out.scratch_views_[ni][s];
      }
    }
    if (profiling_) {
      const auto t0 = std::chrono::steady_clock::now();
      kernel.backward(args);
      backward_ms_[ni] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    } else {
      kernel.backward(args);
    }
    for (size_t s = 0; s < node.inputs.size(); ++s) {
      const auto in = static_cast<size_t>(node.inputs[s]);
      if (args.grad_inputs[s] == &out.scratch_views_[ni][s]) {
        backend_->add_into(out.grads_[in], out.scratch_views_[ni][s]);
        ++plan_->scratch_adds;
      }
      if (plan_->written[in] == kWrittenHere) plan_->written[in] = kWrittenBefore;
    }
  }
}

}  // namespace deepvis
