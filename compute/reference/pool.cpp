// Reference pooling: MaxPool, AveragePool and their global variants, as plain loops over every window tap.
// Global pools are the same loops with one window covering the whole plane.
//
// Conventions (shared with the cpu backend):
//   - a tap is "in the input" when 0 <= ih < H (and likewise for w); pads never win a max;
//   - MaxPool backward sends each window's signal to its first maximum in row-major tap order;
//   - AveragePool divides by the in-input taps (count_include_pad false) or by the taps inside the padded input
//     [-pad_begin, H + pad_end) (count_include_pad true: the whole window, except where ceil_mode extends it past
//     the padded edge, as PyTorch and onnxruntime do);
//   - a window with no tap in the input (possible only with pads as large as the window) yields 0 and passes
//     nothing back.
#include "compute/ops/pool.hpp"

#include "compute/reference/kernels.hpp"

#include <algorithm>
#include <vector>

namespace deepvis::reference {

namespace {

// The taps of one window along one axis: positions in the input, and how many lie in the padded input.
struct AxisWindow {
  std::vector<int64_t> taps;  // in-input positions only
  int64_t padded_count = 0;   // taps inside [-pad_begin, size + pad_end)
};

class PoolKernel final : public Kernel {
 public:
  explicit PoolKernel(const KernelSpec& spec) : kind_(spec.node.kind), in_(spec.input_dims.at(0)) {
    out_ = spec.output_dims;
    if (kind_ == OpKind::GlobalAveragePool || kind_ == OpKind::GlobalMaxPool) {
      p_ = PoolParams{{in_[2], in_[3]}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, false, false};
    } else {
      p_ = spec.node.params_as<PoolParams>();
    }
    is_max_ = kind_ == OpKind::MaxPool || kind_ == OpKind::GlobalMaxPool;
    for (int axis = 0; axis < 2; ++axis) {
      const auto a = static_cast<size_t>(axis);
      for (int64_t o = 0; o < out_[2 + a]; ++o) {
        AxisWindow w;
        const int64_t start = o * p_.strides[a] - p_.pads_begin[a];
        for (int64_t k = 0; k < p_.kernel[a]; ++k) {
          const int64_t pos = start + k * p_.dilations[a];
          if (pos >= 0 && pos < in_[2 + a]) w.taps.push_back(pos);
          if (pos >= -p_.pads_begin[a] && pos < in_[2 + a] + p_.pads_end[a]) ++w.padded_count;
        }
        (axis == 0 ? rows_ : cols_).push_back(std::move(w));
      }
    }
    acc_.assign(static_cast<size_t>(numel(in_)), 0.0);
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs.at(0)->data();
    float* y = args.output->data();
    for (int64_t plane = 0; plane < in_[0] * in_[1]; ++plane) {
      const float* xp = x + plane * in_[2] * in_[3];
      for (int64_t oh = 0; oh < out_[2]; ++oh) {
        for (int64_t ow = 0; ow < out_[3]; ++ow) {
          float& out = y[(plane * out_[2] + oh) * out_[3] + ow];
          const AxisWindow& r = rows_[static_cast<size_t>(oh)];
          const AxisWindow& c = cols_[static_cast<size_t>(ow)];
          if (is_max_) {
            const int64_t at = argmax(xp, r, c);
            out = at < 0 ? 0.0f : xp[at];
          } else {
            double sum = 0;
            for (int64_t ih : r.taps) {
              for (int64_t iw : c.taps) sum += xp[ih * in_[3] + iw];
            }
            const double div = divisor(r, c);
            out = div > 0 ? static_cast<float>(sum / div) : 0.0f;
          }
        }
      }
    }
  }

  // The exact gradient, identical in every mode (max pooling uses the forward switches).
  void backward(const BackwardArgs& args) override {
    Tensor* grad_x = args.grad_inputs.at(0);
    if (grad_x == nullptr) return;
    const float* x = args.inputs.at(0)->data();
    const float* g = args.grad_output->data();
    std::vector<double>& acc = acc_;
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t plane = 0; plane < in_[0] * in_[1]; ++plane) {
      const int64_t base = plane * in_[2] * in_[3];
      for (int64_t oh = 0; oh < out_[2]; ++oh) {
        for (int64_t ow = 0; ow < out_[3]; ++ow) {
          const double go = g[(plane * out_[2] + oh) * out_[3] + ow];
          const AxisWindow& r = rows_[static_cast<size_t>(oh)];
          const AxisWindow& c = cols_[static_cast<size_t>(ow)];
          if (is_max_) {
            const int64_t at = argmax(x + base, r, c);
            if (at >= 0) acc[static_cast<size_t>(base + at)] += go;
          } else {
            const double div = divisor(r, c);
            if (div <= 0) continue;
            for (int64_t ih : r.taps) {
              for (int64_t iw : c.taps) acc[static_cast<size_t>(base + ih * in_[3] + iw)] += go / div;
            }
          }
        }
      }
    }
    float* gx = grad_x->data();
    for (size_t i = 0; i < acc.size(); ++i) gx[i] = static_cast<float>(acc[i]);
  }

 private:
  // Offset in the plane of the window's first maximum in row-major tap order; -1 when no tap is in the input.
  int64_t argmax(const float* xp, const AxisWindow& r, const AxisWindow& c) const {
    int64_t best = -1;
    for (int64_t ih : r.taps) {
      for (int64_t iw : c.taps) {
        const int64_t at = ih * in_[3] + iw;
        if (best < 0 || xp[at] > xp[best]) best = at;
      }
    }
    return best;
  }

  double divisor(const AxisWindow& r, const AxisWindow& c) const {
    if (p_.count_include_pad) return static_cast<double>(r.padded_count * c.padded_count);
    return static_cast<double>(r.taps.size() * c.taps.size());
  }

  OpKind kind_;
  Dims in_, out_;
  PoolParams p_;
  bool is_max_ = false;
  std::vector<AxisWindow> rows_, cols_;  // per output row / column
  std::vector<double> acc_;              // backward accumulator, sized once
};

}  // namespace

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) {
  switch (spec.node.kind) {
    case OpKind::MaxPool:
    case OpKind::AveragePool:
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: return std::make_unique<PoolKernel>(spec);
    default:
      throw Error("reference: node '" + spec.node.name + "' (" + std::string(op_name(spec.node.kind)) +
                  ") is not a pooling op");
  }
}

}  // namespace deepvis::reference
