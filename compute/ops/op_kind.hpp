#pragma once
// The closed set of ops the engine runs. Adding one means: a name here, params in its family header,
// dims inference, a reference implementation, and a kernel in each backend that supports it.
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace deepvis {

enum class OpKind {
  Conv,
  Relu,
  LeakyRelu,
  Clip,
  Sigmoid,
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  GlobalMaxPool,
  Lrn,
  BatchNorm,
  Gemm,
  MatMul,
  Add,
  Mul,
  Concat,
  Flatten,
  Reshape,
  Pad,
  Softmax,
  Tanh,
  Elu,
  Selu,
  Softplus,
  HardSigmoid,
  HardSwish,
  Erf,
  Exp,
  Log,
  Sqrt,
  Reciprocal,
  Abs,
  Neg,
  Sub,
  Div,
  Min,
  Max,
  Pow,
  PRelu,
  Transpose,
  Slice,
  Squeeze,
  Unsqueeze,
  Expand,
  Tile,
  Gather,
  DepthToSpace,
  SpaceToDepth,
  ReduceMean,
  ReduceMax,
  ReduceSum,
  ReduceL2,
  Count_
};

inline constexpr std::size_t kOpKindCount = static_cast<std::size_t>(OpKind::Count_);

// ONNX op_type of each kind, in enum order.
inline constexpr std::array<std::string_view, kOpKindCount> kOpNames = {"Conv",
                                                                        "Relu",
                                                                        "LeakyRelu",
                                                                        "Clip",
                                                                        "Sigmoid",
                                                                        "MaxPool",
                                                                        "AveragePool",
                                                                        "GlobalAveragePool",
                                                                        "GlobalMaxPool",
                                                                        "LRN",
                                                                        "BatchNormalization",
                                                                        "Gemm",
                                                                        "MatMul",
                                                                        "Add",
                                                                        "Mul",
                                                                        "Concat",
                                                                        "Flatten",
                                                                        "Reshape",
                                                                        "Pad",
                                                                        "Softmax",
                                                                        "Tanh",
                                                                        "Elu",
                                                                        "Selu",
                                                                        "Softplus",
                                                                        "HardSigmoid",
                                                                        "HardSwish",
                                                                        "Erf",
                                                                        "Exp",
                                                                        "Log",
                                                                        "Sqrt",
                                                                        "Reciprocal",
                                                                        "Abs",
                                                                        "Neg",
                                                                        "Sub",
                                                                        "Div",
                                                                        "Min",
                                                                        "Max",
                                                                        "Pow",
                                                                        "PRelu",
                                                                        "Transpose",
                                                                        "Slice",
                                                                        "Squeeze",
                                                                        "Unsqueeze",
                                                                        "Expand",
                                                                        "Tile",
                                                                        "Gather",
                                                                        "DepthToSpace",
                                                                        "SpaceToDepth",
                                                                        "ReduceMean",
                                                                        "ReduceMax",
                                                                        "ReduceSum",
                                                                        "ReduceL2"};
static_assert(kOpNames.size() == kOpKindCount, "every OpKind needs a name");

inline constexpr std::string_view op_name(OpKind kind) {
  return kOpNames[static_cast<std::size_t>(kind)];
}

inline std::optional<OpKind> op_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kOpKindCount; ++i) {
    if (kOpNames[i] == name) return static_cast<OpKind>(i);
  }
  return std::nullopt;
}

}  // namespace deepvis
