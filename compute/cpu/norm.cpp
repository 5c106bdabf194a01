// CPU normalizations: LRN across channels and inference BatchNormalization.
//
// LRN forward: oneDNN lrn_forward for odd sizes (its alpha is divided by size, as in ONNX). oneDNN's window is
// [c - (size-1)/2, c + (size+1)/2 - 1], one channel shorter than ONNX's [c - floor((size-1)/2), c + ceil((size-1)/2)]
// for even sizes (size 2 gives [c, c]), so even sizes run as OpenMP loops.
// LRN backward: OpenMP loops for every size. oneDNN 2.6 has no jit LRN backward for plain nchw and falls back to
// its reference implementation, which measured 3-5x slower than these loops (AlexNet 96x55x55, 2 threads).
// BatchNormalization: per-channel y = a*x + b with a, b computed once from the constant inputs; OpenMP loops, on
// plain or channel-blocked data. It runs a Relu that alone reads its output in the same pass (Kernel::fuses_relu).
#include "compute/ops/norm.hpp"

#include "compute/core/backward_mode.hpp"

#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace deepvis::cpu {

namespace {

using dnnl::memory;

// y = x * (bias + alpha/size * square_sum)^-beta over the ONNX window; see the file comment for who does what.
class LrnKernel final : public Kernel {
 public:
  LrnKernel(const Dims& dims, const LrnParams& p)
      : batch_(dims[0]),
        channels_(dims[1]),
        spatial_(numel(dims) / (dims[0] * dims[1])),
        lo_((p.size - 1) / 2),
        hi_(p.size - 1 - lo_),
        scale_(p.alpha / static_cast<float>(p.size)),
        beta_(p.beta),
        bias_(p.bias),
        denom_(static_cast<size_t>(numel(dims))),
        term_(static_cast<size_t>(numel(dims))) {
    if (p.size % 2 == 1) {
      src_ = plain_memory(dims);
      dst_ = plain_memory(dims);
      const dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels,
                                         src_.get_desc(), p.size, p.alpha, p.beta, p.bias);
      dnnl_forward_ = dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(desc, dnnl_engine()));
      fwd_args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    if (dnnl_forward_) {
      src_.set_data_handle(const_cast<float*>(x));
      dst_.set_data_handle(y);
      execute(dnnl_forward_, fwd_args_);
      return;
    }
    compute_denominators(x);
    const int64_t count = batch_ * channels_ * spatial_;
#pragma omp parallel for
    for (int64_t i = 0; i < count; ++i) y[i] = x[i] * power(denom_[static_cast<size_t>(i)]);
  }

  // dL/dx_j = g_j D_j^-beta - 2 beta alpha/size x_j sum_{c: j in window(c)} g_c x_c D_c^(-beta-1), where
  // j in window(c) means c in [j - hi, j + lo]. In Deconv mode with lrn_passthrough_in_deconv: grad_x = g.
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    if (args.mode == BackwardMode::Deconv && args.options.lrn_passthrough_in_deconv) {
      grad_x->copy_from(*args.grad_output);
      return;
    }
    const float* x = args.inputs.at(0)->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    compute_denominators(x);
    const int64_t count = batch_ * channels_ * spatial_;
#pragma omp parallel for
    for (int64_t i = 0; i < count; ++i) {
      const auto at = static_cast<size_t>(i);
      const float d = denom_[at], pw = power(d);
      term_[at] = g[i] * x[i] * pw / d;
      denom_[at] = pw;  // from here on, D^-beta
    }
    const float k = 2.0f * beta_ * scale_;
#pragma omp parallel for
    for (int64_t plane = 0; plane < batch_ * channels_; ++plane) {
      const int64_t n = plane / channels_, j = plane % channels_;
      const int64_t first = std::max<int64_t>(0, j - hi_), last = std::min(channels_ - 1, j + lo_);
      float* gxp = gx + plane * spatial_;
      std::fill(gxp, gxp + spatial_, 0.0f);
      for (int64_t c = first; c <= last; ++c) {
        const float* t = term_.data() + (n * channels_ + c) * spatial_;
        for (int64_t s = 0; s < spatial_; ++s) gxp[s] += t[s];
      }
      const float* gp = g + plane * spatial_;
      const float* xp = x + plane * spatial_;
      const float* pw = denom_.data() + plane * spatial_;
      for (int64_t s = 0; s < spatial_; ++s) gxp[s] = gp[s] * pw[s] - k * xp[s] * gxp[s];
    }
  }

 private:
  // D^-beta; the common beta 0.75 without pow.
  float power(float d) const {
    return beta_ == 0.75f ? 1.0f / std::sqrt(d * std::sqrt(d)) : std::pow(d, -beta_);
  }

  void compute_denominators(const float* x) {
#pragma omp parallel for
    for (int64_t plane = 0; plane < batch_ * channels_; ++plane) {
      const int64_t n = plane / channels_, c = plane % channels_;
      const int64_t first = std::max<int64_t>(0, c - lo_), last = std::min(channels_ - 1, c + hi_);
      float* d = denom_.data() + plane * spatial_;
      std::fill(d, d + spatial_, 0.0f);
      for (int64_t k = first; k <= last; ++k) {
        const float* xk = x + (n * channels_ + k) * spatial_;
        for (int64_t s = 0; s < spatial_; ++s) d[s] += xk[s] * xk[s];
      }
      for (int64_t s = 0; s < spatial_; ++s) d[s] = bias_ + scale_ * d[s];
    }
  }

  int64_t batch_, channels_, spatial_, lo_, hi_;
  float scale_, beta_, bias_;
  std::vector<float> denom_, term_;  // sized once
  memory src_, dst_;                 // odd sizes: oneDNN forward
  dnnl::lrn_forward dnnl_forward_;
  std::unordered_map<int, memory> fwd_args_;
};

class BatchNormKernel final : public Kernel {
 public:
  explicit BatchNormKernel(const KernelSpec& spec) {
    const Dims& dims = spec.input_dims.at(0);
    if (dims.size() < 2) throw Error("cpu: BatchNormalization node '" + spec.node.name + "' needs an N,C,... input");
    batch_ = dims[0];
    channels_ = dims[1];
    spatial_ = numel(dims) / (batch_ * channels_);
    static const char* const kNames[] = {"scale", "B", "mean", "var"};
    const Tensor* in[4] = {};
    for (size_t i = 1; i < 5; ++i) {
      in[i - 1] = i < spec.constants.size() ? spec.constants[i] : nullptr;
      if (in[i - 1] == nullptr || in[i - 1]->numel() != channels_) {
        throw Error("cpu: BatchNormalization node '" + spec.node.name + "': input '" + kNames[i - 1] +
                    "' must be a constant of " + std::to_string(channels_) + " values");
      }
    }
    if (spec.input_layout(0) != Layout::Plain) block_ = channel_block(spec.input_layout(0));  // output: the same
    const double eps = spec.node.params_as<BatchNormParams>().epsilon;
    for (int64_t c = 0; c < channels_; ++c) {
      const double a = in[0]->at(c) / std::sqrt(static_cast<double>(in[3]->at(c)) + eps);
      a_.push_back(static_cast<float>(a));
      b_.push_back(static_cast<float>(in[1]->at(c) - a * in[2]->at(c)));
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    float* z = args.relu_output != nullptr ? args.relu_output->data() : nullptr;
    for_each_chunk([&](int64_t at, int64_t len, const float* a, const float* b, int64_t lanes) {
      if (lanes == 1) {
        const float a0 = a[0], b0 = b[0];
        for (int64_t i = at; i < at + len; ++i) y[i] = a0 * x[i] + b0;
      } else {
        for (int64_t p = 0; p < len; p += lanes) {
          for (int64_t l = 0; l < lanes; ++l) y[at + p + l] = a[l] * x[at + p + l] + b[l];
        }
      }
      if (z == nullptr) return;
      for (int64_t i = at; i < at + len; ++i) z[i] = y[i] > 0.0f ? y[i] : 0.0f;
    });
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    if (args.pre_relu_grad == nullptr) return scale(args.grad_output->data(), grad_x->data());
    switch (args.mode) {
      case BackwardMode::Deconv: return backward_through_relu<BackwardMode::Deconv>(args, grad_x->data());
      case BackwardMode::Guided: return backward_through_relu<BackwardMode::Guided>(args, grad_x->data());
      case BackwardMode::Gradient:
      default: return backward_through_relu<BackwardMode::Gradient>(args, grad_x->data());
    }
  }

  bool fuses_relu() const override { return true; }

 private:
  static constexpr int64_t kChunk = 1024;  // elements; a multiple of every channel block

  // gx = a * g per channel.
  void scale(const float* g, float* gx) const {
    for_each_chunk([&](int64_t at, int64_t len, const float* a, const float*, int64_t lanes) {
      if (lanes == 1) {
        const float a0 = a[0];
        for (int64_t i = at; i < at + len; ++i) gx[i] = a0 * g[i];
        return;
      }
      for (int64_t p = 0; p < len; p += lanes) {
        for (int64_t l = 0; l < lanes; ++l) gx[at + p + l] = a[l] * g[at + p + l];
      }
    });
  }

  // The fused Relu's backward (its slope from this node's output, the Relu's input), then this node's. Slopes go
  // through a block on the stack, as in the Relu kernel (compute/cpu/eltwise.cpp says why).
  template <BackwardMode kMode>
  void backward_through_relu(const BackwardArgs& args, float* gx) const {
    const float* y = args.output->data();
    const float* gz = args.grad_output->data();
    float* gy = args.pre_relu_grad->data();
    for_each_chunk([&](int64_t at, int64_t len, const float*, const float*, int64_t) {
      float slope[kChunk];
      for (int64_t i = 0; i < len; ++i) slope[i] = y[at + i] > 0.0f ? 1.0f : 0.0f;
      for (int64_t i = 0; i < len; ++i) gy[at + i] = rectifier_backward(kMode, slope[i], gz[at + i]);
    });
    scale(gy, gx);
  }

  // f(at, len, a, b, lanes) for chunks [at, at + len) of at most kChunk elements, over OpenMP threads. Element
  // at + k has channel parameters a[k % lanes], b[k % lanes]: lanes 1 when plain (a chunk lies in one channel's
  // plane), block_ when channel-blocked (pixel-major runs of a channel group).
  template <class F>
  void for_each_chunk(F f) const {
    const int64_t lanes = block_ > 0 ? block_ : 1;
    const int64_t groups = channels_ / lanes, run = spatial_ * lanes, runs = batch_ * groups;
    const int64_t chunks = (run + kChunk - 1) / kChunk;
#pragma omp parallel for collapse(2)
    for (int64_t r = 0; r < runs; ++r) {
      for (int64_t c = 0; c < chunks; ++c) {
        const auto first = static_cast<size_t>((r % groups) * lanes);
        f(r * run + c * kChunk, std::min(kChunk, run - c * kChunk), a_.data() + first, b_.data() + first, lanes);
      }
    }
  }

  int64_t batch_ = 0, channels_ = 0, spatial_ = 1;
  int64_t block_ = 0;         // channel group of a blocked input and output; 0 when plain
  std::vector<float> a_, b_;  // y = a*x + b per channel
};

}  // namespace

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Lrn: {
      const LrnParams& p = spec.node.params_as<LrnParams>();
      const Dims& dims = spec.input_dims.at(0);
      if (dims.size() != 4) throw Error("cpu: LRN node '" + spec.node.name + "' needs a 4-D input");
      if (p.size < 1) throw Error("cpu: LRN node '" + spec.node.name + "' has size < 1");
      return std::make_unique<LrnKernel>(dims, p);
    }
    case OpKind::BatchNorm: return std::make_unique<BatchNormKernel>(spec);
    default:
      throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a normalization op");
  }
}

}  // namespace deepvis::cpu
