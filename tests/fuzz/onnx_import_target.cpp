#include "tests/fuzz/onnx_import_target.hpp"

#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "compute/onnx/onnx_import.hpp"

#include <algorithm>

namespace deepvis::test {

namespace {

// In double: a corrupt graph's dims may overflow int64 when multiplied, and this must not be where UB happens.
double elements(const Dims& dims) {
  double n = 1;
  for (int64_t d : dims) n *= static_cast<double>(d);
  return n;
}

// A node's multiply-adds, over-estimated where that is simpler: the window or reduction per output element
// times the outputs, plus a pass over every input.
double node_work(const Graph& graph, const Node& node) {
  std::vector<Dims> in;
  for (int b : node.inputs) in.push_back(graph.blobs[static_cast<size_t>(b)].dims);
  const double out = elements(graph.blobs[static_cast<size_t>(node.output)].dims);
  double per_output = 1;
  if (node.kind == OpKind::Conv && in.size() > 1 && !in[1].empty()) {
    per_output = elements(in[1]) / static_cast<double>(std::max<int64_t>(1, in[1][0]));
  } else if ((node.kind == OpKind::Gemm || node.kind == OpKind::MatMul) && !in.empty()) {
    for (int64_t d : in[0]) per_output = std::max(per_output, static_cast<double>(d));
  } else if (node.kind == OpKind::MaxPool || node.kind == OpKind::AveragePool) {
    per_output = elements(node.params_as<PoolParams>().kernel);
  } else if (node.kind == OpKind::Lrn) {
    per_output = static_cast<double>(std::max<int64_t>(1, node.params_as<LrnParams>().size));
  }
  double work = out * per_output;
  for (const Dims& d : in) work += elements(d);
  return work;
}

bool small_enough_to_run(const Graph& graph) {
  double work = elements(graph.blobs[static_cast<size_t>(graph.input)].dims);
  for (const Node& node : graph.nodes) work += node_work(graph, node);
  return work <= kFuzzMaxWork;
}

// Not all zeros, so that rectifiers, pools and comparisons take both branches.
Tensor patterned(const Dims& dims) {
  Tensor t(dims);
  for (int64_t i = 0; i < t.numel(); ++i) t.at(i) = static_cast<float>(i % 7 - 3) * 0.5f;
  return t;
}

}  // namespace

FuzzResult import_untrusted(const std::string& bytes, const std::string& source_name) {
  FuzzResult result;
  try {
    const Graph graph = import_onnx_bytes(bytes, source_name);
    result.outcome = FuzzOutcome::Imported;
    if (!small_enough_to_run(graph)) return result;
    Net net(graph, make_reference_backend());
    net.forward(patterned(net.input_dims()));
    const int out = net.graph().outputs.empty() ? -1 : net.graph().outputs.front();
    if (out >= 0 && !net.graph().blobs[static_cast<size_t>(out)].constant) {
      Gradients grads = net.make_gradients();
      const auto mode = static_cast<BackwardMode>(bytes.size() % 3);  // any of the three, reproducibly
      net.backward_from(out, patterned(net.blob_dims(out)), mode, grads);
    }
    result.outcome = FuzzOutcome::Ran;
  } catch (const Error& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace deepvis::test
