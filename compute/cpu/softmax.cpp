// CPU Softmax. The tensor is viewed as (outer, extent, inner) with softmax along the extent. When the extent is
// the innermost dim (inner == 1) oneDNN's jit softmax runs, forward and backward (its backward is the exact
// y * (g - sum(g * y)), right in every mode). Otherwise oneDNN 2.6 falls back to a slow scalar reference, so
// OpenMP loops over tiles of the inner dim do it, contiguous along inner.
#include "compute/ops/softmax.hpp"

#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace deepvis::cpu {

namespace {

constexpr int64_t kTile = 64;  // inner positions per task: per-tile max/sum live on the stack

class SoftmaxKernel final : public Kernel {
 public:
  explicit SoftmaxKernel(const KernelSpec& spec) {
    const SoftmaxParams& p = spec.node.params_as<SoftmaxParams>();
    const Dims& dims = spec.output_dims;
    SoftmaxExtent e;
    try {
      e = softmax_extent(p, dims);
    } catch (const Error& err) {
      throw Error("cpu: Softmax node '" + spec.node.name + "': " + err.what());
    }
    outer_ = e.outer;
    extent_ = e.extent;
    inner_ = e.inner;
    if (outer_ * extent_ * inner_ == 0 || inner_ > 1) return;
    const Dims view = {outer_, extent_};
    const dnnl::memory::desc desc = plain_desc(view);
    src_ = plain_memory(view);
    dst_ = plain_memory(view);
    diff_dst_ = plain_memory(view);
    diff_src_ = plain_memory(view);
    const dnnl::softmax_forward::primitive_desc forward_pd(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_training, desc, 1), dnnl_engine());
    forward_ = dnnl::softmax_forward(forward_pd);
    const dnnl::softmax_backward::primitive_desc backward_pd(dnnl::softmax_backward::desc(desc, desc, 1), dnnl_engine(),
                                                             forward_pd);
    backward_ = dnnl::softmax_backward(backward_pd);
    // Built once: the maps hold handles to the memories, which set_data_handle re-points per call.
    forward_args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_DST, dst_}};
    backward_args_ = {{DNNL_ARG_DST, dst_}, {DNNL_ARG_DIFF_DST, diff_dst_}, {DNNL_ARG_DIFF_SRC, diff_src_}};
    use_dnnl_ = true;
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    if (use_dnnl_) {
      src_.set_data_handle(const_cast<float*>(x));
      dst_.set_data_handle(y);
      execute(forward_, forward_args_);
      return;
    }
    const int64_t tiles = (inner_ + kTile - 1) / kTile;
    const int64_t extent = extent_;
    const int64_t inner = inner_;
#pragma omp parallel for collapse(2) if (outer_ * extent_ * inner_ > 32768)
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t begin = t * kTile;
        const int64_t len = std::min(kTile, inner - begin);
        const float* px = x + o * extent * inner + begin;
        float* py = y + o * extent * inner + begin;
        float max[kTile];
        float sum[kTile];
        std::fill(max, max + len, -INFINITY);
        std::fill(sum, sum + len, 0.0f);
        for (int64_t k = 0; k < extent; ++k) {
          for (int64_t i = 0; i < len; ++i) max[i] = std::max(max[i], px[k * inner + i]);
        }
        for (int64_t k = 0; k < extent; ++k) {
          for (int64_t i = 0; i < len; ++i) {
            const float e = std::exp(px[k * inner + i] - max[i]);
            py[k * inner + i] = e;
            sum[i] += e;
          }
        }
        for (int64_t i = 0; i < len; ++i) sum[i] = 1.0f / sum[i];
        for (int64_t k = 0; k < extent; ++k) {
          for (int64_t i = 0; i < len; ++i) py[k * inner + i] *= sum[i];
        }
      }
    }
  }

  void backward(const BackwardArgs& args) override {
    Tensor* grad = args.grad_inputs.at(0);
    if (grad == nullptr) return;
    const float* y = args.output->data();
    const float* g = args.grad_output->data();
    float* gx = grad->data();
    if (use_dnnl_) {
      dst_.set_data_handle(const_cast<float*>(y));
      diff_dst_.set_data_handle(const_cast<float*>(g));
      diff_src_.set_data_handle(gx);
      execute(backward_, backward_args_);
      return;
    }
    const int64_t tiles = (inner_ + kTile - 1) / kTile;
    const int64_t extent = extent_;
    const int64_t inner = inner_;
#pragma omp parallel for collapse(2) if (outer_ * extent_ * inner_ > 32768)
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t begin = t * kTile;
        const int64_t len = std::min(kTile, inner - begin);
        const int64_t base = o * extent * inner + begin;
        float dot[kTile];
        std::fill(dot, dot + len, 0.0f);
        for (int64_t k = 0; k < extent; ++k) {
          for (int64_t i = 0; i < len; ++i) dot[i] += g[base + k * inner + i] * y[base + k * inner + i];
        }
        for (int64_t k = 0; k < extent; ++k) {
          for (int64_t i = 0; i < len; ++i) {
            const int64_t at = base + k * inner + i;
            gx[at] = y[at] * (g[at] - dot[i]);
          }
        }
      }
    }
  }

 private:
  int64_t outer_ = 1;
  int64_t extent_ = 1;
  int64_t inner_ = 1;
  bool use_dnnl_ = false;
  dnnl::memory src_;
  dnnl::memory dst_;
  dnnl::memory diff_dst_;
  dnnl::memory diff_src_;
  dnnl::primitive forward_;
  dnnl::primitive backward_;
  std::unordered_map<int, dnnl::memory> forward_args_;
  std::unordered_map<int, dnnl::memory> backward_args_;
};

}  // namespace

std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec) {
  if (spec.node.kind != OpKind::Softmax) {
    throw Error("cpu: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) + ") is not Softmax");
  }
  return std::make_unique<SoftmaxKernel>(spec);
}

}  // namespace deepvis::cpu
