#pragma once
// Converters for ONNX ops that run as several deepvis nodes, each a lowering onto ops that every backend has in
// forward and in all three backward modes: so each lowered op gets exact gradients, the CUDA backend and the ONNX
// node tests' verdict for free. One file per family:
//   lower_matmul.cpp          MatMul of any ranks, batch broadcasting included
//   lower_norms.cpp           InstanceNormalization, LayerNormalization, MeanVarianceNormalization
//   lower_reductions.cpp      ReduceMean/Max/Sum/L2 (their own nodes) and ReduceMin/L1/SumSquare/LogSum/LogSumExp,
//                             LogSoftmax
//   lower_activations.cpp     Softsign, Celu
//   lower_resize.cpp          Resize and Upsample: one constant interpolation matrix per resized axis
//   lower_conv_transpose.cpp  ConvTranspose: zero insertion, then a Conv with the flipped kernel
//   lower_pool.cpp            AveragePool of 1-D and 3-D (and N-D) inputs: one banded matrix per pooled axis
#include "compute/onnx/node_view.hpp"

namespace deepvis::onnx_internal {

void convert_matmul(NodeView& n);

void convert_instance_norm(NodeView& n);
void convert_layer_norm(NodeView& n);
void convert_mean_variance_norm(NodeView& n);

// `axes_input_from`: the opset from which the axes are an input rather than an attribute.
Converter reduce(OpKind kind, int64_t axes_input_from);
Converter reduce_lowered(const std::string& op, int64_t axes_input_from);
void convert_log_softmax(NodeView& n);

void convert_softsign(NodeView& n);
void convert_celu(NodeView& n);

void convert_resize(NodeView& n);
void convert_upsample(NodeView& n);

void convert_conv_transpose(NodeView& n);

// Called by the AveragePool converter for inputs that are not 4-D (the 2-D pool has its own node).
void lower_average_pool(NodeView& n, const Dims& x);

// Shared steps of the lowerings (lowering_steps.cpp).
// A smooth activation (compute/ops/smooth.hpp) without attributes, as an intermediate node.
int smooth_step(NodeView& n, OpKind kind, int x, const std::string& suffix);
// A one-element constant, broadcast by the binary ops.
int scalar_constant_blob(NodeView& n, const std::string& suffix, float value);
// `x` (dims `dims`) times `matrix` (dims[axis] x M) along `axis`: the result has M in place of dims[axis]. Runs as
// Transpose (axis to last, unless it is), Reshape to 2-D, MatMul, Reshape, Transpose back. With `last`, the final
// node is the ONNX node's own (NodeView::emit).
// along_axes: one such matrix per listed axis, in order; returns `x` when the list is empty.
int along_axis(NodeView& n, int x, const Dims& dims, int64_t axis, Tensor matrix, const std::string& suffix, bool last);
struct AxisMatrix {
  int64_t axis;
  Tensor matrix;
};
int along_axes(NodeView& n, int x, Dims dims, std::vector<AxisMatrix> steps, bool last);
// (x - mean) / sqrt(var + epsilon) over `axes` (keepdims), each slice by its own statistics, or
// (x - mean) / (sqrt(var) + epsilon) as MeanVarianceNormalization's definition has it. With `last`, the Div is the
// ONNX node's own.
enum class EpsilonAt { Variance, Deviation };
struct Normalized {
  int mean = -1;       // the statistics, kept dims
  int deviation = -1;  // sqrt(var + epsilon), or sqrt(var) + epsilon
  int result = -1;
};
Normalized normalized(NodeView& n, int x, const Dims& axes, float epsilon, EpsilonAt at, bool last = false);

}  // namespace deepvis::onnx_internal
