// CUDA activations: Relu, LeakyRelu, Clip, Sigmoid, one elementwise kernel each way over the flat tensor (any
// rank). Rectifier backward goes through deepvis::rectifier_backward, the one rule for all three modes; the mode is
// a template argument so its switch folds away. Sigmoid backward is the exact derivative in every mode.
#include "compute/core/backward_mode.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/ops/eltwise.hpp"

namespace deepvis::cuda {

namespace {

struct Activation {
  OpKind kind = OpKind::Relu;
  float alpha = 0.0f;  // LeakyRelu
  float lo = 0.0f;     // Clip
  float hi = 0.0f;
};

__device__ float activate(const Activation& a, float x) {
  switch (a.kind) {
    case OpKind::Relu: return x > 0.0f ? x : 0.0f;
    case OpKind::LeakyRelu: return x > 0.0f ? x : a.alpha * x;
    case OpKind::Clip: {
      // std::min(std::max(x, lo), hi) spelled out, so NaN passes through as on the host.
      const float v = x < a.lo ? a.lo : x;
      return a.hi < v ? a.hi : v;
    }
    case OpKind::Sigmoid: return 1.0f / (1.0f + expf(-x));
    default: return x;
  }
}

// The forward derivative at the input x (rectifiers only).
__device__ float slope(const Activation& a, float x) {
  switch (a.kind) {
    case OpKind::Relu: return x > 0.0f ? 1.0f : 0.0f;
    case OpKind::LeakyRelu: return x > 0.0f ? 1.0f : a.alpha;
    case OpKind::Clip: return a.lo < x && x < a.hi ? 1.0f : 0.0f;
    default: return 1.0f;
  }
}

__global__ void activation_forward(const float* x, float* y, int64_t count, Activation a) {
  DEEPVIS_FOR_EACH_INDEX(i, count) y[i] = activate(a, x[i]);
}

template <BackwardMode kMode>
__global__ void rectifier_backward_kernel(const float* x, const float* g, float* gx, int64_t count, Activation a) {
  DEEPVIS_FOR_EACH_INDEX(i, count) gx[i] = rectifier_backward(kMode, slope(a, x[i]), g[i]);
}

__global__ void sigmoid_backward(const float* y, const float* g, float* gx, int64_t count) {
  DEEPVIS_FOR_EACH_INDEX(i, count) gx[i] = g[i] * y[i] * (1.0f - y[i]);
}

class EltwiseKernel final : public Kernel {
 public:
  explicit EltwiseKernel(const KernelSpec& spec) : where_(node_where(spec.node)), count_(numel(spec.output_dims)) {
    act_.kind = spec.node.kind;
    if (act_.kind == OpKind::LeakyRelu) act_.alpha = spec.node.params_as<LeakyReluParams>().alpha;
    if (act_.kind == OpKind::Clip) {
      const ClipParams& clip = spec.node.params_as<ClipParams>();
      act_.lo = clip.min;
      act_.hi = clip.max;
    }
  }

  void forward(const ForwardArgs& args) override {
    if (count_ == 0) return;
    activation_forward<<<grid_for(count_), kBlock, 0, stream()>>>(args.inputs.at(0)->data(), args.output->data(),
                                                                  count_, act_);
    check_launch("activation_forward", where_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr || count_ == 0) return;
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    if (act_.kind == OpKind::Sigmoid) {
      sigmoid_backward<<<grid_for(count_), kBlock, 0, stream()>>>(args.output->data(), g, gx, count_);
      check_launch("sigmoid_backward", where_);
      return;
    }
    const float* x = args.inputs.at(0)->data();
    switch (args.mode) {
      case BackwardMode::Gradient: launch<BackwardMode::Gradient>(x, g, gx); break;
      case BackwardMode::Deconv: launch<BackwardMode::Deconv>(x, g, gx); break;
      case BackwardMode::Guided: launch<BackwardMode::Guided>(x, g, gx); break;
    }
  }

 private:
  template <BackwardMode kMode>
  void launch(const float* x, const float* g, float* gx) const {
    rectifier_backward_kernel<kMode><<<grid_for(count_), kBlock, 0, stream()>>>(x, g, gx, count_, act_);
    check_launch("rectifier_backward_kernel", where_);
  }

  static cudaStream_t stream() { return CudaContext::instance().stream(); }

  std::string where_;
  int64_t count_;
  Activation act_;
};

}  // namespace

std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Clip:
    case OpKind::Sigmoid: return std::make_unique<EltwiseKernel>(spec);
    default: throw Error("cuda: " + node_where(spec.node) + " is not an eltwise op");
  }
}

}  // namespace deepvis::cuda
