// CUDA normalizations: LRN across channels (ONNX window and formula) and inference BatchNormalization.
// LRN: deepvis's own kernels, forward and the exact backward
//   dL/dx_j = g_j D_j^-beta - 2 beta alpha/size x_j sum_{c: j in window(c)} g_c x_c D_c^(-beta-1),
// in two passes (per element D^-beta and g x D^(-beta-1) into buffers made once, then the window sums), and the
// deconv passthrough (grad_x = g) when BackwardOptions asks for it.
// BatchNormalization: y = a*x + b per channel, a and b computed once on the host from the constant inputs; a Relu
// that alone reads y runs in the same kernel, forward and backward (Kernel::fuses_relu).
#include "compute/core/backward_mode.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/norm.hpp"

#include <cmath>
#include <vector>

namespace deepvis::cuda {

namespace {

struct LrnGeometry {
  int channels = 0;
  int spatial = 1;     // product of the dims after C
  int lo = 0, hi = 0;  // window(c) = [c - lo, c + hi] clipped to the channels
  float scale = 0.0f;  // alpha / size
  float beta = 0.0f;
  float bias = 0.0f;
};

// bias + alpha/size * sum of squares over the window of element i.
__device__ float lrn_denominator(const float* x, int64_t i, const LrnGeometry& g) {
  const int s = static_cast<int>(i % g.spatial);
  const int64_t nc = i / g.spatial;
  const int c = static_cast<int>(nc % g.channels);
  const int64_t base = (nc - c) * g.spatial + s;  // channel 0 of the same (n, s)
  const int first = max(0, c - g.lo), last = min(g.channels - 1, c + g.hi);
  float sum = 0.0f;
  for (int k = first; k <= last; ++k) {
    const float v = x[base + static_cast<int64_t>(k) * g.spatial];
    sum += v * v;
  }
  return g.bias + g.scale * sum;
}

__global__ void lrn_forward(const float* x, float* y, int64_t count, LrnGeometry g) {
  DEEPVIS_FOR_EACH_INDEX(i, count) y[i] = x[i] * powf(lrn_denominator(x, i, g), -g.beta);
}

// Pass 1: power = D^-beta, term = g x D^(-beta-1).
__global__ void lrn_backward_terms(const float* x, const float* gy, float* power, float* term, int64_t count,
                                   LrnGeometry g) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const float d = lrn_denominator(x, i, g);
    const float pw = powf(d, -g.beta);
    power[i] = pw;
    term[i] = gy[i] * x[i] * pw / d;
  }
}

// Pass 2: grad_x_j = g_j power_j - 2 beta scale x_j sum_{c in [j - hi, j + lo]} term_c.
__global__ void lrn_backward_sum(const float* x, const float* gy, const float* power, const float* term, float* gx,
                                 int64_t count, LrnGeometry g) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int s = static_cast<int>(i % g.spatial);
    const int64_t nc = i / g.spatial;
    const int j = static_cast<int>(nc % g.channels);
    const int64_t base = (nc - j) * g.spatial + s;
    const int first = max(0, j - g.hi), last = min(g.channels - 1, j + g.lo);
    float cross = 0.0f;
    for (int c = first; c <= last; ++c) cross += term[base + static_cast<int64_t>(c) * g.spatial];
    gx[i] = gy[i] * power[i] - 2.0f * g.beta * g.scale * x[i] * cross;
  }
}

__global__ void channel_affine(const float* x, float* y, const float* a, const float* b, int64_t count, int channels,
                               int spatial) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int c = static_cast<int>((i / spatial) % channels);
    y[i] = a[c] * x[i] + (b ? b[c] : 0.0f);
  }
}

// channel_affine, then a Relu that alone reads y (Kernel::fuses_relu): z = max(y, 0) in the same pass.
__global__ void channel_affine_relu(const float* x, float* y, float* z, const float* a, const float* b, int64_t count,
                                    int channels, int spatial) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int c = static_cast<int>((i / spatial) % channels);
    const float v = a[c] * x[i] + b[c];
    y[i] = v;
    z[i] = v > 0.0f ? v : 0.0f;
  }
}

// The fused Relu's backward from gz (its slope from y, the Relu's input), kept in gy, then gx = a * gy.
template <BackwardMode kMode>
__global__ void relu_channel_affine_backward(const float* y, const float* gz, float* gy, float* gx, const float* a,
                                             int64_t count, int channels, int spatial) {
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int c = static_cast<int>((i / spatial) % channels);
    const float g = rectifier_backward(kMode, y[i] > 0.0f ? 1.0f : 0.0f, gz[i]);
    gy[i] = g;
    gx[i] = a[c] * g;
  }
}

class LrnKernel final : public Kernel {
 public:
  explicit LrnKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const LrnParams& p = spec.node.params_as<LrnParams>();
    const Dims& dims = spec.input_dims.at(0);
    if (dims.size() < 2) throw Error(where_ + ": LRN needs an N,C,... input");
    if (p.size < 1) throw Error(where_ + ": LRN has size < 1");
    count_ = checked_int(numel(dims), where_);
    g_.channels = checked_int(dims[1], where_);
    g_.spatial = 1;
    for (size_t i = 2; i < dims.size(); ++i) g_.spatial *= checked_int(dims[i], where_);
    g_.lo = checked_int((p.size - 1) / 2, where_);
    g_.hi = checked_int(p.size - 1 - (p.size - 1) / 2, where_);
    g_.scale = p.alpha / static_cast<float>(p.size);
    g_.beta = p.beta;
    g_.bias = p.bias;
    if (spec.constants.at(0) == nullptr) {
      power_ = device_tensor({count_}, where_);
      term_ = device_tensor({count_}, where_);
    }
  }

  void forward(const ForwardArgs& args) override {
    if (count_ == 0) return;
    lrn_forward<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(args.inputs.at(0)->data(), args.output->data(), count_,
                                                                g_);
    check_launch("lrn_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr || count_ == 0) return;
    const float* gy = args.grad_output->data();
    float* gx = grad_x->data();
    if (args.mode == BackwardMode::Deconv && args.options.lrn_passthrough_in_deconv) {
      DEEPVIS_CUDA_CALL(where_, cudaMemcpyAsync, gx, gy, static_cast<std::size_t>(count_) * sizeof(float),
                        cudaMemcpyDeviceToDevice, ctx_.stream());
      return;
    }
    const float* x = args.inputs.at(0)->data();
    lrn_backward_terms<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(x, gy, power_.data(), term_.data(), count_, g_);
    check_launch("lrn_backward_terms", where_);
    lrn_backward_sum<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(x, gy, power_.data(), term_.data(), gx, count_,
                                                                     g_);
    check_launch("lrn_backward_sum", where_);
  }

 private:
  std::string where_;
  CudaContext& ctx_;
  int64_t count_ = 0;
  LrnGeometry g_;
  Tensor power_, term_;  // backward scratch, one value per element
};

class BatchNormKernel final : public Kernel {
 public:
  explicit BatchNormKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const Dims& dims = spec.input_dims.at(0);
    if (dims.size() < 2) throw Error(where_ + ": BatchNormalization needs an N,C,... input");
    count_ = checked_int(numel(dims), where_);
    channels_ = checked_int(dims[1], where_);
    spatial_ = 1;
    for (size_t i = 2; i < dims.size(); ++i) spatial_ *= checked_int(dims[i], where_);
    static const char* const kNames[] = {"scale", "B", "mean", "var"};
    const Tensor* in[4] = {};
    for (size_t i = 1; i < 5; ++i) {
      in[i - 1] = i < spec.constants.size() ? spec.constants[i] : nullptr;
      if (in[i - 1] == nullptr || in[i - 1]->numel() != channels_) {
        throw Error(where_ + ": input '" + kNames[i - 1] + "' must be a constant of " + std::to_string(channels_) +
                    " values");
      }
    }
    const double eps = spec.node.params_as<BatchNormParams>().epsilon;
    Tensor a({channels_}), b({channels_});
    for (int c = 0; c < channels_; ++c) {
      const double scale = in[0]->at(c) / std::sqrt(static_cast<double>(in[3]->at(c)) + eps);
      a.at(c) = static_cast<float>(scale);
      b.at(c) = static_cast<float>(in[1]->at(c) - scale * in[2]->at(c));
    }
    a_ = device_copy_of(a, where_);
    b_ = device_copy_of(b, where_);
  }

  void forward(const ForwardArgs& args) override {
    if (count_ == 0) return;
    if (args.relu_output != nullptr) {
      channel_affine_relu<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(
          args.inputs.at(0)->data(), args.output->data(), args.relu_output->data(), a_.data(), b_.data(), count_,
          channels_, spatial_);
      check_launch("channel_affine_relu", where_);
      return;
    }
    channel_affine<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(args.inputs.at(0)->data(), args.output->data(),
                                                                   a_.data(), b_.data(), count_, channels_, spatial_);
    check_launch("channel_affine", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr || count_ == 0) return;
    if (args.pre_relu_grad != nullptr) {
      switch (args.mode) {
        case BackwardMode::Deconv: return backward_through_relu<BackwardMode::Deconv>(args, grad_x->data());
        case BackwardMode::Guided: return backward_through_relu<BackwardMode::Guided>(args, grad_x->data());
        case BackwardMode::Gradient:
        default: return backward_through_relu<BackwardMode::Gradient>(args, grad_x->data());
      }
    }
    channel_affine<<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(args.grad_output->data(), grad_x->data(), a_.data(),
                                                                   nullptr, count_, channels_, spatial_);
    check_launch("channel_affine", where_);
  }

  bool fuses_relu() const override { return true; }

 private:
  template <BackwardMode kMode>
  void backward_through_relu(const BackwardArgs& args, float* gx) {
    relu_channel_affine_backward<kMode><<<grid_for(count_), kBlock, 0, ctx_.stream()>>>(
        args.output->data(), args.grad_output->data(), args.pre_relu_grad->data(), gx, a_.data(), count_, channels_,
        spatial_);
    check_launch("relu_channel_affine_backward", where_);
  }

  std::string where_;
  CudaContext& ctx_;
  int64_t count_ = 0;
  int channels_ = 0, spatial_ = 1;
  Tensor a_, b_;  // per channel, on the device
};

}  // namespace

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Lrn: return std::make_unique<LrnKernel>(spec);
    case OpKind::BatchNorm: return std::make_unique<BatchNormKernel>(spec);
    default: throw Error("cuda: " + node_where(spec.node) + " is not a normalization op");
  }
}

}  // namespace deepvis::cuda
