// Reference normalizations: LRN across channels (ONNX window and formula) and inference BatchNormalization.
// Plain loops in double.
#include "compute/ops/norm.hpp"

#include "compute/reference/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace deepvis::reference {

namespace {

// y[c] = x[c] / (bias + alpha/size * sum_{c' in window(c)} x[c']^2)^beta, window(c) = [c - lo, c + hi] clipped
// to the channels, lo = floor((size-1)/2), hi = ceil((size-1)/2) (ONNX).
class LrnKernel final : public Kernel {
 public:
  explicit LrnKernel(const KernelSpec& spec) : p_(spec.node.params_as<LrnParams>()), dims_(spec.input_dims.at(0)) {
    if (dims_.size() < 2) throw Error("reference: LRN node '" + spec.node.name + "' needs an N,C,... input");
    if (p_.size < 1) throw Error("reference: LRN node '" + spec.node.name + "' has size < 1");
    lo_ = (p_.size - 1) / 2;
    hi_ = p_.size - 1 - lo_;
    spatial_ = 1;
    for (size_t i = 2; i < dims_.size(); ++i) spatial_ *= dims_[i];
    denom_.assign(static_cast<size_t>(numel(dims_)), 0.0);
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    compute_denominators(x);
    float* y = args.output->data();
    for (size_t i = 0; i < denom_.size(); ++i) y[i] = static_cast<float>(x[i] * std::pow(denom_[i], -p_.beta));
  }

  // dL/dx_j = g_j D_j^-beta - 2 beta alpha/size x_j sum_{c: j in window(c)} g_c x_c D_c^(-beta-1).
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    if (args.mode == BackwardMode::Deconv && args.options.lrn_passthrough_in_deconv) {
      std::copy(g, g + grad_x->numel(), gx);
      return;
    }
    const float* x = args.inputs.at(0)->data();
    compute_denominators(x);
    const int64_t channels = dims_[1];
    const double scale = static_cast<double>(p_.alpha) / static_cast<double>(p_.size);
    const double beta = p_.beta;
    for (int64_t n = 0; n < dims_[0]; ++n) {
      for (int64_t s = 0; s < spatial_; ++s) {
        for (int64_t j = 0; j < channels; ++j) {
          const size_t at_j = static_cast<size_t>((n * channels + j) * spatial_ + s);
          double cross = 0;
          for (int64_t c = std::max<int64_t>(0, j - hi_); c <= std::min(channels - 1, j + lo_); ++c) {
            const size_t at_c = static_cast<size_t>((n * channels + c) * spatial_ + s);
            cross += static_cast<double>(g[at_c]) * x[at_c] * std::pow(denom_[at_c], -beta - 1.0);
          }
          const double direct = static_cast<double>(g[at_j]) * std::pow(denom_[at_j], -beta);
          gx[at_j] = static_cast<float>(direct - 2.0 * beta * scale * x[at_j] * cross);
        }
      }
    }
  }

 private:
  void compute_denominators(const float* x) {
    const int64_t channels = dims_[1];
    const double scale = static_cast<double>(p_.alpha) / static_cast<double>(p_.size);
    for (int64_t n = 0; n < dims_[0]; ++n) {
      for (int64_t s = 0; s < spatial_; ++s) {
        for (int64_t c = 0; c < channels; ++c) {
          double sum = 0;
          for (int64_t k = std::max<int64_t>(0, c - lo_); k <= std::min(channels - 1, c + hi_); ++k) {
            const double v = x[(n * channels + k) * spatial_ + s];
            sum += v * v;
          }
          denom_[static_cast<size_t>((n * channels + c) * spatial_ + s)] = p_.bias + scale * sum;
        }
      }
    }
  }

  LrnParams p_;
  Dims dims_;
  int64_t lo_ = 0, hi_ = 0, spatial_ = 1;
  std::vector<double> denom_;  // bias + alpha/size * square_sum, per element, sized once
};

// y = scale * (x - mean) / sqrt(var + eps) + B per channel; scale, B, mean and var must be constants.
class BatchNormKernel final : public Kernel {
 public:
  explicit BatchNormKernel(const KernelSpec& spec)
      : eps_(spec.node.params_as<BatchNormParams>().epsilon), dims_(spec.input_dims.at(0)) {
    if (dims_.size() < 2) throw Error("reference: BatchNormalization node '" + spec.node.name + "' needs N,C,...");
    static const char* const kNames[] = {"scale", "B", "mean", "var"};
    for (size_t i = 1; i < 5; ++i) {
      const Tensor* t = i < spec.constants.size() ? spec.constants[i] : nullptr;
      if (t == nullptr || t->numel() != dims_[1]) {
        throw Error("reference: BatchNormalization node '" + spec.node.name + "': input '" + kNames[i - 1] +
                    "' must be a constant of " + std::to_string(dims_[1]) + " values");
      }
      params_[i - 1] = *t;
    }
    spatial_ = 1;
    for (size_t i = 2; i < dims_.size(); ++i) spatial_ *= dims_[i];
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t n = 0; n < dims_[0]; ++n) {
      for (int64_t c = 0; c < dims_[1]; ++c) {
        const double mean = params_[2].at(c);
        const double inv_std = 1.0 / std::sqrt(static_cast<double>(params_[3].at(c)) + eps_);
        const double scale = params_[0].at(c), shift = params_[1].at(c);
        for (int64_t s = 0; s < spatial_; ++s) {
          const int64_t at = (n * dims_[1] + c) * spatial_ + s;
          y[at] = static_cast<float>(scale * (x[at] - mean) * inv_std + shift);
        }
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    for (int64_t n = 0; n < dims_[0]; ++n) {
      for (int64_t c = 0; c < dims_[1]; ++c) {
        const double factor = params_[0].at(c) / std::sqrt(static_cast<double>(params_[3].at(c)) + eps_);
        for (int64_t s = 0; s < spatial_; ++s) {
          const int64_t at = (n * dims_[1] + c) * spatial_ + s;
          gx[at] = static_cast<float>(g[at] * factor);
        }
      }
    }
  }

 private:
  double eps_;
  Dims dims_;
  int64_t spatial_ = 1;
  Tensor params_[4];  // scale, B, mean, var (shared storage with the graph)
};

}  // namespace

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Lrn: return std::make_unique<LrnKernel>(spec);
    case OpKind::BatchNorm: return std::make_unique<BatchNormKernel>(spec);
    default:
      throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a normalization op");
  }
}

}  // namespace deepvis::reference
