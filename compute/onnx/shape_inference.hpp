#pragma once
// ONNX shape inference (Debian's libonnx 1.12) made safe for untrusted models. Some of its inference functions
// trust what they are given: Conv and pooling divide by `strides` (a 0 is SIGFPE), index the input's dims by the
// weights' and, with auto_pad, walk each spatial dim down by the stride one step at a time (a dim of 2^62 hangs);
// DepthToSpace and SpaceToDepth divide by `blocksize` squared (0 for 2^32); LayerNormalization reads dims at an
// unchecked `axis`, Gemm-6 those of A and B as if they were matrices; Expand, Reshape and ConstantOfShape build their
// output's rank one dim at a time from the length of a shape input whose values are unknown (a shape input of 2^63
// elements exhausts memory). Here each of those runs behind a check of what it assumes; a node that fails it keeps an
// unknown output shape, as does any node whose inference fails (libonnx's default error mode), and the converter later
// says what is wrong.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace deepvis::onnx_internal {

// No deepvis op, nor any model seen, has more dims than this.
inline constexpr int64_t kMaxShapeRank = 64;

// onnx::shape_inference::InferShapes with the checks above; throws what it throws.
void infer_shapes(onnx::ModelProto& model);

// What libonnx's inference assumes of the constants it reads (initializers and tensor attributes, the graph's and
// its subgraphs'): raw_data of the size their dims say. It copies a shape input's raw_data whole into a buffer sized
// by the dims (4 bytes into the 0 of an empty one: SIGSEGV). Throws deepvis::Error naming `source` and the tensor.
void check_constants(const onnx::ModelProto& model, const std::string& source);

}  // namespace deepvis::onnx_internal
