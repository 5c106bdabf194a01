// Activations that are a few existing ops: Softsign, x / (1 + |x|), and Celu, alpha * Elu(x / alpha) with Elu's
// alpha 1 (the ONNX definition, max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), rewritten). Both are smooth, so
// the true derivative in every backward mode is what the lowering gives.
#include "compute/onnx/lowerings.hpp"

namespace deepvis::onnx_internal {

void convert_softsign(NodeView& n) {
  const int x = n.blob(0, "input");
  const int magnitude = smooth_step(n, OpKind::Abs, x, "abs");
  const int denominator = n.step(OpKind::Add, NoParams{}, {magnitude, scalar_constant_blob(n, "one", 1.0f)}, "1+abs");
  n.emit(OpKind::Div, NoParams{}, {x, denominator});
}

void convert_celu(NodeView& n) {
  const float alpha = n.attrs.get_float("alpha", 1.0f);
  if (!(alpha > 0.0f)) n.fail("alpha must be positive, got " + std::to_string(alpha));
  const int x = n.blob(0, "X");
  const int scaled = n.step(OpKind::Mul, NoParams{}, {x, scalar_constant_blob(n, "1/alpha", 1.0f / alpha)}, "x/alpha");
  SmoothParams elu;
  elu.alpha = 1.0f;
  const int unit_elu = n.step(OpKind::Elu, elu, {scaled}, "elu");
  n.emit(OpKind::Mul, NoParams{}, {unit_elu, scalar_constant_blob(n, "alpha", alpha)});
}

}  // namespace deepvis::onnx_internal
