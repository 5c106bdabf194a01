// CUDA pooling: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, with the conventions of
// compute/reference/pool.cpp (pads never win a max; the first maximum in row-major tap order takes the gradient;
// the two AveragePool divisors; a window with no input tap gives 0 and passes nothing back).
// Max-pool forward uses cuDNN where it matches ONNX (pool_route.hpp), else a naive per-output kernel. Everything
// else is deepvis's own: backward kernels gather per input element (deterministic, no atomics), max-pool backward
// recomputes each window's first maximum into a small index buffer; global pools use one block per plane.
#include "compute/cuda/basic_ops.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/cudnn_descriptors.hpp"
#include "compute/cuda/kernels.hpp"
#include "compute/cuda/launch.cuh"
#include "compute/cuda/pool_route.hpp"

#include <cmath>

namespace deepvis::cuda {

namespace {

struct PoolGeometry {
  int planes = 0;  // N * C
  int h = 0, w = 0, oh = 0, ow = 0;
  int kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int top = 0, left = 0, bottom = 0, right = 0;  // pads
  bool include_pad = false;
};

// Offset in the plane of the window's first maximum (row-major tap order); -1 when no tap is in the input.
__device__ int window_argmax(const float* xp, const PoolGeometry& g, int oh, int ow) {
  int best = -1;
  float best_value = 0.0f;
  const int h0 = oh * g.sh - g.top, w0 = ow * g.sw - g.left;
  for (int i = 0; i < g.kh; ++i) {
    const int ih = h0 + i * g.dh;
    if (ih < 0 || ih >= g.h) continue;
    for (int j = 0; j < g.kw; ++j) {
      const int iw = w0 + j * g.dw;
      if (iw < 0 || iw >= g.w) continue;
      const int at = ih * g.w + iw;
      const float v = xp[at];
      if (best < 0 || v > best_value) {
        best = at;
        best_value = v;
      }
    }
  }
  return best;
}

// Taps of window o along one axis: in the input, and inside the padded input [-pad_begin, size + pad_end).
__device__ void axis_taps(int o, int stride, int pad_begin, int pad_end, int kernel, int dilation, int size,
                          int* inside, int* padded) {
  *inside = 0;
  *padded = 0;
  const int start = o * stride - pad_begin;
  for (int k = 0; k < kernel; ++k) {
    const int pos = start + k * dilation;
    if (pos >= 0 && pos < size) ++*inside;
    if (pos >= -pad_begin && pos < size + pad_end) ++*padded;
  }
}

__device__ float average_divisor(const PoolGeometry& g, int oh, int ow) {
  int in_h = 0, pad_h = 0, in_w = 0, pad_w = 0;
  axis_taps(oh, g.sh, g.top, g.bottom, g.kh, g.dh, g.h, &in_h, &pad_h);
  axis_taps(ow, g.sw, g.left, g.right, g.kw, g.dw, g.w, &in_w, &pad_w);
  return static_cast<float>(g.include_pad ? pad_h * pad_w : in_h * in_w);
}

__global__ void max_pool_forward(const float* x, float* y, PoolGeometry g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.oh * g.ow;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int ow = static_cast<int>(i % g.ow);
    const int oh = static_cast<int>((i / g.ow) % g.oh);
    const float* xp = x + (i / (static_cast<int64_t>(g.ow) * g.oh)) * g.h * g.w;
    const int at = window_argmax(xp, g, oh, ow);
    y[i] = at < 0 ? 0.0f : xp[at];
  }
}

__global__ void max_pool_argmax(const float* x, int* argmax, PoolGeometry g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.oh * g.ow;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int ow = static_cast<int>(i % g.ow);
    const int oh = static_cast<int>((i / g.ow) % g.oh);
    const float* xp = x + (i / (static_cast<int64_t>(g.ow) * g.oh)) * g.h * g.w;
    argmax[i] = window_argmax(xp, g, oh, ow);
  }
}

__global__ void average_pool_forward(const float* x, float* y, PoolGeometry g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.oh * g.ow;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int ow = static_cast<int>(i % g.ow);
    const int oh = static_cast<int>((i / g.ow) % g.oh);
    const float* xp = x + (i / (static_cast<int64_t>(g.ow) * g.oh)) * g.h * g.w;
    float sum = 0.0f;
    const int h0 = oh * g.sh - g.top, w0 = ow * g.sw - g.left;
    for (int a = 0; a < g.kh; ++a) {
      const int ih = h0 + a * g.dh;
      if (ih < 0 || ih >= g.h) continue;
      for (int b = 0; b < g.kw; ++b) {
        const int iw = w0 + b * g.dw;
        if (iw >= 0 && iw < g.w) sum += xp[ih * g.w + iw];
      }
    }
    const float div = average_divisor(g, oh, ow);
    y[i] = div > 0.0f ? sum / div : 0.0f;
  }
}

// Calls f(oh, ow) for every window that has the input position (ih, iw) among its taps, in a fixed order.
template <class F>
__device__ void for_each_covering_window(const PoolGeometry& g, int ih, int iw, F f) {
  for (int a = 0; a < g.kh; ++a) {
    const int th = ih + g.top - a * g.dh;
    if (th < 0 || th % g.sh != 0 || th / g.sh >= g.oh) continue;
    for (int b = 0; b < g.kw; ++b) {
      const int tw = iw + g.left - b * g.dw;
      if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.ow) continue;
      f(th / g.sh, tw / g.sw);
    }
  }
}

__global__ void max_pool_backward(const int* argmax, const float* gy, float* gx, PoolGeometry g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.h * g.w;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int iw = static_cast<int>(i % g.w);
    const int ih = static_cast<int>((i / g.w) % g.h);
    const int64_t out_base = (i / (static_cast<int64_t>(g.w) * g.h)) * g.oh * g.ow;
    const int at = ih * g.w + iw;
    float sum = 0.0f;
    for_each_covering_window(g, ih, iw, [&](int oh, int ow) {
      const int64_t o = out_base + oh * g.ow + ow;
      if (argmax[o] == at) sum += gy[o];
    });
    gx[i] = sum;
  }
}

__global__ void average_pool_backward(const float* gy, float* gx, PoolGeometry g) {
  const int64_t count = static_cast<int64_t>(g.planes) * g.h * g.w;
  DEEPVIS_FOR_EACH_INDEX(i, count) {
    const int iw = static_cast<int>(i % g.w);
    const int ih = static_cast<int>((i / g.w) % g.h);
    const int64_t out_base = (i / (static_cast<int64_t>(g.w) * g.h)) * g.oh * g.ow;
    float sum = 0.0f;
    for_each_covering_window(g, ih, iw, [&](int oh, int ow) {
      const float div = average_divisor(g, oh, ow);
      if (div > 0.0f) sum += gy[out_base + oh * g.ow + ow] / div;
    });
    gx[i] = sum;
  }
}

// The first maximum of xp[0, n) over the block: strided scans, then a tree that keeps the larger value and, on
// equal values, the lower index. Every thread gets the answer. blockDim.x must be kBlock.
__device__ int block_argmax(const float* xp, int n) {
  __shared__ float values[kBlock];
  __shared__ int indices[kBlock];
  const int t = threadIdx.x;
  float best_value = 0.0f;
  int best = -1;
  for (int i = t; i < n; i += blockDim.x) {
    const float v = xp[i];
    if (best < 0 || v > best_value) {
      best = i;
      best_value = v;
    }
  }
  values[t] = best_value;
  indices[t] = best;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (t < step) {
      const int oi = indices[t + step];
      const float ov = values[t + step];
      const int mi = indices[t];
      if (oi >= 0 && (mi < 0 || ov > values[t] || (ov == values[t] && oi < mi))) {
        indices[t] = oi;
        values[t] = ov;
      }
    }
    __syncthreads();
  }
  const int result = indices[0];
  __syncthreads();
  return result;
}

__device__ double block_sum(double v) {
  __shared__ double partial[kBlock];
  const int t = threadIdx.x;
  partial[t] = v;
  __syncthreads();
  for (int step = blockDim.x / 2; step > 0; step /= 2) {
    if (t < step) partial[t] += partial[t + step];
    __syncthreads();
  }
  const double result = partial[0];
  __syncthreads();
  return result;
}

// One block per plane.
__global__ void global_average_forward(const float* x, float* y, int plane_size) {
  const float* xp = x + static_cast<int64_t>(blockIdx.x) * plane_size;
  double sum = 0.0;
  for (int i = threadIdx.x; i < plane_size; i += blockDim.x) sum += xp[i];
  sum = block_sum(sum);
  if (threadIdx.x == 0) y[blockIdx.x] = static_cast<float>(sum / plane_size);
}

__global__ void global_max_forward(const float* x, float* y, int plane_size) {
  const float* xp = x + static_cast<int64_t>(blockIdx.x) * plane_size;
  const int best = block_argmax(xp, plane_size);
  if (threadIdx.x == 0) y[blockIdx.x] = best < 0 ? 0.0f : xp[best];
}

__global__ void global_average_backward(const float* gy, float* gx, int64_t count, int plane_size) {
  DEEPVIS_FOR_EACH_INDEX(i, count) gx[i] = gy[i / plane_size] / static_cast<float>(plane_size);
}

__global__ void global_max_backward(const float* x, const float* gy, float* gx, int plane_size) {
  const int64_t base = static_cast<int64_t>(blockIdx.x) * plane_size;
  const int best = block_argmax(x + base, plane_size);
  const float g = gy[blockIdx.x];
  for (int i = threadIdx.x; i < plane_size; i += blockDim.x) gx[base + i] = i == best ? g : 0.0f;
}

class PoolKernel final : public Kernel {
 public:
  explicit PoolKernel(const KernelSpec& spec)
      : where_(node_where(spec.node)), ctx_(CudaContext::instance()), kind_(spec.node.kind) {
    const Dims& x = spec.input_dims.at(0);
    const Dims& y = spec.output_dims;
    if (x.size() != 4 || y.size() != 4) throw Error(where_ + ": the CUDA pooling needs a 4-D input");
    g_.planes = checked_int(x[0] * x[1], where_);
    g_.h = checked_int(x[2], where_);
    g_.w = checked_int(x[3], where_);
    g_.oh = checked_int(y[2], where_);
    g_.ow = checked_int(y[3], where_);
    checked_int(numel(x), where_);
    checked_int(numel(y), where_);
    if (global()) return;
    const PoolParams& p = spec.node.params_as<PoolParams>();
    g_.kh = checked_int(p.kernel.at(0), where_);
    g_.kw = checked_int(p.kernel.at(1), where_);
    g_.sh = checked_int(p.strides.at(0), where_);
    g_.sw = checked_int(p.strides.at(1), where_);
    g_.dh = checked_int(p.dilations.at(0), where_);
    g_.dw = checked_int(p.dilations.at(1), where_);
    g_.top = checked_int(p.pads_begin.at(0), where_);
    g_.left = checked_int(p.pads_begin.at(1), where_);
    g_.bottom = checked_int(p.pads_end.at(0), where_);
    g_.right = checked_int(p.pads_end.at(1), where_);
    g_.include_pad = p.count_include_pad;
    if (kind_ == OpKind::MaxPool) {
      argmax_ = device_alloc(static_cast<std::size_t>(numel(y)) * sizeof(int), "max-pool switches", where_);
      build_cudnn(plan_pool_route(kind_, p, x, y), y);
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const cudaStream_t stream = ctx_.stream();
    const int64_t outputs = static_cast<int64_t>(g_.planes) * g_.oh * g_.ow;
    switch (kind_) {
      case OpKind::GlobalAveragePool:
        if (g_.planes == 0) return;
        global_average_forward<<<g_.planes, kBlock, 0, stream>>>(x, y, g_.h * g_.w);
        return check_launch("global_average_forward", where_);
      case OpKind::GlobalMaxPool:
        if (g_.planes == 0) return;
        global_max_forward<<<g_.planes, kBlock, 0, stream>>>(x, y, g_.h * g_.w);
        return check_launch("global_max_forward", where_);
      case OpKind::AveragePool:
        if (outputs == 0) return;
        average_pool_forward<<<grid_for(outputs), kBlock, 0, stream>>>(x, y, g_);
        return check_launch("average_pool_forward", where_);
      default: break;
    }
    if (route_ == PoolRoute::Own) {
      if (outputs == 0) return;
      max_pool_forward<<<grid_for(outputs), kBlock, 0, stream>>>(x, y, g_);
      return check_launch("max_pool_forward", where_);
    }
    if (route_ == PoolRoute::CudnnPadded) {
      pad_planes_async(x, padded_, padding_, -INFINITY, stream, where_);
      x = padded_;
    }
    const float one = 1.0f, zero = 0.0f;
    DEEPVIS_CUDNN_CALL(where_, cudnnPoolingForward, ctx_.cudnn(), pool_desc_.get(), &one, x_desc_.get(), x, &zero,
                       y_desc_.get(), y);
  }

  // The exact gradient in every mode; max pooling routes to each window's first maximum (the forward switches).
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* gy = args.grad_output->data();
    float* gx = grad_x->data();
    const cudaStream_t stream = ctx_.stream();
    const int64_t inputs = static_cast<int64_t>(g_.planes) * g_.h * g_.w;
    const int64_t outputs = static_cast<int64_t>(g_.planes) * g_.oh * g_.ow;
    if (inputs == 0) return;
    switch (kind_) {
      case OpKind::GlobalAveragePool:
        global_average_backward<<<grid_for(inputs), kBlock, 0, stream>>>(gy, gx, inputs, g_.h * g_.w);
        return check_launch("global_average_backward", where_);
      case OpKind::GlobalMaxPool:
        global_max_backward<<<g_.planes, kBlock, 0, stream>>>(x, gy, gx, g_.h * g_.w);
        return check_launch("global_max_backward", where_);
      case OpKind::AveragePool:
        average_pool_backward<<<grid_for(inputs), kBlock, 0, stream>>>(gy, gx, g_);
        return check_launch("average_pool_backward", where_);
      default: break;
    }
    int* argmax = static_cast<int*>(argmax_.get());
    max_pool_argmax<<<grid_for(outputs), kBlock, 0, stream>>>(x, argmax, g_);
    check_launch("max_pool_argmax", where_);
    max_pool_backward<<<grid_for(inputs), kBlock, 0, stream>>>(argmax, gy, gx, g_);
    check_launch("max_pool_backward", where_);
  }

 private:
  bool global() const { return kind_ == OpKind::GlobalAveragePool || kind_ == OpKind::GlobalMaxPool; }

  // Takes the cuDNN route when the plan allows it and cuDNN agrees on the output size; else stays Own.
  void build_cudnn(const PoolPlan& plan, const Dims& y) {
    if (plan.route == PoolRoute::Own) return;
    set_nchw(x_desc_, plan.pooled_input, where_);
    set_nchw(y_desc_, y, where_);
    DEEPVIS_CUDNN_CALL(where_, cudnnSetPooling2dDescriptor, pool_desc_.get(), CUDNN_POOLING_MAX,
                       CUDNN_NOT_PROPAGATE_NAN, g_.kh, g_.kw, checked_int(plan.pad_h, where_),
                       checked_int(plan.pad_w, where_), g_.sh, g_.sw);
    int n = 0, c = 0, h = 0, w = 0;
    DEEPVIS_CUDNN_CALL(where_, cudnnGetPooling2dForwardOutputDim, pool_desc_.get(), x_desc_.get(), &n, &c, &h, &w);
    if (Dims{n, c, h, w} != y) return;
    if (plan.route == PoolRoute::CudnnPadded) {
      padding_.planes = g_.planes;
      padding_.h = g_.h;
      padding_.w = g_.w;
      padding_.padded_h = checked_int(plan.pooled_input[2], where_);
      padding_.padded_w = checked_int(plan.pooled_input[3], where_);
      padding_.top = checked_int(plan.top, where_);
      padding_.left = checked_int(plan.left, where_);
      padded_memory_ = device_alloc(static_cast<std::size_t>(numel(plan.pooled_input)) * sizeof(float),
                                    "the -inf padded input", where_);
      padded_ = static_cast<float*>(padded_memory_.get());
    }
    route_ = plan.route;
  }

  std::string where_;
  CudaContext& ctx_;
  OpKind kind_;
  PoolGeometry g_;
  PoolRoute route_ = PoolRoute::Own;  // max-pool forward
  std::shared_ptr<void> argmax_;      // max-pool backward: per output, the plane offset of its first maximum
  TensorDescriptor x_desc_, y_desc_;
  PoolingDescriptor pool_desc_;
  PlanePadding padding_;
  std::shared_ptr<void> padded_memory_;
  float* padded_ = nullptr;
};

}  // namespace

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: return std::make_unique<PoolKernel>(spec);
    default: throw Error("cuda: " + node_where(spec.node) + " is not a pooling op");
  }
}

}  // namespace deepvis::cuda
