#pragma once
// Graph rewrites after conversion. (Identity and Dropout are eliminated during conversion, by aliasing.)
#include "compute/core/graph.hpp"

namespace deepvis::onnx_internal {

// Folds each BatchNorm whose input comes from a Conv that feeds only it (constant weights) into that Conv:
// W' = W*s, b' = (b - mean)*s + beta with s = scale/sqrt(var + eps). The Conv then writes the BatchNorm's
// output blob (its value is the BatchNorm's), and keeps its own node name.
void fold_batchnorm(Graph& graph);

// Drops blobs that no node, the input or an output refers to, renumbering the rest.
void remove_unused_blobs(Graph& graph);

}  // namespace deepvis::onnx_internal
