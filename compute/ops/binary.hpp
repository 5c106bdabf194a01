#pragma once
// Elementwise ops of two operands with ONNX (numpy) multidirectional broadcasting: Add, Sub, Mul, Div, Min, Max,
// Pow and PRelu. The formulas and their partial derivatives are written once, here, for every backend (the
// reference runs them in double, the CPU and CUDA backends in float). PRelu is a rectifier: its signal to X follows
// the backward mode (docs/engine.md, "Backward modes"); every other op here uses its true derivative in all modes.
#include "compute/core/backward_mode.hpp"
#include "compute/core/host_device.hpp"
#include "compute/core/tensor.hpp"
#include "compute/ops/op_kind.hpp"

#include <math.h>

namespace deepvis {

// Throws deepvis::Error when the dims do not broadcast.
Dims broadcast_dims(const Dims& a, const Dims& b);

// The case labels of every binary kind, for switches over OpKind that treat them as one family.
#define DEEPVIS_BINARY_OP_CASES \
  case OpKind::Add:             \
  case OpKind::Sub:             \
  case OpKind::Mul:             \
  case OpKind::Div:             \
  case OpKind::Min:             \
  case OpKind::Max:             \
  case OpKind::Pow:             \
  case OpKind::PRelu

inline constexpr bool is_binary(OpKind kind) {
  switch (kind) {
  DEEPVIS_BINARY_OP_CASES:
    return true;
    default: return false;
  }
}

// y = a op b. PRelu: a is X, b the slope.
template <typename T>
DEEPVIS_HOST_DEVICE T binary_value(OpKind kind, T a, T b) {
  switch (kind) {
    case OpKind::Add: return a + b;
    case OpKind::Sub: return a - b;
    case OpKind::Mul: return a * b;
    case OpKind::Div: return a / b;
    case OpKind::Min: return b < a ? b : a;
    case OpKind::Max: return b > a ? b : a;
    case OpKind::Pow: return ::pow(a, b);
    case OpKind::PRelu: return a > T(0) ? a : b * a;
    default: return T(0);
  }
}

// dy/da. Min and Max split a tie evenly between the operands, as PyTorch's minimum and maximum do.
template <typename T>
DEEPVIS_HOST_DEVICE T binary_partial_a(OpKind kind, T a, T b) {
  switch (kind) {
    case OpKind::Add:
    case OpKind::Sub: return T(1);
    case OpKind::Mul: return b;
    case OpKind::Div: return T(1) / b;
    case OpKind::Min: return a < b ? T(1) : (a == b ? T(0.5) : T(0));
    case OpKind::Max: return a > b ? T(1) : (a == b ? T(0.5) : T(0));
    case OpKind::Pow: return b == T(0) ? T(0) : b * ::pow(a, b - T(1));
    case OpKind::PRelu: return a > T(0) ? T(1) : b;
    default: return T(0);
  }
}

// dy/db. Pow's is zero where a <= 0, where log(a) is not real (PyTorch's convention for a = 0).
template <typename T>
DEEPVIS_HOST_DEVICE T binary_partial_b(OpKind kind, T a, T b) {
  switch (kind) {
    case OpKind::Add: return T(1);
    case OpKind::Sub: return T(-1);
    case OpKind::Mul: return a;
    case OpKind::Div: return -a / (b * b);
    case OpKind::Min: return b < a ? T(1) : (a == b ? T(0.5) : T(0));
    case OpKind::Max: return b > a ? T(1) : (a == b ? T(0.5) : T(0));
    case OpKind::Pow: return a > T(0) ? ::pow(a, b) * ::log(a) : T(0);
    case OpKind::PRelu: return a > T(0) ? T(0) : a;
    default: return T(0);
  }
}

// The signal one output element sends to operand a (operand 0) or b (operand 1), given its signal g.
template <typename T>
DEEPVIS_HOST_DEVICE T binary_signal(OpKind kind, int operand, BackwardMode mode, T a, T b, T g) {
  if (operand == 0) {
    if (kind == OpKind::PRelu) {
      return rectifier_backward(mode, binary_partial_a(kind, a, b), g);
    }
    return g * binary_partial_a(kind, a, b);
  }
  return g * binary_partial_b(kind, a, b);
}

}  // namespace deepvis
