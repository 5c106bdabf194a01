// CPU Gemm and MatMul on the oneDNN matmul primitive, created once per kernel; transposes are strides in the
// memory descriptors. The common case, the classifier (A activation, B constant weights, C constant bias), is
// one primitive: alpha * B is reordered once into oneDNN's preferred layout and beta * C is its bias. Otherwise
// alpha is an output scale and beta * C is added by a loop afterwards (oneDNN's scale-then-bias order is
// avoided so the two never combine). Backward: grad A and grad B, each one more matmul; C must be constant.
// At a batch of a few rows the classifier instead runs small_batch_gemm's weight-streaming loops on alpha * B kept
// as N x K rows (the same one copy of the weights).
#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"
#include "compute/cpu/small_batch_gemm.hpp"

#include <optional>
#include <unordered_map>

namespace deepvis::cpu {

namespace {

using dnnl::memory;
using ExecArgs = std::unordered_map<int, memory>;

// A logical rows x cols matrix; `transposed`: stored as its cols x rows transpose, row-major.
memory::desc matrix_desc(int64_t rows, int64_t cols, bool transposed) {
  return memory::desc({rows, cols}, memory::data_type::f32, transposed ? memory::dims{1, rows} : memory::dims{cols, 1});
}

memory::desc any_matrix(int64_t rows, int64_t cols) {
  return memory::desc({rows, cols}, memory::data_type::f32, memory::format_tag::any);
}

memory unbound(const memory::desc& desc) {
  return memory(desc, dnnl_engine(), DNNL_MEMORY_NONE);
}

void bind(memory& m, const float* data) {
  m.set_data_handle(const_cast<float*>(data));
}

// One matmul primitive and the arguments it runs with (memories rebound per call, scratchpad owned here).
struct Matmul {
  dnnl::matmul prim;
  ExecArgs args;
  memory src, weights, dst;

  // `weights_data`: a constant to reorder once into the primitive's layout, or nullptr to bind per call.
  Matmul(const memory::desc& src_desc, const memory::desc& weights_desc, const memory::desc& dst_desc, float scale,
         const float* weights_data, const memory* bias = nullptr) {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // allocated once here, not per execution
    if (scale != 1.0f) attr.set_output_scales(0, {scale});
    const memory::desc wanted_weights =
        weights_data ? any_matrix(weights_desc.dims()[0], weights_desc.dims()[1]) : weights_desc;
    const dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(src_desc, wanted_weights, bias->get_desc(), dst_desc)
                                         : dnnl::matmul::desc(src_desc, wanted_weights, dst_desc);
    const dnnl::matmul::primitive_desc pd(desc, attr, dnnl_engine());
    prim = dnnl::matmul(pd);
    src = unbound(src_desc);
    dst = unbound(dst_desc);
    if (weights_data) {
      memory given(weights_desc, dnnl_engine(), const_cast<float*>(weights_data));
      weights = memory(pd.weights_desc(), dnnl_engine());
      dnnl::reorder(given, weights).execute(dnnl_stream(), given, weights);
      dnnl_stream().wait();
    } else {
      weights = unbound(weights_desc);
    }
    args = {{DNNL_ARG_SRC, src},
            {DNNL_ARG_WEIGHTS, weights},
            {DNNL_ARG_DST, dst},
            {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), dnnl_engine())}};
    if (bias) args[DNNL_ARG_BIAS] = *bias;
  }

  void run() { execute(prim, args); }
};

class LinearKernel final : public Kernel {
 public:
  explicit LinearKernel(const KernelSpec& spec) : name_(spec.node.name) {
    try {
      build(spec);
    } catch (const dnnl::error& e) {
      throw Error(std::string(op_name(spec.node.kind)) + " node '" + name_ +
                  "': oneDNN could not build it: " + e.what());
    }
  }

  void forward(const ForwardArgs& args) override {
    if (!rows_.empty()) {
      small_batch_forward(args.inputs[0]->data(), m_, k_, rows_.data(), n_,
                          bias_values_.empty() ? nullptr : bias_values_.data(), args.output->data());
      return;
    }
    bind(fwd_->src, args.inputs[0]->data());
    if (!b_constant_) bind(fwd_->weights, args.inputs[1]->data());
    bind(fwd_->dst, args.output->data());
    fwd_->run();
    dnnl_stream().wait();
    if (c_by_loop_) add_c(args.inputs[2]->data(), args.output->data());
  }

  void backward(const BackwardArgs& args) override {
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error("Gemm node '" + name_ + "': gradient w.r.t. a non-constant C is not supported");
    }
    if (Tensor* ga = args.grad_inputs.at(0)) {
      if (!rows_.empty()) {
        small_batch_backward(args.grad_output->data(), m_, n_, rows_.data(), k_, ga->data());
      } else {
        if (!grad_a_) throw Error("node '" + name_ + "': no backward was prepared for a constant A");
        bind(grad_a_->src, args.grad_output->data());
        if (!b_constant_) bind(grad_a_->weights, args.inputs[1]->data());
        bind(grad_a_->dst, ga->data());
        grad_a_->run();
      }
    }
    if (Tensor* gb = args.grad_inputs.at(1)) {
      if (!grad_b_) throw Error("node '" + name_ + "': no backward was prepared for a constant B");
      bind(grad_b_->src, args.inputs[0]->data());
      bind(grad_b_->weights, args.grad_output->data());
      bind(grad_b_->dst, gb->data());
      grad_b_->run();
    }
    dnnl_stream().wait();
  }

 private:
  void build(const KernelSpec& spec) {
    if (spec.node.kind == OpKind::Gemm) p_ = spec.node.params_as<GemmParams>();
    const Dims& a = spec.input_dims.at(0);
    const Dims& b = spec.input_dims.at(1);
    m_ = p_.trans_a ? a[1] : a[0];
    k_ = p_.trans_a ? a[0] : a[1];
    n_ = p_.trans_b ? b[0] : b[1];
    const Tensor* b_const = spec.constants.at(1);
    b_constant_ = b_const != nullptr;

    // alpha folded into a constant B, so the primitive needs no output scale.
    Tensor alpha_b;
    if (b_constant_) {
      alpha_b = b_const->clone();
      for (int64_t i = 0; i < alpha_b.numel(); ++i) alpha_b.at(i) *= p_.alpha;
    }
    const float scale = b_constant_ ? 1.0f : p_.alpha;
    const float* b_data = b_constant_ ? alpha_b.data() : nullptr;

    memory bias;
    if (spec.input_dims.size() > 2) {
      const Dims& c = spec.input_dims[2];
      GemmBiasSteps steps;
      try {
        steps = gemm_bias_steps(c, m_, n_);
      } catch (const Error& e) {
        throw Error("Gemm node '" + name_ + "': " + e.what());
      }
      c_row_step_ = steps.row_step;
      c_col_step_ = steps.col_step;
      const Tensor* c_const = spec.constants.at(2);
      // beta * C as the primitive's bias in the classifier's form, a row (N) broadcast down; oneDNN 2.6 runs the
      // other bias shapes with its slow reference matmul, so those are added by the loop.
      if (c_const && scale == 1.0f && steps.row_step == 0 && numel(c) == n_) {
        bias_values_ = Tensor({1, n_});
        for (int64_t i = 0; i < bias_values_.numel(); ++i) bias_values_.at(i) = p_.beta * c_const->at(i);
        bias = plain_memory(bias_values_.dims(), bias_values_.data());
      } else {
        c_by_loop_ = true;
      }
    }
    if (b_constant_ && !c_by_loop_ && !p_.trans_a && m_ <= kSmallBatchRows) {
      keep_rows(alpha_b);
      return;
    }
    fwd_.emplace(matrix_desc(m_, k_, p_.trans_a), matrix_desc(k_, n_, p_.trans_b), matrix_desc(m_, n_, false), scale,
                 b_data, bias ? &bias : nullptr);

    // dA' (M x K) = dY (M x N) * B'^T (N x K), written in A's layout.
    if (!spec.constants.at(0)) {
      grad_a_.emplace(matrix_desc(m_, n_, false), matrix_desc(n_, k_, !p_.trans_b), matrix_desc(m_, k_, p_.trans_a),
                      scale, b_data);
    }
    // dB' (K x N) = A'^T (K x M) * dY (M x N), written in B's layout.
    if (!b_constant_) {
      grad_b_.emplace(matrix_desc(k_, m_, !p_.trans_a), matrix_desc(m_, n_, false), matrix_desc(k_, n_, p_.trans_b),
                      p_.alpha, nullptr);
    }
  }

  // alpha * B as N x K rows for small_batch_gemm (B is K x N, or N x K when transposed).
  void keep_rows(const Tensor& alpha_b) {
    if (p_.trans_b) {
      rows_ = alpha_b;
      return;
    }
    rows_ = Tensor({n_, k_});
    const float* b = alpha_b.data();
    float* w = rows_.data();
#pragma omp parallel for
    for (int64_t j = 0; j < n_; ++j) {
      for (int64_t i = 0; i < k_; ++i) w[j * k_ + i] = b[i * n_ + j];
    }
  }

  void add_c(const float* c, float* y) const {
    const double beta = p_.beta;
#pragma omp parallel for if (m_ * n_ > 65536)
    for (int64_t i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < n_; ++j) {
        y[i * n_ + j] = static_cast<float>(y[i * n_ + j] + beta * c[i * c_row_step_ + j * c_col_step_]);
      }
    }
  }

  std::string name_;
  GemmParams p_;  // MatMul: the defaults (alpha 1, no transposes)
  int64_t m_ = 0, k_ = 0, n_ = 0;
  bool b_constant_ = false;
  bool c_by_loop_ = false;
  int64_t c_row_step_ = 0, c_col_step_ = 0;
  Tensor bias_values_;  // beta * C, when the primitive (or small_batch_forward) adds it
  Tensor rows_;         // alpha * B as N x K rows, when small_batch_gemm runs instead of oneDNN
  std::optional<Matmul> fwd_, grad_a_, grad_b_;
};

}  // namespace

std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec) {
  return std::make_unique<LinearKernel>(spec);
}

}  // namespace deepvis::cpu
