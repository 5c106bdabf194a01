#include "compute/onnx/simplify.hpp"

#include <cmath>

namespace deepvis::onnx_internal {

namespace {

std::string unique_blob_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int k = 2; g.find_blob(name) >= 0; ++k) name = base + "_" + std::to_string(k);
  return name;
}

int add_constant(Graph& g, const std::string& base, Tensor value) {
  Blob b;
  b.name = unique_blob_name(g, base);
  b.dims = value.dims();
  b.constant = true;
  b.value = std::move(value);
  g.blobs.push_back(std::move(b));
  return static_cast<int>(g.blobs.size()) - 1;
}

bool is_constant(const Graph& g, int blob) {
  return g.blobs[static_cast<size_t>(blob)].constant;
}

}  // namespace

void fold_batchnorm(Graph& g) {
  std::vector<int> readers(g.blobs.size(), 0);
  for (const Node& node : g.nodes) {
    for (int in : node.inputs) ++readers[static_cast<size_t>(in)];
  }
  for (int out : g.outputs) ++readers[static_cast<size_t>(out)];

  std::vector<char> folded(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (bn.kind != OpKind::BatchNorm || bn.inputs.size() != 5) continue;
    const int x = bn.inputs[0];
    const int p = g.producer(x);
    if (p < 0 || readers[static_cast<size_t>(x)] != 1) continue;
    Node& conv = g.nodes[static_cast<size_t>(p)];
    if (conv.kind != OpKind::Conv) continue;
    bool constants = true;
    for (size_t k = 1; k < conv.inputs.size(); ++k) constants = constants && is_constant(g, conv.inputs[k]);
    for (size_t k = 1; k < 5; ++k) constants = constants && is_constant(g, bn.inputs[k]);
    if (!constants) continue;

    // Copies of the handles: adding blobs below may move g.blobs.
    const Tensor w = g.blobs[static_cast<size_t>(conv.inputs[1])].value;
    const bool has_bias = conv.inputs.size() > 2;
    const Tensor bias = has_bias ? g.blobs[static_cast<size_t>(conv.inputs[2])].value : Tensor();
    const Tensor& scale = g.blobs[static_cast<size_t>(bn.inputs[1])].value;
    const Tensor& beta = g.blobs[static_cast<size_t>(bn.inputs[2])].value;
    const Tensor& mean = g.blobs[static_cast<size_t>(bn.inputs[3])].value;
    const Tensor& var = g.blobs[static_cast<size_t>(bn.inputs[4])].value;
    const int64_t m = w.dim(0);
    if (scale.numel() != m || beta.numel() != m || mean.numel() != m || var.numel() != m ||
        (has_bias && bias.numel() != m)) {
      continue;  // dims inference reports the mismatch on the unfolded node
    }
    const double eps = bn.params_as<BatchNormParams>().epsilon;
    const int64_t per_output = w.numel() / m;
    Tensor w2(w.dims());
    Tensor b2({m});
    for (int64_t o = 0; o < m; ++o) {
      const double s = scale.at(o) / std::sqrt(static_cast<double>(var.at(o)) + eps);
      for (int64_t k = 0; k < per_output; ++k) {
        w2.at(o * per_output + k) = static_cast<float>(w.at(o * per_output + k) * s);
      }
      const double b = has_bias ? bias.at(o) : 0.0;
      b2.at(o) = static_cast<float>((b - mean.at(o)) * s + beta.at(o));
    }
    const std::string w_name = g.blobs[static_cast<size_t>(conv.inputs[1])].name + "_bn_folded";
    const std::string b_name =
        has_bias ? g.blobs[static_cast<size_t>(conv.inputs[2])].name + "_bn_folded" : conv.name + "_bias_bn_folded";
    const int output = bn.output;
    const int w_blob = add_constant(g, w_name, std::move(w2));
    const int b_blob = add_constant(g, b_name, std::move(b2));
    conv.inputs = {conv.inputs[0], w_blob, b_blob};
    conv.output = output;  // consumers of the BatchNorm come after it, hence after the Conv: order stays valid
    folded[i] = 1;
  }

  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!folded[i]) kept.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(kept);
  remove_unused_blobs(g);
}

void remove_unused_blobs(Graph& g) {
  std::vector<char> used(g.blobs.size(), 0);
  auto mark = [&](int b) {
    if (b >= 0) used[static_cast<size_t>(b)] = 1;
  };
  mark(g.input);
  for (int b : g.outputs) mark(b);
  for (const Node& node : g.nodes) {
    for (int b : node.inputs) mark(b);
    mark(node.output);
  }
  std::vector<int> remap(g.blobs.size(), -1);
  std::vector<Blob> kept;
  for (size_t b = 0; b < g.blobs.size(); ++b) {
    if (!used[b]) continue;
    remap[b] = static_cast<int>(kept.size());
    kept.push_back(std::move(g.blobs[b]));
  }
  g.blobs = std::move(kept);
  auto map = [&](int& b) {
    if (b >= 0) b = remap[static_cast<size_t>(b)];
  };
  map(g.input);
  for (int& b : g.outputs) map(b);
  for (Node& node : g.nodes) {
    for (int& b : node.inputs) map(b);
    map(node.output);
  }
}

}  // namespace deepvis::onnx_internal
