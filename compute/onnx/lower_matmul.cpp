// MatMul with NumPy semantics. 2-D by 2-D is the MatMul node itself. An N-D activation times a 2-D matrix (a
// linear layer over the last dim, as ConvNeXt's pointwise layers export) runs as one 2-D MatMul between two
// Reshapes: rows = every leading dim, batch included, so a batch change re-infers both (-1 in each shape). Every
// other case (batched operands, broadcast batch dims, two activations, 1-D operands) is a product and a sum:
// A[..., m, k, 1] * B[..., 1, k, n] summed over k. That holds m*k*n products per batch entry, more memory than a
// batched GEMM, but it is exact, broadcasts as NumPy does and has both operands' gradients on every backend.
#include "compute/onnx/lowerings.hpp"

#include <algorithm>

namespace deepvis::onnx_internal {

namespace {

void matmul_rows(NodeView& n, const Dims& a, const Dims& b) {
  Dims back(a.begin(), a.end() - 1);
  back[0] = -1;
  back.push_back(b[1]);
  const int rows = n.step(OpKind::Reshape, ReshapeParams{{-1, a.back()}}, {n.blob(0, "A")}, "rows");
  const int product = n.step(OpKind::MatMul, NoParams{}, {rows, n.blob(1, "B")}, "2d");
  n.emit(OpKind::Reshape, ReshapeParams{back}, {product});
}

void matmul_broadcast(NodeView& n, const Dims& a_dims, const Dims& b_dims) {
  int a = n.blob(0, "A");
  int b = n.blob(1, "B");
  auto ra = static_cast<int64_t>(a_dims.size());
  auto rb = static_cast<int64_t>(b_dims.size());
  // NumPy: a 1-D A is a row (1 prepended), a 1-D B a column (1 appended); the added dim leaves the result.
  const bool a_vector = ra == 1;
  const bool b_vector = rb == 1;
  if (a_vector) {
    a = n.step(OpKind::Unsqueeze, AxesParams{{0}}, {a}, "a_row");
    ra = 2;
  }
  if (b_vector) {
    b = n.step(OpKind::Unsqueeze, AxesParams{{1}}, {b}, "b_column");
    rb = 2;
  }
  const int a3 = n.step(OpKind::Unsqueeze, AxesParams{{ra}}, {a}, "a_expanded");      // [..., m, k, 1]
  const int b3 = n.step(OpKind::Unsqueeze, AxesParams{{rb - 2}}, {b}, "b_expanded");  // [..., 1, k, n]
  const int products = n.step(OpKind::Mul, NoParams{}, {a3, b3}, "products");
  const int64_t rank = std::max(ra, rb) + 1;
  const ReduceParams over_k{{rank - 2}, false};
  if (!a_vector && !b_vector) {
    n.emit(OpKind::ReduceSum, over_k, {products});
    return;
  }
  const int sum = n.step(OpKind::ReduceSum, over_k, {products}, "sum");
  Dims added;  // in the [..., m, n] result
  if (a_vector) added.push_back(rank - 3);
  if (b_vector) added.push_back(rank - 2);
  n.emit(OpKind::Squeeze, AxesParams{added}, {sum});
}

}  // namespace

void convert_matmul(NodeView& n) {
  const Dims a = n.dims(0, "A");
  const Dims b = n.dims(1, "B");
  if (a.empty() || b.empty())
    n.fail("MatMul needs operands of rank 1 or more; they are " + to_string(a) + " and " + to_string(b));
  if (a.size() == 2 && b.size() == 2) {
    n.emit(OpKind::MatMul, NoParams{}, {n.blob(0, "A"), n.blob(1, "B")});
  } else if (a.size() > 2 && b.size() == 2) {
    matmul_rows(n, a, b);
  } else {
    matmul_broadcast(n, a, b);
  }
}

}  // namespace deepvis::onnx_internal
