// Reference Conv: the definition written as loops, accumulated in double. The test oracle for every backend.
// Backward is backward-data only (the transposed convolution); W and B are weights, constant in real models,
// so a gradient request for them is refused with an error naming the node.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

namespace {

class ConvKernel final : public Kernel {
 public:
  explicit ConvKernel(const KernelSpec& spec)
      : name_(spec.node.name),
        p_(spec.node.params_as<ConvParams>()),
        x_(spec.input_dims.at(0)),
        w_(spec.input_dims.at(1)),
        y_(spec.output_dims),
        has_bias_(spec.input_dims.size() > 2) {
    if (has_bias_ && numel(spec.input_dims[2]) != w_[0]) {
      throw Error("Conv node '" + name_ + "': bias " + to_string(spec.input_dims[2]) + " does not match " +
                  std::to_string(w_[0]) + " output channels");
    }
  }

  void forward(const ForwardArgs& args) override {
    const float* x = args.inputs[0]->data();
    const float* w = args.inputs[1]->data();
    const float* b = has_bias_ ? args.inputs[2]->data() : nullptr;
    float* y = args.output->data();
    const int64_t n_count = x_[0], c_count = x_[1], h = x_[2], wd = x_[3];
    const int64_t m_count = w_[0], cg = w_[1], kh = w_[2], kw = w_[3];
    const int64_t oh_count = y_[2], ow_count = y_[3];
    const int64_t mg = m_count / p_.group;
    for (int64_t n = 0; n < n_count; ++n) {
      for (int64_t m = 0; m < m_count; ++m) {
        const int64_t g = m / mg;
        for (int64_t oh = 0; oh < oh_count; ++oh) {
          for (int64_t ow = 0; ow < ow_count; ++ow) {
            double acc = b ? b[m] : 0.0;
            for (int64_t c = 0; c < cg; ++c) {
              for (int64_t i = 0; i < kh; ++i) {
                const int64_t ih = oh * p_.strides[0] - p_.pads_begin[0] + i * p_.dilations[0];
                if (ih < 0 || ih >= h) continue;
                for (int64_t j = 0; j < kw; ++j) {
                  const int64_t iw = ow * p_.strides[1] - p_.pads_begin[1] + j * p_.dilations[1];
                  if (iw < 0 || iw >= wd) continue;
                  const double xv = x[((n * c_count + g * cg + c) * h + ih) * wd + iw];
                  acc += xv * w[((m * cg + c) * kh + i) * kw + j];
                }
              }
            }
            y[((n * m_count + m) * oh_count + oh) * ow_count + ow] = static_cast<float>(acc);
          }
        }
      }
    }
  }

  // grad_x[n, ci, ih, iw] = sum over the (m, i, j) whose window covers (ih, iw) of grad_y * w: a gather, so each
  // input element is written once.
  void backward(const BackwardArgs& args) override {
    if (args.grad_inputs.size() > 1 && args.grad_inputs[1]) {
      throw Error("Conv node '" + name_ + "': gradient w.r.t. non-constant Conv weights is not supported");
    }
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error("Conv node '" + name_ + "': gradient w.r.t. a non-constant Conv bias is not supported");
    }
    if (args.grad_inputs.empty() || !args.grad_inputs[0]) return;
    const float* gy = args.grad_output->data();
    const float* w = args.inputs[1]->data();
    float* gx = args.grad_inputs[0]->data();
    const int64_t n_count = x_[0], c_count = x_[1], h = x_[2], wd = x_[3];
    const int64_t m_count = w_[0], cg = w_[1], kh = w_[2], kw = w_[3];
    const int64_t oh_count = y_[2], ow_count = y_[3];
    const int64_t mg = m_count / p_.group;
    for (int64_t n = 0; n < n_count; ++n) {
      for (int64_t ci = 0; ci < c_count; ++ci) {
        const int64_t g = ci / cg, c = ci % cg;
        for (int64_t ih = 0; ih < h; ++ih) {
          for (int64_t iw = 0; iw < wd; ++iw) {
            double acc = 0.0;
            for (int64_t m = g * mg; m < (g + 1) * mg; ++m) {
              for (int64_t i = 0; i < kh; ++i) {
                const int64_t th = ih + p_.pads_begin[0] - i * p_.dilations[0];
                if (th < 0 || th % p_.strides[0] != 0 || th / p_.strides[0] >= oh_count) continue;
                const int64_t oh = th / p_.strides[0];
                for (int64_t j = 0; j < kw; ++j) {
                  const int64_t tw = iw + p_.pads_begin[1] - j * p_.dilations[1];
                  if (tw < 0 || tw % p_.strides[1] != 0 || tw / p_.strides[1] >= ow_count) continue;
                  const int64_t ow = tw / p_.strides[1];
                  const double g_out = gy[((n * m_count + m) * oh_count + oh) * ow_count + ow];
                  acc += g_out * w[((m * cg + c) * kh + i) * kw + j];
                }
              }
            }
            gx[((n * c_count + ci) * h + ih) * wd + iw] = static_cast<float>(acc);
          }
        }
      }
    }
  }

 private:
  std::string name_;
  ConvParams p_;
  Dims x_, w_, y_;
  bool has_bias_;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) {
  return std::make_unique<ConvKernel>(spec);
}

}  // namespace deepvis::reference
