#pragma once
// Which blobs the cpu backend keeps in oneDNN's channel-blocked layout (compute/core/tensor.hpp's Layout).
//
// oneDNN's convolutions run on nChw16c (nChw8c on AVX2) data; a plain NCHW blob costs a reorder on every side of
// every convolution, forward and backward, which measured 25% of a ResNet-50 gradient step on the 2-core dev
// machine. So chains of convolutions and the cheap ops between them stay blocked, and only the blobs that plain
// code reads (or that users read: Net::blob converts on the way out) are plain.
#include "compute/core/graph.hpp"

#include <vector>

namespace deepvis::cpu {

// The blocked layout this CPU's convolutions prefer, or Plain where blocking does not pay (no AVX2), or when the
// environment says DEEPVIS_CPU_LAYOUT=plain (for A/B timing and for ruling the layouts out when debugging).
Layout preferred_blocked_layout();

// Per blob of `graph` (dims inferred). A blob is blocked when it is a 4-D activation with C a multiple of the
// group and H * W > 1, not the graph's input or an output, and every node touching it runs on blocked data: a
// Conv (either side converts on its own), or an op that needs its inputs and output in one layout (activations,
// same-dims Add/Mul, oneDNN pooling, BatchNormalization, Concat along channels) whose other blobs qualify too. Such a
// group is blocked only when a Conv touches it: elsewhere blocking saves nothing.
std::vector<Layout> plan_layouts(const Graph& graph, Layout blocked);

}  // namespace deepvis::cpu
