#pragma once
// Smooth activations and elementwise functions of one input: Tanh, Elu, Selu, Softplus, HardSigmoid, HardSwish, Erf,
// Exp, Log, Sqrt, Reciprocal, Abs, Neg, the trigonometric and hyperbolic functions and their inverses (coordinate
// and positional encodings), and the piecewise-constant Floor, Ceil, Round and Sign (fake-quantized and binarized
// nets). Output dims = input dims. None is a rectifier: every backward mode uses the true derivative, which is 0
// for the piecewise-constant ones, as in PyTorch (docs/engine.md, "Backward modes"). The formulas are written once,
// here, for every backend: the reference runs them in double, the CPU and CUDA backends in float (the same code,
// compiled for the device too).
#include "compute/core/host_device.hpp"
#include "compute/ops/op_kind.hpp"

#include <math.h>
#include <cmath>

namespace deepvis {

// ONNX's attributes of the parameterized ones (alpha, beta, gamma); unused fields are 0.
struct SmoothParams {
  float alpha = 0.0f;
  float beta = 0.0f;
  float gamma = 0.0f;
};

// The case labels of every smooth kind, for the switches over OpKind that treat them as one family (dims
// inference, kernel dispatch): the list exists once, and those switches keep the compiler's exhaustiveness check.
#define DEEPVIS_SMOOTH_OP_CASES \
  case OpKind::Tanh:            \
  case OpKind::Elu:             \
  case OpKind::Selu:            \
  case OpKind::Softplus:        \
  case OpKind::HardSigmoid:     \
  case OpKind::HardSwish:       \
  case OpKind::Erf:             \
  case OpKind::Exp:             \
  case OpKind::Log:             \
  case OpKind::Sqrt:            \
  case OpKind::Reciprocal:      \
  case OpKind::Abs:             \
  case OpKind::Neg:             \
  case OpKind::Sin:             \
  case OpKind::Cos:             \
  case OpKind::Tan:             \
  case OpKind::Asin:            \
  case OpKind::Acos:            \
  case OpKind::Atan:            \
  case OpKind::Sinh:            \
  case OpKind::Cosh:            \
  case OpKind::Asinh:           \
  case OpKind::Acosh:           \
  case OpKind::Atanh:           \
  case OpKind::Floor:           \
  case OpKind::Ceil:            \
  case OpKind::Round:           \
  case OpKind::Sign

inline constexpr bool is_smooth(OpKind kind) {
  switch (kind) {
  DEEPVIS_SMOOTH_OP_CASES:
    return true;
    default: return false;
  }
}

// y = f(x).
template <typename T>
DEEPVIS_HOST_DEVICE T smooth_value(OpKind kind, T x, const SmoothParams& p) {
  const T alpha = static_cast<T>(p.alpha);
  switch (kind) {
    case OpKind::Tanh: return ::tanh(x);
    case OpKind::Elu: return x > T(0) ? x : alpha * (::exp(x) - T(1));
    case OpKind::Selu: return static_cast<T>(p.gamma) * (x > T(0) ? x : alpha * (::exp(x) - T(1)));
    case OpKind::Softplus: return x > T(0) ? x + ::log1p(::exp(-x)) : ::log1p(::exp(x));  // no overflow
    case OpKind::HardSigmoid: {
      const T v = alpha * x + static_cast<T>(p.beta);
      return v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
    }
    case OpKind::HardSwish: {
      const T v = x / T(6) + T(0.5);
      return x * (v < T(0) ? T(0) : (v > T(1) ? T(1) : v));
    }
    case OpKind::Erf: return ::erf(x);
    case OpKind::Exp: return ::exp(x);
    case OpKind::Log: return ::log(x);
    case OpKind::Sqrt: return ::sqrt(x);
    case OpKind::Reciprocal: return T(1) / x;
    case OpKind::Abs: return x < T(0) ? -x : x;
    case OpKind::Neg: return -x;
    case OpKind::Sin: return ::sin(x);
    case OpKind::Cos: return ::cos(x);
    case OpKind::Tan: return ::tan(x);
    case OpKind::Asin: return ::asin(x);
    case OpKind::Acos: return ::acos(x);
    case OpKind::Atan: return ::atan(x);
    case OpKind::Sinh: return ::sinh(x);
    case OpKind::Cosh: return ::cosh(x);
    case OpKind::Asinh: return ::asinh(x);
    case OpKind::Acosh: return ::acosh(x);
    case OpKind::Atanh: return ::atanh(x);
    case OpKind::Floor: return ::floor(x);
    case OpKind::Ceil: return ::ceil(x);
    case OpKind::Round: return ::rint(x);  // ONNX rounds halves to even: rint in the default rounding mode
    case OpKind::Sign: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    default: return x;
  }
}

// dy/dx at x (y = f(x), passed for the ones whose derivative is cheapest from it). At a kink (Abs at 0,
// HardSigmoid and HardSwish at their corners) it takes the side PyTorch's autograd takes: 0 for Abs at 0, the
// inner slope for HardSigmoid's open interval only, and HardSwish's (2x + 3) / 6 on [-3, 3].
template <typename T>
DEEPVIS_HOST_DEVICE T smooth_slope(OpKind kind, T x, T y, const SmoothParams& p) {
  const T alpha = static_cast<T>(p.alpha);
  switch (kind) {
    case OpKind::Tanh: return T(1) - y * y;
    case OpKind::Elu: return x > T(0) ? T(1) : alpha * ::exp(x);
    case OpKind::Selu: return static_cast<T>(p.gamma) * (x > T(0) ? T(1) : alpha * ::exp(x));
    case OpKind::Softplus: return T(1) / (T(1) + ::exp(-x));
    case OpKind::HardSigmoid: {
      const T v = alpha * x + static_cast<T>(p.beta);
      return v > T(0) && v < T(1) ? alpha : T(0);
    }
    case OpKind::HardSwish: return x < T(-3) ? T(0) : (x > T(3) ? T(1) : (T(2) * x + T(3)) / T(6));
    case OpKind::Erf: return T(1.1283791670955126) * ::exp(-x * x);  // 2 / sqrt(pi)
    case OpKind::Exp: return y;
    case OpKind::Log: return T(1) / x;
    case OpKind::Sqrt: return T(0.5) / y;
    case OpKind::Reciprocal: return -y * y;
    case OpKind::Abs: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    case OpKind::Neg: return T(-1);
    case OpKind::Sin: return ::cos(x);
    case OpKind::Cos: return -::sin(x);
    case OpKind::Tan: return T(1) + y * y;
    case OpKind::Asin: return T(1) / ::sqrt(T(1) - x * x);
    case OpKind::Acos: return T(-1) / ::sqrt(T(1) - x * x);
    case OpKind::Atan: return T(1) / (T(1) + x * x);
    case OpKind::Sinh: return ::cosh(x);
    case OpKind::Cosh: return ::sinh(x);
    case OpKind::Asinh: return T(1) / ::sqrt(x * x + T(1));
    case OpKind::Acosh: return T(1) / ::sqrt(x * x - T(1));
    case OpKind::Atanh: return T(1) / (T(1) - x * x);
    case OpKind::Floor:
    case OpKind::Ceil:
    case OpKind::Round:
    case OpKind::Sign: return T(0);  // piecewise constant: PyTorch's autograd gives 0 everywhere too
    default: return T(1);
  }
}

}  // namespace deepvis
