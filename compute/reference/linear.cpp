// Reference Gemm and MatMul: Y = alpha * A' * B' + beta * C as loops in double. The test oracle.
// MatMul is Gemm with alpha 1 and no C. Backward gives grad A and grad B (whichever is wanted); C is a bias,
// constant in real models, so a gradient request for it is refused with an error naming the node.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

namespace {

class LinearKernel final : public Kernel {
 public:
  explicit LinearKernel(const KernelSpec& spec) : name_(spec.node.name) {
    if (spec.node.kind == OpKind::Gemm) p_ = spec.node.params_as<GemmParams>();
    const Dims& a = spec.input_dims.at(0);
    const Dims& b = spec.input_dims.at(1);
    m_ = p_.trans_a ? a[1] : a[0];
    k_ = p_.trans_a ? a[0] : a[1];
    n_ = p_.trans_b ? b[0] : b[1];
    if (spec.input_dims.size() > 2) {
      has_c_ = true;
      // Unidirectional broadcast: C's dims, right-aligned to (M, N), are each 1 or equal.
      const Dims& c = spec.input_dims[2];
      GemmBiasSteps steps;
      try {
        steps = gemm_bias_steps(c, m_, n_);
      } catch (const Error& e) {
        throw Error("Gemm node '" + name_ + "': " + e.what());
      }
      c_row_step_ = steps.row_step;
      c_col_step_ = steps.col_step;
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* c = has_c_ ? args.inputs[2]->data() : nullptr;
    float* y = args.output->data();
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < n_; ++j) {
        double acc = 0.0;
        for (int64_t k = 0; k < k_; ++k) acc += static_cast<double>(a_at(args.inputs, i, k)) * b_at(args.inputs, k, j);
        double v = p_.alpha * acc;
        if (c) v += static_cast<double>(p_.beta) * c[i * c_row_step_ + j * c_col_step_];
        y[i * n_ + j] = static_cast<float>(v);
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error("Gemm node '" + name_ + "': gradient w.r.t. a non-constant C is not supported");
    }
    const float* gy = args.grad_output->data();
    if (Tensor* ga = args.grad_inputs.at(0)) {  // dA'(i, k) = alpha * sum_j dY(i, j) B'(k, j)
      for (int64_t i = 0; i < m_; ++i) {
        for (int64_t k = 0; k < k_; ++k) {
          double acc = 0.0;
          for (int64_t j = 0; j < n_; ++j) acc += static_cast<double>(gy[i * n_ + j]) * b_at(args.inputs, k, j);
          ga->at(a_index(i, k)) = static_cast<float>(p_.alpha * acc);
        }
      }
    }
    if (Tensor* gb = args.grad_inputs.at(1)) {  // dB'(k, j) = alpha * sum_i A'(i, k) dY(i, j)
      for (int64_t k = 0; k < k_; ++k) {
        for (int64_t j = 0; j < n_; ++j) {
          double acc = 0.0;
          for (int64_t i = 0; i < m_; ++i) acc += static_cast<double>(a_at(args.inputs, i, k)) * gy[i * n_ + j];
          gb->at(b_index(k, j)) = static_cast<float>(p_.alpha * acc);
        }
      }
    }
  }

 private:
  // Where A'(i, k) and B'(k, j) live in A and B.
  int64_t a_index(int64_t i, int64_t k) const { return p_.trans_a ? k * m_ + i : i * k_ + k; }
  int64_t b_index(int64_t k, int64_t j) const { return p_.trans_b ? j * k_ + k : k * n_ + j; }
  using Inputs = std::vector<const Tensor*>;
  float a_at(const Inputs& in, int64_t i, int64_t k) const { return in[0]->at(a_index(i, k)); }
  float b_at(const Inputs& in, int64_t k, int64_t j) const { return in[1]->at(b_index(k, j)); }

  std::string name_;
  GemmParams p_;  // MatMul: the defaults (alpha 1, no transposes)
  int64_t m_ = 0, k_ = 0, n_ = 0;
  bool has_c_ = false;
  int64_t c_row_step_ = 0, c_col_step_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec) {
  return std::make_unique<LinearKernel>(spec);
}

}  // namespace deepvis::reference
