#include "app/session/default_layer.hpp"

#include "compute/core/error.hpp"

namespace deepvis::app {

bool drawable_layer(const Dims& dims) {
  return (dims.size() == 4 || dims.size() == 2) && dims[1] > 0;
}

std::string default_layer(const Net& net, const std::optional<ModelCard>& card) {
  const Graph& graph = net.graph();
  auto name_of = [&](int blob) { return graph.blobs[static_cast<size_t>(blob)].name; };
  if (card && card->default_layers) {
    for (const std::string& name : *card->default_layers) {
      try {
        const int blob = net.blob_id(name);
        if (drawable_layer(net.blob_dims(blob)) && graph.producer(blob) >= 0) return name_of(blob);
      } catch (const Error&) {
        // A stale name in the card: try the next one.
      }
    }
  }
  std::string first;
  for (const Node& node : graph.nodes) {
    const Dims& dims = net.blob_dims(node.output);
    if (!drawable_layer(dims)) continue;
    if (node.kind == OpKind::Conv && dims.size() == 4) return name_of(node.output);
    if (first.empty()) first = name_of(node.output);
  }
  return first;
}

}  // namespace deepvis::app
