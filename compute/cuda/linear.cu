// CUDA Gemm and MatMul on cuBLAS: Y = alpha * A' * B' + beta * C, row-major. cuBLAS is column-major, and a
// row-major r x c matrix is a column-major c x r one, so Z = X * Y (row-major) runs as Z^T = Y^T * X^T: the
// operands swap and nothing is copied (row_major_gemm). beta * C is first broadcast into Y by a small kernel, then
// the GEMM accumulates onto it (beta 1), as the CPU adds C after the product.
// Backward: grad A and grad B (either may be an activation: MatMul of two activations), each one more GEMM
// written in its operand's layout; a gradient for a non-constant C is refused, as on the CPU.
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/linear.hpp"

namespace deepvis::cuda {

namespace {

__global__ void broadcast_bias(const float* c, float* y, int64_t count, int cols, int row_step, int col_step,
                               float beta) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int row = static_cast<int>(i / cols), col = static_cast<int>(i % cols);
    y[i] = beta * c[row * row_step + col * col_step];
  }
}

class LinearKernel final : public Kernel {
 public:
  explicit LinearKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    if (spec.node.kind == OpKind::Gemm) p_ = spec.node.params_as<GemmParams>();
    const Dims& a = spec.input_dims.at(0);
    const Dims& b = spec.input_dims.at(1);
    if (a.size() != 2 || b.size() != 2) throw Error(where_ + ": Gemm/MatMul need 2-D operands");
    m_ = checked_int(p_.trans_a ? a[1] : a[0], where_);
    k_ = checked_int(p_.trans_a ? a[0] : a[1], where_);
    n_ = checked_int(p_.trans_b ? b[0] : b[1], where_);
    checked_int(numel(a), where_);
    checked_int(numel(b), where_);
    checked_int(static_cast<int64_t>(m_) * n_, where_);
    if (spec.input_dims.size() > 2) {
      has_c_ = true;
      // Unidirectional broadcast: C's dims, right-aligned to (M, N), are each 1 or equal.
      const Dims& c = spec.input_dims[2];
      GemmBiasSteps steps;
      try {
        steps = gemm_bias_steps(c, m_, n_);
      } catch (const Error& e) {
        throw Error(where_ + ": " + e.what());
      }
      c_row_step_ = checked_int(steps.row_step, where_);
      c_col_step_ = static_cast<int>(steps.col_step);
    }
  }

  void forward(const ForwardArgs& args) override {
    float* y = args.output->data();
    const int64_t count = static_cast<int64_t>(m_) * n_;
    if (count == 0) return;
    float beta = 0.0f;
    if (has_c_ && p_.beta != 0.0f) {
      broadcast_bias<<<grid_for(count), kBlock, 0, ctx_.stream()>>>(args.inputs[2]->data(), y, count, n_, c_row_step_,
                                                                    c_col_step_, p_.beta);
      check_launch("broadcast_bias", where_);
      beta = 1.0f;
    }
    // Y (M x N) = alpha * A' (M x K) * B' (K x N)
    row_major_gemm(p_.trans_a, p_.trans_b, m_, n_, k_, p_.alpha, args.inputs[0]->data(), args.inputs[1]->data(), beta,
                   y);
  }

  void backward(const BackwardArgs& args) override {
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error(where_ + ": gradient w.r.t. a non-constant C is not supported");
    }
    const float* gy = args.grad_output->data();
    const float* a = args.inputs[0]->data();
    const float* b = args.inputs[1]->data();
    if (Tensor* ga = args.grad_inputs.at(0)) {
      if (p_.trans_a) {  // A is K x M: dA = alpha * B' (K x N) * dY^T (N x M)
        row_major_gemm(p_.trans_b, true, k_, m_, n_, p_.alpha, b, gy, 0.0f, ga->data());
      } else {  // A is M x K: dA = alpha * dY (M x N) * B'^T (N x K)
        row_major_gemm(false, !p_.trans_b, m_, k_, n_, p_.alpha, gy, b, 0.0f, ga->data());
      }
    }
    if (Tensor* gb = args.grad_inputs.at(1)) {
      if (p_.trans_b) {  // B is N x K: dB = alpha * dY^T (N x M) * A' (M x K)
        row_major_gemm(true, p_.trans_a, n_, k_, m_, p_.alpha, gy, a, 0.0f, gb->data());
      } else {  // B is K x N: dB = alpha * A'^T (K x M) * dY (M x N)
        row_major_gemm(!p_.trans_a, false, k_, n_, m_, p_.alpha, a, gy, 0.0f, gb->data());
      }
    }
  }

 private:
  // Z (rows x cols, row-major) = alpha * op(X) (rows x inner) * op(Y) (inner x cols) + beta * Z, where X is
  // stored row-major as rows x inner, or inner x rows when trans_x (likewise Y: inner x cols, or cols x inner).
  // Column-major cuBLAS computes Z^T = op(Y)^T * op(X)^T, reading each row-major buffer as its transpose.
  void row_major_gemm(bool trans_x, bool trans_y, int rows, int cols, int inner, float alpha, const float* x,
                      const float* y, float beta, float* z) const {
    if (rows == 0 || cols == 0) return;
    if (inner == 0) {  // an empty sum: cuBLAS may leave Z untouched, so scale it here
      if (beta == 0.0f) {
        DEEPVIS_CUDA_CALL(where_, cudaMemsetAsync, z, 0, static_cast<std::size_t>(rows) * cols * sizeof(float),
                          ctx_.stream());
      }
      return;
    }
    const int ldx = trans_x ? rows : inner;
    const int ldy = trans_y ? inner : cols;
    DEEPVIS_CUBLAS_CALL(where_, cublasSgemm, ctx_.cublas(), trans_y ? CUBLAS_OP_T : CUBLAS_OP_N,
                        trans_x ? CUBLAS_OP_T : CUBLAS_OP_N, cols, rows, inner, &alpha, y, ldy, x, ldx, &beta, z, cols);
  }

  std::string where_;
  CudaContext& ctx_;
  GemmParams p_;  // MatMul: the defaults (alpha 1, no transposes)
  int m_ = 0, k_ = 0, n_ = 0;
  bool has_c_ = false;
  int c_row_step_ = 0, c_col_step_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Gemm && spec.node.kind != OpKind::MatMul) {
    throw Error("cuda: " + node_where(spec.node) + " is not Gemm or MatMul");
  }
  return std::make_unique<LinearKernel>(spec);
}

}  // namespace deepvis::cuda
