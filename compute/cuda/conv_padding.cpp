#include "compute/cuda/conv_padding.hpp"

#include "compute/core/error.hpp"

namespace deepvis::cuda {

ConvPadding plan_conv_padding(const ConvParams& p, const Dims& x) {
  if (x.size() != 4) throw Error("Conv needs a 4-D input, got " + to_string(x));
  for (size_t i = 0; i < 2; ++i) {
    if (p.pads_begin.at(i) < 0 || p.pads_end.at(i) < 0) throw Error("Conv pads must not be negative");
  }
  ConvPadding plan;
  plan.explicit_pad = p.pads_begin[0] != p.pads_end[0] || p.pads_begin[1] != p.pads_end[1];
  if (!plan.explicit_pad) {
    plan.conv_input = x;
    plan.pad_h = p.pads_begin[0];
    plan.pad_w = p.pads_begin[1];
    return plan;
  }
  plan.conv_input = {x[0], x[1], x[2] + p.pads_begin[0] + p.pads_end[0], x[3] + p.pads_begin[1] + p.pads_end[1]};
  plan.top = p.pads_begin[0];
  plan.left = p.pads_begin[1];
  return plan;
}

}  // namespace deepvis::cuda
