// CPU Conv on oneDNN: convolution_forward (inference) and convolution_backward_data, both created once per
// kernel. Constant weights are reordered once here into each primitive's layout. Activations the Net keeps
// channel-blocked (compute/cpu/layout_plan.hpp) go in and out as they are; for plain ones oneDNN picks the layout
// (format_tag::any) and they are reordered in and out per call when it prefers another. Measured on AlexNet-like
// convs, blocked layouts plus the two reorders ran 1.2-1.8x faster than forcing plain NCHW (which makes oneDNN
// fall back to im2col + gemm); the one exception, backward on a few-channel input, is handled in build().
// Backward is backward-data only: W and B are weights, constant in real models; a gradient request for them is
// refused with an error naming the node.
#include "compute/cpu/dnnl_context.hpp"
#include "compute/cpu/kernels.hpp"

#include <string>
#include <unordered_map>

namespace deepvis::cpu {

namespace {

using dnnl::memory;
using ExecArgs = std::unordered_map<int, memory>;

memory::dims to_dnnl(const Dims& d) {
  return memory::dims(d.begin(), d.end());
}

memory::desc any_desc(const Dims& d) {
  return memory::desc(to_dnnl(d), memory::data_type::f32, memory::format_tag::any);
}

// What the primitive is asked to take for a blob: the Net's blocked layout as is, else its own choice.
memory::desc wanted_desc(const Dims& d, Layout layout) {
  return layout == Layout::Plain ? any_desc(d) : layout_desc(d, layout);
}

// A Net buffer in its layout (rebound per call) and, when the primitive wants another layout, a staging copy in
// that layout with the reorder between them. `into_primitive`: the data flows Net -> staged (an input).
class Staged {
 public:
  Staged() = default;
  Staged(const Dims& dims, Layout layout, const memory::desc& wanted, bool into_primitive)
      : user_(layout_memory(dims, layout)) {
    if (wanted == user_.get_desc()) {
      inner_ = user_;
      return;
    }
    inner_ = memory(wanted, dnnl_engine());
    const memory& from = into_primitive ? user_ : inner_;
    const memory& to = into_primitive ? inner_ : user_;
    reorder_ = dnnl::reorder(from, to);
    reorder_args_ = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    reorders_ = true;
  }

  void bind(const float* data) { user_.set_data_handle(const_cast<float*>(data)); }
  void reorder() {
    if (reorders_) execute(reorder_, reorder_args_);
  }
  const memory& inner() const { return inner_; }

 private:
  memory user_, inner_;
  dnnl::reorder reorder_;
  ExecArgs reorder_args_;
  bool reorders_ = false;
};

// Copies a constant into a primitive's preferred layout, once.
memory reordered_constant(memory plain, const memory::desc& wanted) {
  if (wanted == plain.get_desc()) return plain;
  memory out(wanted, dnnl_engine());
  dnnl::reorder(plain, out).execute(dnnl_stream(), plain, out);
  dnnl_stream().wait();
  return out;
}

// oneDNN's reference implementations ("ref:any") are loops kept for correctness: on an AVX2-only CPU, AlexNet's
// first convolution (3 -> 64 channels, 11x11, stride 4) between an nhwc source and an nChw8c destination got one,
// and ran 20x slower (689 ms forward, 11.9 s backward-data) than with layouts of oneDNN's own choosing.
bool is_reference(const dnnl::primitive_desc_base& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // allocated once here, not per execution
  return attr;
}

class ConvKernel final : public Kernel {
 public:
  explicit ConvKernel(const KernelSpec& spec) : name_(spec.node.name) {
    try {
      build(spec);
    } catch (const dnnl::error& e) {
      throw Error("Conv node '" + name_ + "': oneDNN could not build the convolution: " + e.what());
    }
  }

  void forward(const ForwardArgs& args) override {
    x_.bind(args.inputs[0]->data());
    if (!w_constant_) w_plain_.set_data_handle(const_cast<float*>(args.inputs[1]->data()));
    if (has_bias_) bias_.set_data_handle(const_cast<float*>(args.inputs[2]->data()));
    y_.bind(args.output->data());
    x_.reorder();
    execute(fwd_, fwd_args_);
    y_.reorder();
    dnnl_stream().wait();
  }

  void backward(const BackwardArgs& args) override {
    if (args.grad_inputs.size() > 1 && args.grad_inputs[1]) {
      throw Error("Conv node '" + name_ + "': gradient w.r.t. non-constant Conv weights is not supported");
    }
    if (args.grad_inputs.size() > 2 && args.grad_inputs[2]) {
      throw Error("Conv node '" + name_ + "': gradient w.r.t. a non-constant Conv bias is not supported");
    }
    if (args.grad_inputs.empty() || !args.grad_inputs[0]) return;
    if (!has_backward_) throw Error("Conv node '" + name_ + "': no backward was prepared for a constant input");
    if (!w_constant_) w_plain_.set_data_handle(const_cast<float*>(args.inputs[1]->data()));
    gy_.bind(args.grad_output->data());
    gx_.bind(args.grad_inputs[0]->data());
    gy_.reorder();
    execute(bwd_, bwd_args_);
    gx_.reorder();
    dnnl_stream().wait();
  }

 private:
  void build(const KernelSpec& spec) {
    const auto& p = spec.node.params_as<ConvParams>();
    const Dims& x = spec.input_dims.at(0);
    const Dims& w = spec.input_dims.at(1);
    const Dims& y = spec.output_dims;
    has_bias_ = spec.input_dims.size() > 2;
    w_constant_ = spec.constants.at(1) != nullptr;
    // oneDNN's grouped weights are 5-D (G, M/G, C/G, kH, kW): the same bytes as ONNX's (M, C/G, kH, kW).
    const Dims w_dnnl = p.group == 1 ? w : Dims{p.group, w[0] / p.group, w[1], w[2], w[3]};
    const memory::dims strides = to_dnnl(p.strides);
    const memory::dims dilates = {p.dilations[0] - 1, p.dilations[1] - 1};  // oneDNN counts the gaps
    const memory::dims pad_l = to_dnnl(p.pads_begin), pad_r = to_dnnl(p.pads_end);
    const memory::desc w_desc = w_constant_ ? any_desc(w_dnnl) : plain_desc(w_dnnl);
    const memory::desc b_desc = has_bias_ ? plain_desc({w[0]}) : memory::desc();
    const auto algo = dnnl::algorithm::convolution_direct;
    const dnnl::primitive_attr attr = user_scratchpad();

    const Layout x_layout = spec.input_layout(0), y_layout = spec.output_layout;
    auto fwd_desc_as = [&](dnnl::prop_kind kind, const memory::desc& x_desc, const memory::desc& y_desc) {
      return dnnl::convolution_forward::desc(kind, algo, x_desc, w_desc, b_desc, y_desc, strides, dilates, pad_l,
                                             pad_r);
    };
    auto fwd_desc = [&](dnnl::prop_kind kind) {
      return fwd_desc_as(kind, wanted_desc(x, x_layout), wanted_desc(y, y_layout));
    };
    dnnl::convolution_forward::primitive_desc fwd_pd(fwd_desc(dnnl::prop_kind::forward_inference), attr, dnnl_engine());
    // The Net's layouts got a reference implementation: let oneDNN choose (the Staged reorders bridge), else plain.
    for (const bool plain : {false, true}) {
      if (!is_reference(fwd_pd)) break;
      const memory::desc xd = plain ? plain_desc(x) : any_desc(x);
      const memory::desc yd = plain ? plain_desc(y) : any_desc(y);
      const dnnl::convolution_forward::primitive_desc other(fwd_desc_as(dnnl::prop_kind::forward_inference, xd, yd),
                                                            attr, dnnl_engine());
      if (!is_reference(other)) fwd_pd = other;
    }
    w_plain_ = plain_memory(w_dnnl, w_constant_ ? const_cast<float*>(spec.constants[1]->data()) : nullptr);
    const memory w_fwd = w_constant_ ? reordered_constant(w_plain_, fwd_pd.weights_desc()) : w_plain_;
    x_ = Staged(x, x_layout, fwd_pd.src_desc(), true);
    y_ = Staged(y, y_layout, fwd_pd.dst_desc(), false);
    fwd_ = dnnl::convolution_forward(fwd_pd);
    fwd_args_ = {{DNNL_ARG_SRC, x_.inner()},
                 {DNNL_ARG_WEIGHTS, w_fwd},
                 {DNNL_ARG_DST, y_.inner()},
                 {DNNL_ARG_SCRATCHPAD, memory(fwd_pd.scratchpad_desc(), dnnl_engine())}};
    if (has_bias_) {
      bias_ = plain_memory({w[0]});
      fwd_args_[DNNL_ARG_BIAS] = bias_;
    }

    // Backward-data, only when X can need a gradient. The hint is the training flavour of the forward.
    has_backward_ = spec.constants.at(0) == nullptr;
    if (!has_backward_) return;
    const dnnl::convolution_forward::primitive_desc hint_pd(fwd_desc(dnnl::prop_kind::forward_training), attr,
                                                            dnnl_engine());
    auto bwd_pd_for = [&](const memory::desc& gx_desc, const memory::desc& gy_desc) {
      const dnnl::convolution_backward_data::desc d(algo, gx_desc, w_desc, gy_desc, strides, dilates, pad_l, pad_r);
      return dnnl::convolution_backward_data::primitive_desc(d, attr, dnnl_engine(), hint_pd);
    };
    auto bwd_pd = bwd_pd_for(wanted_desc(x, x_layout), wanted_desc(y, y_layout));
    // A blocked layout pads the channels to the vector width. When that more than doubles a few-channel input
    // (the image layer: 3 -> 16), plain NCHW measured about 3x faster (im2col + gemm), so use it there.
    if (bwd_pd.diff_src_desc().data.padded_dims[1] >= 2 * x[1]) bwd_pd = bwd_pd_for(plain_desc(x), plain_desc(y));
    for (const bool plain : {false, true}) {  // as for the forward: never a reference implementation if avoidable
      if (!is_reference(bwd_pd)) break;
      auto other = plain ? bwd_pd_for(plain_desc(x), plain_desc(y)) : bwd_pd_for(any_desc(x), any_desc(y));
      if (!is_reference(other)) bwd_pd = other;
    }
    memory w_bwd = w_plain_;
    if (w_constant_) {
      w_bwd =
          bwd_pd.weights_desc() == fwd_pd.weights_desc() ? w_fwd : reordered_constant(w_plain_, bwd_pd.weights_desc());
    }
    gy_ = Staged(y, y_layout, bwd_pd.diff_dst_desc(), true);
    gx_ = Staged(x, x_layout, bwd_pd.diff_src_desc(), false);
    bwd_ = dnnl::convolution_backward_data(bwd_pd);
    bwd_args_ = {{DNNL_ARG_DIFF_DST, gy_.inner()},
                 {DNNL_ARG_WEIGHTS, w_bwd},
                 {DNNL_ARG_DIFF_SRC, gx_.inner()},
                 {DNNL_ARG_SCRATCHPAD, memory(bwd_pd.scratchpad_desc(), dnnl_engine())}};
  }

  std::string name_;
  bool has_bias_ = false, w_constant_ = false, has_backward_ = false;
  memory w_plain_, bias_;  // plain views of the ONNX weights and bias
  Staged x_, y_, gy_, gx_;
  dnnl::convolution_forward fwd_;
  dnnl::convolution_backward_data bwd_;
  ExecArgs fwd_args_, bwd_args_;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) {
  return std::make_unique<ConvKernel>(spec);
}

}  // namespace deepvis::cpu
