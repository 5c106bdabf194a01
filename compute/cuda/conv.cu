// CUDA Conv on cuDNN: convolution forward (plus the bias, our own kernel, which also runs a Relu that alone reads
// the output) and backward-data, with descriptors built and algorithms chosen once per shape (measured with cudnnFind*,
// cached for the process). The scratch comes from the context's shared workspace, reserved here. cuDNN pads
// symmetrically: unequal ONNX pads are applied by copying x into a zero-padded buffer first (conv_padding.hpp), and
// backward crops the padded gradient back. Exact fp32 by default: only FMA-math algorithms are accepted unless TF32 is
// switched on (CudaOptions). Backward is backward-data only, as on the CPU: W and B are weights, constant in real
// models.
#include "compute/cuda/basic_ops.hpp"
#include "compute/cuda/conv_padding.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/cudnn_descriptors.hpp"
#include "compute/cuda/kernels.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace deepvis::cuda {

namespace {

constexpr std::size_t kMaxWorkspace = std::size_t{1} << 30;  // per algorithm; the context shares one buffer

// Heuristic choices may use tensor cores (TF32) only when asked to.
bool math_allowed(cudnnMathType_t math, bool tf32) {
  return tf32 || (math != CUDNN_TENSOR_OP_MATH && math != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
}

std::size_t workspace_limit() {
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    cudaGetLastError();
    return kMaxWorkspace / 4;
  }
  return std::min(kMaxWorkspace, free / 4);
}

class ConvKernel final : public Kernel {
 public:
  explicit ConvKernel(const KernelSpec& spec) : where_(node_where(spec.node)), ctx_(CudaContext::instance()) {
    const auto& p = spec.node.params_as<ConvParams>();
    const Dims& x = spec.input_dims.at(0);
    const Dims& w = spec.input_dims.at(1);
    params_ = p;
    w_dims_ = w;
    y_dims_ = spec.output_dims;
    const Dims& y = spec.output_dims;
    if (x.size() != 4 || w.size() != 4 || y.size() != 4) {
      throw Error(where_ + ": the CUDA Conv needs 4-D input, weights and output");
    }
    has_bias_ = spec.input_dims.size() > 2;
    if (has_bias_ && numel(spec.input_dims[2]) != w[0]) {
      throw Error(where_ + ": bias " + to_string(spec.input_dims[2]) + " does not match " + std::to_string(w[0]) +
                  " output channels");
    }
    try {
      padding_ = plan_conv_padding(p, x);
    } catch (const Error& e) {
      throw Error(where_ + ": " + e.what());
    }
    set_nchw(x_desc_, padding_.conv_input, where_);
    set_nchw(y_desc_, y, where_);
    DEEPVIS_CUDNN_CALL(where_, cudnnSetFilter4dDescriptor, w_desc_.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                       checked_int(w[0], where_), checked_int(w[1], where_), checked_int(w[2], where_),
                       checked_int(w[3], where_));
    const bool tf32 = ctx_.tf32();
    for (const ConvolutionDescriptor* conv : {&fwd_conv_, &bwd_conv_}) {
      DEEPVIS_CUDNN_CALL(where_, cudnnSetConvolution2dDescriptor, conv->get(), checked_int(padding_.pad_h, where_),
                         checked_int(padding_.pad_w, where_), checked_int(p.strides[0], where_),
                         checked_int(p.strides[1], where_), checked_int(p.dilations[0], where_),
                         checked_int(p.dilations[1], where_), CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
      DEEPVIS_CUDNN_CALL(where_, cudnnSetConvolutionGroupCount, conv->get(), checked_int(p.group, where_));
      DEEPVIS_CUDNN_CALL(where_, cudnnSetConvolutionMathType, conv->get(), tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
    }
    int n = 0, c = 0, h = 0, wd = 0;
    DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolution2dForwardOutputDim, fwd_conv_.get(), x_desc_.get(), w_desc_.get(), &n,
                       &c, &h, &wd);
    if (Dims{n, c, h, wd} != y) {
      throw Error(where_ + ": cuDNN computes output " + to_string(Dims{n, c, h, wd}) + " but the graph says " +
                  to_string(y));
    }
    if (padding_.explicit_pad) {
      geometry_.planes = checked_int(x[0] * x[1], where_);
      geometry_.h = checked_int(x[2], where_);
      geometry_.w = checked_int(x[3], where_);
      geometry_.padded_h = checked_int(padding_.conv_input[2], where_);
      geometry_.padded_w = checked_int(padding_.conv_input[3], where_);
      geometry_.top = checked_int(padding_.top, where_);
      geometry_.left = checked_int(padding_.left, where_);
      padded_memory_ = device_alloc(static_cast<std::size_t>(numel(padding_.conv_input)) * sizeof(float),
                                    "the explicitly padded input", where_);
      padded_ = static_cast<float*>(padded_memory_.get());
    }
    choose_forward(tf32);
    has_backward_ = spec.constants.at(0) == nullptr;
    if (has_backward_) choose_backward(tf32);
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs[0]->data();
    if (padding_.explicit_pad) {
      pad_planes_async(x, padded_, geometry_, 0.0f, ctx_.stream(), where_);
      x = padded_;
    }
    const float one = 1.0f, zero = 0.0f;
    DEEPVIS_CUDNN_CALL(where_, cudnnConvolutionForward, ctx_.cudnn(), &one, x_desc_.get(), x, w_desc_.get(),
                       args.inputs[1]->data(), fwd_conv_.get(), fwd_algo_, ctx_.workspace(), fwd_workspace_, &zero,
                       y_desc_.get(), args.output->data());
    if (has_bias_ && args.relu_output != nullptr) {
      add_channel_bias_relu_async(args.output->data(), args.inputs[2]->data(), args.relu_output->data(), y_dims_[0],
                                  y_dims_[1], y_dims_[2] * y_dims_[3], ctx_.stream(), where_);
    } else if (has_bias_) {
      add_channel_bias_async(args.output->data(), args.inputs[2]->data(), y_dims_[0], y_dims_[1],
                             y_dims_[2] * y_dims_[3], ctx_.stream(), where_);
    }
  }

  void backward(const BackwardArgs& args) override {
    const Tensor* gy = args.grad_output;
    if (args.pre_relu_grad != nullptr) {  // the fused Relu's backward first
      relu_backward_async(args.output->data(), args.grad_output->data(), args.pre_relu_grad->data(), numel(y_dims_),
                          args.mode, ctx_.stream(), where_);
      gy = args.pre_relu_grad;
    }
    if (args.grad_inputs.size() > 1 && args.grad_inputs[1]) {
      throw Error(where_ + ": gradient w.r.t. non-constant Conv weights is not supported");
    }
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error(where_ + ": gradient w.r.t. a non-constant Conv bias is not supported");
    }
    if (args.grad_inputs.empty() || !args.grad_inputs[0]) return;
    if (!has_backward_) throw Error(where_ + ": no backward was prepared for a constant input");
    float* gx = args.grad_inputs[0]->data();
    float* target = padding_.explicit_pad ? padded_ : gx;
    // beta 1 adds to the gradient in place (accumulates_into); only without explicit pads, where cuDNN writes gx.
    const float one = 1.0f, zero = 0.0f;
    const float* beta = args.adds_into(0) ? &one : &zero;
    DEEPVIS_CUDNN_CALL(where_, cudnnConvolutionBackwardData, ctx_.cudnn(), &one, w_desc_.get(), args.inputs[1]->data(),
                       y_desc_.get(), gy->data(), bwd_conv_.get(), bwd_algo_, ctx_.workspace(), bwd_workspace_, beta,
                       x_desc_.get(), target);
    if (padding_.explicit_pad) crop_planes_async(padded_, gx, geometry_, ctx_.stream(), where_);
  }

  bool accumulates_into(size_t slot) const override { return slot == 0 && !padding_.explicit_pad; }
  // With a bias, the Relu joins the bias kernel: one launch and one pass fewer. (cuDNN's fused
  // convolution-bias-activation would write only the Relu's output, and every blob must stay readable.)
  bool fuses_relu() const override { return has_bias_; }

 private:
  // The fastest algorithm cuDNN measures for this shape (cudnnFind, once per shape per process: the result is
  // cached), among those exact enough and within the workspace limit; DEEPVIS_CUDNN_HEURISTIC=1 takes cuDNN's
  // heuristics instead of measuring. Exact fp32 excludes the FFT and Winograd algorithms: their transforms lose
  // digits (a 13-layer VGG's input gradient drifted by 6% from the CPU's with them); TF32 allows every algorithm.
  void choose_forward(bool tf32) {
    const std::string key = shape_key('f', tf32);
    if (!cached_choice(key, fwd_algo_, fwd_math_)) {
      int capacity = 0;
      DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionForwardAlgorithmMaxCount, ctx_.cudnn(), &capacity);
      std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<std::size_t>(std::max(capacity, 1)));
      int returned = 0;
      if (env_flag("DEEPVIS_CUDNN_HEURISTIC")) {
        DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionForwardAlgorithm_v7, ctx_.cudnn(), x_desc_.get(), w_desc_.get(),
                           fwd_conv_.get(), y_desc_.get(), static_cast<int>(perf.size()), &returned, perf.data());
      } else {
        DEEPVIS_CUDNN_CALL(where_, cudnnFindConvolutionForwardAlgorithm, ctx_.cudnn(), x_desc_.get(), w_desc_.get(),
                           fwd_conv_.get(), y_desc_.get(), static_cast<int>(perf.size()), &returned, perf.data());
      }
      const std::size_t limit = workspace_limit();
      fwd_algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
      fwd_math_ = CUDNN_FMA_MATH;
      for (int i = 0; i < returned; ++i) {
        const cudnnConvolutionFwdAlgoPerf_t& r = perf[static_cast<std::size_t>(i)];
        const bool exact =
            r.algo != CUDNN_CONVOLUTION_FWD_ALGO_FFT && r.algo != CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING &&
            r.algo != CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD && r.algo != CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
        if (r.status == CUDNN_STATUS_SUCCESS && r.memory <= limit && math_allowed(r.mathType, tf32) &&
            (tf32 || exact)) {
          fwd_algo_ = r.algo;
          fwd_math_ = r.mathType;
          break;
        }
      }
      remember_choice(key, fwd_algo_, fwd_math_);
    }
    if (tf32) DEEPVIS_CUDNN_CALL(where_, cudnnSetConvolutionMathType, fwd_conv_.get(), fwd_math_);
    DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionForwardWorkspaceSize, ctx_.cudnn(), x_desc_.get(), w_desc_.get(),
                       fwd_conv_.get(), y_desc_.get(), fwd_algo_, &fwd_workspace_);
    ctx_.reserve_workspace(fwd_workspace_, where_);
  }

  void choose_backward(bool tf32) {
    const std::string key = shape_key('b', tf32);
    if (!cached_choice(key, bwd_algo_, bwd_math_)) {
      int capacity = 0;
      DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionBackwardDataAlgorithmMaxCount, ctx_.cudnn(), &capacity);
      std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(static_cast<std::size_t>(std::max(capacity, 1)));
      int returned = 0;
      if (env_flag("DEEPVIS_CUDNN_HEURISTIC")) {
        DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionBackwardDataAlgorithm_v7, ctx_.cudnn(), w_desc_.get(),
                           y_desc_.get(), bwd_conv_.get(), x_desc_.get(), static_cast<int>(perf.size()), &returned,
                           perf.data());
      } else {
        DEEPVIS_CUDNN_CALL(where_, cudnnFindConvolutionBackwardDataAlgorithm, ctx_.cudnn(), w_desc_.get(),
                           y_desc_.get(), bwd_conv_.get(), x_desc_.get(), static_cast<int>(perf.size()), &returned,
                           perf.data());
      }
      const std::size_t limit = workspace_limit();
      bwd_algo_ = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
      bwd_math_ = CUDNN_FMA_MATH;
      for (int i = 0; i < returned; ++i) {
        const cudnnConvolutionBwdDataAlgoPerf_t& r = perf[static_cast<std::size_t>(i)];
        const bool exact = r.algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 || r.algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
        if (r.status == CUDNN_STATUS_SUCCESS && r.memory <= limit && math_allowed(r.mathType, tf32) &&
            (tf32 || exact)) {
          bwd_algo_ = r.algo;
          bwd_math_ = r.mathType;
          break;
        }
      }
      remember_choice(key, bwd_algo_, bwd_math_);
    }
    if (tf32) DEEPVIS_CUDNN_CALL(where_, cudnnSetConvolutionMathType, bwd_conv_.get(), bwd_math_);
    DEEPVIS_CUDNN_CALL(where_, cudnnGetConvolutionBackwardDataWorkspaceSize, ctx_.cudnn(), w_desc_.get(), y_desc_.get(),
                       bwd_conv_.get(), x_desc_.get(), bwd_algo_, &bwd_workspace_);
    ctx_.reserve_workspace(bwd_workspace_, where_);
  }

  // Everything the algorithm choice depends on: direction, math, shapes, pads, strides, dilations, groups.
  std::string shape_key(char direction, bool tf32) const {
    std::string key(1, direction);
    key += tf32 ? "t" : "f";
    for (int64_t v : padding_.conv_input) key += " " + std::to_string(v);
    for (int64_t v : w_dims_) key += " " + std::to_string(v);
    for (int64_t v : {padding_.pad_h, padding_.pad_w}) key += " " + std::to_string(v);
    for (int64_t v : params_.strides) key += " s" + std::to_string(v);
    for (int64_t v : params_.dilations) key += " d" + std::to_string(v);
    return key + " g" + std::to_string(params_.group);
  }

  template <class Algo>
  static bool cached_choice(const std::string& key, Algo& algo, cudnnMathType_t& math) {
    std::lock_guard<std::mutex> lock(choice_mutex());
    const auto it = choices().find(key);
    if (it == choices().end()) return false;
    algo = static_cast<Algo>(it->second.first);
    math = it->second.second;
    return true;
  }
  static void remember_choice(const std::string& key, int algo, cudnnMathType_t math) {
    std::lock_guard<std::mutex> lock(choice_mutex());
    choices()[key] = {algo, math};
  }
  static std::map<std::string, std::pair<int, cudnnMathType_t>>& choices() {
    static std::map<std::string, std::pair<int, cudnnMathType_t>> table;
    return table;
  }
  static std::mutex& choice_mutex() {
    static std::mutex m;
    return m;
  }

  std::string where_;
  CudaContext& ctx_;
  ConvPadding padding_;
  PlanePadding geometry_;
  std::shared_ptr<void> padded_memory_;  // explicit pads: x padded (forward), the padded gradient (backward)
  float* padded_ = nullptr;
  bool has_bias_ = false, has_backward_ = false;
  TensorDescriptor x_desc_, y_desc_;
  FilterDescriptor w_desc_;
  ConvolutionDescriptor fwd_conv_, bwd_conv_;  // two, so each direction keeps its algorithm's math type
  cudnnConvolutionFwdAlgo_t fwd_algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd_algo_ = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
  cudnnMathType_t fwd_math_ = CUDNN_FMA_MATH, bwd_math_ = CUDNN_FMA_MATH;
  std::size_t fwd_workspace_ = 0, bwd_workspace_ = 0;
  ConvParams params_;
  Dims w_dims_, y_dims_;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Conv) throw Error("cuda: " + node_where(spec.node) + " is not a Conv");
  return std::make_unique<ConvKernel>(spec);
}

}  // namespace deepvis::cuda
