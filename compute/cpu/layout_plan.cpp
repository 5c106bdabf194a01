#include "compute/cpu/layout_plan.hpp"

#include "compute/core/backend.hpp"
#include "compute/cpu/kernels.hpp"

#include <dnnl.hpp>

#include <cstdlib>
#include <numeric>
#include <string>

namespace deepvis::cpu {

namespace {

// Blobs that must share a layout, as a union-find forest.
class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t root(size_t b) {
    while (parent_[b] != b) b = parent_[b] = parent_[parent_[b]];
    return b;
  }
  void join(size_t a, size_t b) { parent_[root(a)] = root(b); }

 private:
  std::vector<size_t> parent_;
};

bool one_pixel(const Dims& d) {
  return d.size() == 4 && d[2] * d[3] == 1;
}

}  // namespace

Layout preferred_blocked_layout() {
  const char* forced = std::getenv("DEEPVIS_CPU_LAYOUT");
  if (forced && std::string(forced) == "plain") return Layout::Plain;
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx512_core:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx: return Layout::Blocked16;
    case dnnl::cpu_isa::avx2:
    case dnnl::cpu_isa::avx2_vnni: return Layout::Blocked8;
    default: return Layout::Plain;
  }
}

namespace {

// Whether `node` (not a Conv) runs on blocked data when its non-constant inputs and its output share a layout.
bool keeps_layout(const Graph& graph, const Node& node) {
  auto dims = [&](int b) -> const Dims& { return graph.blobs[static_cast<size_t>(b)].dims; };
  auto constant = [&](int b) { return graph.blobs[static_cast<size_t>(b)].constant; };
  switch (node.kind) {
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Clip:
    case OpKind::Sigmoid:
    case OpKind::BatchNorm: return !constant(node.inputs[0]);
    case OpKind::Add:
    case OpKind::Mul: {
      bool tied = true;
      for (int in : node.inputs) tied = tied && !constant(in) && dims(in) == dims(node.output);
      return tied;
    }
    case OpKind::Concat: {
      // Along channels, each input's block of C_i * H * W floats per image is contiguous in both layouts, so
      // the plain kernel is right on blocked data as it is (every C_i a multiple of the group: checked later).
      bool tied = dims(node.output).size() == 4 && node.params_as<ConcatParams>().axis == 1;
      for (int in : node.inputs) tied = tied && !constant(in);
      return tied;
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: {
      const KernelSpec spec{node, {dims(node.inputs[0])}, dims(node.output), {nullptr}, {}, Layout::Plain};
      return !constant(node.inputs[0]) && pool_runs_on_onednn(spec);
    }
    default: return is_smooth(node.kind) && !constant(node.inputs[0]);  // elementwise over the flat buffer
  }
}

// What the nodes ask of their blobs: tied into groups that share a layout, kept plain, or next to a Conv.
struct LayoutConstraints {
  explicit LayoutConstraints(size_t nb) : plain_only(nb, 0), near_conv(nb, 0), groups(nb) {}
  std::vector<char> plain_only, near_conv;
  Groups groups;
};

LayoutConstraints collect_constraints(const Graph& graph) {
  LayoutConstraints c(graph.blobs.size());
  auto constant = [&](int b) { return graph.blobs[static_cast<size_t>(b)].constant; };
  // A one-pixel blob (a global pool's output) is the same bytes in either layout: it stays plain and ties nothing.
  auto tie = [&](int a, int b) {
    if (!one_pixel(graph.blobs[static_cast<size_t>(a)].dims) && !one_pixel(graph.blobs[static_cast<size_t>(b)].dims)) {
      c.groups.join(static_cast<size_t>(a), static_cast<size_t>(b));
    }
  };
  for (const Node& node : graph.nodes) {
    if (node.kind == OpKind::Conv) {
      if (!constant(node.inputs[0])) c.near_conv[static_cast<size_t>(node.inputs[0])] = 1;
      c.near_conv[static_cast<size_t>(node.output)] = 1;
      for (size_t s = 1; s < node.inputs.size(); ++s) {
        if (!constant(node.inputs[s])) c.plain_only[static_cast<size_t>(node.inputs[s])] = 1;
      }
    } else if (keeps_layout(graph, node)) {
      for (int in : node.inputs) {
        if (!constant(in)) tie(in, node.output);
      }
    } else {
      for (int in : node.inputs) c.plain_only[static_cast<size_t>(in)] = 1;
      c.plain_only[static_cast<size_t>(node.output)] = 1;
    }
  }
  return c;
}

}  // namespace

std::vector<Layout> plan_layouts(const Graph& graph, Layout blocked) {
  const size_t nb = graph.blobs.size();
  std::vector<Layout> layouts(nb, Layout::Plain);
  if (blocked == Layout::Plain) return layouts;
  LayoutConstraints c = collect_constraints(graph);
  std::vector<char> is_output(nb, 0);
  for (int out : graph.outputs) is_output[static_cast<size_t>(out)] = 1;

  // A group goes blocked when every blob in it can, and one of them touches a Conv.
  const int block = channel_block(blocked);
  std::vector<char> group_ok(nb, 1), group_near_conv(nb, 0);
  for (size_t b = 0; b < nb; ++b) {
    const Blob& blob = graph.blobs[b];
    if (one_pixel(blob.dims)) continue;
    const size_t r = c.groups.root(b);
    const bool eligible = !blob.constant && static_cast<int>(b) != graph.input && !is_output[b] &&
                          blob.dims.size() == 4 && blob.dims[1] % block == 0 && !c.plain_only[b];
    if (!eligible) group_ok[r] = 0;
    if (c.near_conv[b]) group_near_conv[r] = 1;
  }
  for (size_t b = 0; b < nb; ++b) {
    const size_t r = c.groups.root(b);
    if (!one_pixel(graph.blobs[b].dims) && group_ok[r] && group_near_conv[r]) layouts[b] = blocked;
  }
  return layouts;
}

}  // namespace deepvis::cpu
