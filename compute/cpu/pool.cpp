// CPU pooling: MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.
//
// oneDNN pooling_v2 does the work (global pools are pools with a plane-sized window). Max pooling runs forward as
// forward_training so that backward can route through oneDNN's workspace (the forward switches).
// oneDNN has no ceil_mode: padding_r is enlarged until its output dims equal pool_output_dims. That is exact for
// max pooling and for averaging without pads in the divisor, but oneDNN's include-padding divisor is always the
// full window, whereas ONNX/PyTorch stop counting at the padded edge; those cases, and windows lying wholly in the
// padding (which ONNX-style rules define and oneDNN does not), run as OpenMP plain loops instead (LoopPoolKernel),
// with the same conventions as compute/reference/pool.cpp.
#include "compute/ops/pool.hpp"

#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace deepvis::cpu {

namespace {

using dnnl::memory;

// Pool params of any pooling node: the global pools get one window covering the plane.
PoolParams effective_params(const KernelSpec& spec) {
  const Dims& x = spec.input_dims.at(0);
  if (spec.node.kind == OpKind::GlobalAveragePool || spec.node.kind == OpKind::GlobalMaxPool) {
    return PoolParams{{x[2], x[3]}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, false, false};
  }
  return spec.node.params_as<PoolParams>();
}

bool is_max(OpKind kind) {
  return kind == OpKind::MaxPool || kind == OpKind::GlobalMaxPool;
}

// The taps of every output position along one axis, flattened: taps[begin[o] .. begin[o + 1]) are the in-input
// positions of window o; padded[o] counts its taps inside [-pad_begin, size + pad_end).
struct AxisTaps {
  std::vector<int64_t> taps, begin, padded;

  AxisTaps(const PoolParams& p, size_t axis, int64_t size, int64_t out) {
    for (int64_t o = 0; o < out; ++o) {
      begin.push_back(static_cast<int64_t>(taps.size()));
      int64_t count = 0;
      const int64_t start = o * p.strides[axis] - p.pads_begin[axis];
      for (int64_t k = 0; k < p.kernel[axis]; ++k) {
        const int64_t pos = start + k * p.dilations[axis];
        if (pos >= 0 && pos < size) taps.push_back(pos);
        if (pos >= -p.pads_begin[axis] && pos < size + p.pads_end[axis]) ++count;
      }
      padded.push_back(count);
    }
    begin.push_back(static_cast<int64_t>(taps.size()));
  }

  bool any_empty() const {
    for (size_t o = 0; o + 1 < begin.size(); ++o) {
      if (begin[o] == begin[o + 1]) return true;
    }
    return false;
  }
  bool all_full(int64_t kernel) const {
    return std::all_of(padded.begin(), padded.end(), [kernel](int64_t c) { return c == kernel; });
  }
};

class DnnlPoolKernel final : public Kernel {
 public:
  DnnlPoolKernel(const KernelSpec& spec, const PoolParams& p) {
    const Dims& x = spec.input_dims.at(0);
    const Dims& y = spec.output_dims;
    const dnnl::algorithm alg = is_max(spec.node.kind) ? dnnl::algorithm::pooling_max
                                : p.count_include_pad  ? dnnl::algorithm::pooling_avg_include_padding
                                                       : dnnl::algorithm::pooling_avg_exclude_padding;
    memory::dims strides(p.strides.begin(), p.strides.end()), kernel(p.kernel.begin(), p.kernel.end());
    memory::dims dilation = {p.dilations[0] - 1, p.dilations[1] - 1};  // oneDNN counts skipped elements
    memory::dims pad_l(p.pads_begin.begin(), p.pads_begin.end()), pad_r(p.pads_end.begin(), p.pads_end.end());
    for (size_t i = 0; i < 2; ++i) {
      // oneDNN derives the output size by flooring; grow the end pad by what ceil_mode adds.
      const int64_t extent = p.dilations[i] * (p.kernel[i] - 1) + 1;
      const int64_t floor_out = (x[2 + i] + pad_l[i] + pad_r[i] - extent) / strides[i] + 1;
      if (floor_out != y[2 + i]) pad_r[i] = (y[2 + i] - 1) * strides[i] + extent - x[2 + i] - pad_l[i];
    }
    // Blocked data stays blocked. A one-pixel output (a global pool's) is planned plain, but its bytes are the
    // same in the input's blocked layout, which oneDNN wants on both sides.
    const Layout in_layout = spec.input_layout(0);
    const Layout out_layout = y[2] * y[3] == 1 ? in_layout : spec.output_layout;
    src_ = layout_memory(x, in_layout);
    dst_ = layout_memory(y, out_layout);
    diff_src_ = layout_memory(x, in_layout);
    diff_dst_ = layout_memory(y, out_layout);
    const dnnl::pooling_v2_forward::desc fwd_desc(dnnl::prop_kind::forward_training, alg, src_.get_desc(),
                                                  dst_.get_desc(), strides, kernel, dilation, pad_l, pad_r);
    const dnnl::pooling_v2_forward::primitive_desc fwd_pd(fwd_desc, dnnl_engine());
    const dnnl::pooling_v2_backward::desc bwd_desc(alg, diff_src_.get_desc(), diff_dst_.get_desc(), strides, kernel,
                                                   dilation, pad_l, pad_r);
    const dnnl::pooling_v2_backward::primitive_desc bwd_pd(bwd_desc, dnnl_engine(), fwd_pd);
    forward_ = dnnl::pooling_v2_forward(fwd_pd);
    backward_ = dnnl::pooling_v2_backward(bwd_pd);
    if (alg == dnnl::algorithm::pooling_max) {
      workspace_ = memory(fwd_pd.workspace_desc(), dnnl_engine());
      fwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
      bwd_args_[DNNL_ARG_WORKSPACE] = workspace_;
    }
    fwd_args_[DNNL_ARG_SRC] = src_;
    fwd_args_[DNNL_ARG_DST] = dst_;
    bwd_args_[DNNL_ARG_DIFF_DST] = diff_dst_;
    bwd_args_[DNNL_ARG_DIFF_SRC] = diff_src_;
  }

  void forward(const ForwardArgs& args) override {
    src_.set_data_handle(const_cast<float*>(args.inputs.at(0)->data()));
    dst_.set_data_handle(args.output->data());
    execute(forward_, fwd_args_);
  }

  // Same in every mode: max pooling follows the workspace written by the most recent forward.
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    diff_dst_.set_data_handle(const_cast<float*>(args.grad_output->data()));
    diff_src_.set_data_handle(grad_x->data());
    execute(backward_, bwd_args_);
  }

 private:
  memory src_, dst_, diff_src_, diff_dst_, workspace_;
  dnnl::pooling_v2_forward forward_;
  dnnl::pooling_v2_backward backward_;
  std::unordered_map<int, memory> fwd_args_, bwd_args_;
};

// OpenMP plain loops, one (n, c) plane per iteration, for what oneDNN cannot express (see the file comment).
class LoopPoolKernel final : public Kernel {
 public:
  LoopPoolKernel(const KernelSpec& spec, const PoolParams& p)
      : max_(is_max(spec.node.kind)),
        include_pad_(p.count_include_pad),
        x_(spec.input_dims.at(0)),
        y_(spec.output_dims),
        rows_(p, 0, x_[2], y_[2]),
        cols_(p, 1, x_[3], y_[3]) {}

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    const int64_t planes = x_[0] * x_[1], in_plane = x_[2] * x_[3], out_plane = y_[2] * y_[3];
#pragma omp parallel for
    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* xp = x + plane * in_plane;
      float* yp = y + plane * out_plane;
      for (int64_t oh = 0; oh < y_[2]; ++oh) {
        for (int64_t ow = 0; ow < y_[3]; ++ow) {
          float& out = yp[oh * y_[3] + ow];
          if (max_) {
            const int64_t at = argmax(xp, oh, ow);
            out = at < 0 ? 0.0f : xp[at];
          } else {
            float sum = 0.0f;
            for_each_tap(oh, ow, [&](int64_t at) { sum += xp[at]; });
            const float div = divisor(oh, ow);
            out = div > 0.0f ? sum / div : 0.0f;
          }
        }
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* g = args.grad_output->data();
    float* gx = grad_x->data();
    const int64_t planes = x_[0] * x_[1], in_plane = x_[2] * x_[3], out_plane = y_[2] * y_[3];
#pragma omp parallel for
    for (int64_t plane = 0; plane < planes; ++plane) {
      const float* xp = x + plane * in_plane;
      const float* gp = g + plane * out_plane;
      float* gxp = gx + plane * in_plane;
      std::fill(gxp, gxp + in_plane, 0.0f);
      for (int64_t oh = 0; oh < y_[2]; ++oh) {
        for (int64_t ow = 0; ow < y_[3]; ++ow) {
          const float go = gp[oh * y_[3] + ow];
          if (max_) {
            const int64_t at = argmax(xp, oh, ow);
            if (at >= 0) gxp[at] += go;
          } else {
            const float div = divisor(oh, ow);
            if (div > 0.0f) for_each_tap(oh, ow, [&](int64_t at) { gxp[at] += go / div; });
          }
        }
      }
    }
  }

 private:
  template <class F>
  void for_each_tap(int64_t oh, int64_t ow, F&& f) const {
    const auto r = static_cast<size_t>(oh), c = static_cast<size_t>(ow);
    for (int64_t i = rows_.begin[r]; i < rows_.begin[r + 1]; ++i) {
      for (int64_t j = cols_.begin[c]; j < cols_.begin[c + 1]; ++j) {
        f(rows_.taps[static_cast<size_t>(i)] * x_[3] + cols_.taps[static_cast<size_t>(j)]);
      }
    }
  }

  // The first maximum in row-major tap order; -1 for a window wholly in the padding.
  int64_t argmax(const float* xp, int64_t oh, int64_t ow) const {
    int64_t best = -1;
    for_each_tap(oh, ow, [&](int64_t at) {
      if (best < 0 || xp[at] > xp[best]) best = at;
    });
    return best;
  }

  float divisor(int64_t oh, int64_t ow) const {
    const auto r = static_cast<size_t>(oh), c = static_cast<size_t>(ow);
    if (include_pad_) return static_cast<float>(rows_.padded[r] * cols_.padded[c]);
    return static_cast<float>((rows_.begin[r + 1] - rows_.begin[r]) * (cols_.begin[c + 1] - cols_.begin[c]));
  }

  bool max_, include_pad_;
  Dims x_, y_;
  AxisTaps rows_, cols_;
};

}  // namespace

bool pool_runs_on_onednn(const KernelSpec& spec) {
  const PoolParams p = effective_params(spec);
  const Dims& x = spec.input_dims.at(0);
  const AxisTaps rows(p, 0, x[2], spec.output_dims[2]), cols(p, 1, x[3], spec.output_dims[3]);
  const bool divisor_differs =
      !is_max(spec.node.kind) && p.count_include_pad && !(rows.all_full(p.kernel[0]) && cols.all_full(p.kernel[1]));
  return !(divisor_differs || rows.any_empty() || cols.any_empty());
}

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: break;
    default:
      throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a pooling op");
  }
  const PoolParams p = effective_params(spec);
  if (pool_runs_on_onednn(spec)) {
    try {
      return std::make_unique<DnnlPoolKernel>(spec, p);
    } catch (const dnnl::error&) {
      // A shape oneDNN refuses (say, pads larger than the window) is still well defined: loop over it below.
    }
  }
  // The loops index plain planes; blocked blobs (planned before oneDNN refused) are converted around them.
  return with_plain_staging(spec, std::make_unique<LoopPoolKernel>(spec, p));
}

}  // namespace deepvis::cpu
