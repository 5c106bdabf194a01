// CPU activations. Forward: a oneDNN eltwise primitive over a flat 1-D view (the op is elementwise, so any rank
// works). Backward: OpenMP loops, because oneDNN's eltwise backward only knows the exact gradient, not the
// deconv/guided rules of rectifier_backward.
#include "compute/ops/eltwise.hpp"

#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace deepvis::cpu {

namespace {

constexpr int64_t kParallelFrom = 32768;  // elements; below this threads cost more than they save
constexpr int64_t kBlock = 1024;          // rectifier backward: elements per task, slopes on the stack

class EltwiseKernel final : public Kernel {
 public:
  explicit EltwiseKernel(const KernelSpec& spec) : kind_(spec.node.kind), count_(numel(spec.output_dims)) {
    dnnl::algorithm algorithm = dnnl::algorithm::eltwise_relu;
    float alpha = 0.0f;
    float beta = 0.0f;
    switch (kind_) {
      case OpKind::Relu: break;
      case OpKind::LeakyRelu:
        alpha_ = spec.node.params_as<LeakyReluParams>().alpha;
        alpha = alpha_;
        break;
      case OpKind::Clip:
        clip_ = spec.node.params_as<ClipParams>();
        algorithm = dnnl::algorithm::eltwise_clip;
        alpha = clip_.min;
        beta = clip_.max;
        // ONNX's default bounds are infinite: then Clip is the identity, and a copy keeps NaNs that oneDNN's
        // clip would turn into the lower bound.
        identity_ = std::isinf(clip_.min) && clip_.min < 0 && std::isinf(clip_.max) && clip_.max > 0;
        break;
      case OpKind::Sigmoid: algorithm = dnnl::algorithm::eltwise_logistic; break;
      default:
        throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(kind_)) + ") is not an eltwise op");
    }
    if (identity_ || count_ == 0) return;
    const Dims flat = {count_};
    src_ = plain_memory(flat);
    dst_ = plain_memory(flat);
    const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, plain_desc(flat), alpha,
                                           beta);
    forward_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(desc, dnnl_engine()));
    // Built once: the map holds handles to src_/dst_, which set_data_handle re-points per call.
    forward_args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
  }

  void forward(const ForwardArgs& args) override {
    if (count_ == 0) return;
    const Tensor& x = *args.inputs.at(0);
    if (identity_) {
      std::memcpy(args.output->data(), x.data(), static_cast<size_t>(count_) * sizeof(float));
      return;
    }
    src_.set_data_handle(const_cast<float*>(x.data()));
    dst_.set_data_handle(args.output->data());
    execute(forward_, forward_args_);
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    if (kind_ == OpKind::Sigmoid) {  // the exact derivative in every mode
      const float* y = args.output->data();
      const int64_t n = count_;
#pragma omp parallel for simd if (n > kParallelFrom)
      for (int64_t i = 0; i < n; ++i) gx[i] = g[i] * y[i] * (1.0f - y[i]);
      return;
    }
    switch (args.mode) {
      case BackwardMode::Gradient: rectifier_loop<BackwardMode::Gradient>(x, g, gx); break;
      case BackwardMode::Deconv: rectifier_loop<BackwardMode::Deconv>(x, g, gx); break;
      case BackwardMode::Guided: rectifier_loop<BackwardMode::Guided>(x, g, gx); break;
    }
  }

 private:
  // The mode is a template argument so that rectifier_backward's switch folds away. Slopes go through a small
  // block on the stack first: computed inline, the compiler would branch on the slope per element (jump
  // threading), and with random signs those branches cost far more than the memory traffic.
  template <BackwardMode kMode>
  void rectifier_loop(const float* x, const float* g, float* gx) const {
    const int64_t n = count_;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
    const OpKind kind = kind_;
    const float alpha = alpha_;
    const float lo = clip_.min;
    const float hi = clip_.max;
#pragma omp parallel for if (n > kParallelFrom)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t begin = b * kBlock;
      const int64_t len = std::min(kBlock, n - begin);
      const float* px = x + begin;
      float slope[kBlock];
      if (kind == OpKind::Relu) {
        for (int64_t i = 0; i < len; ++i) slope[i] = px[i] > 0.0f ? 1.0f : 0.0f;
      } else if (kind == OpKind::LeakyRelu) {
        for (int64_t i = 0; i < len; ++i) slope[i] = px[i] > 0.0f ? 1.0f : alpha;
      } else {  // Clip: 1 strictly inside the bounds
        for (int64_t i = 0; i < len; ++i) slope[i] = lo < px[i] && px[i] < hi ? 1.0f : 0.0f;
      }
      const float* pg = g + begin;
      float* pgx = gx + begin;
      for (int64_t i = 0; i < len; ++i) pgx[i] = rectifier_backward(kMode, slope[i], pg[i]);
    }
  }

  OpKind kind_;
  int64_t count_;
  float alpha_ = 0.0f;
  ClipParams clip_;
  bool identity_ = false;
  dnnl::memory src_;
  dnnl::memory dst_;
  dnnl::primitive forward_;
  std::unordered_map<int, dnnl::memory> forward_args_;
};

}  // namespace

std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec) {
  return std::make_unique<EltwiseKernel>(spec);
}

}  // namespace deepvis::cpu
