#include "compute/ops/structure.hpp"

#include "compute/core/dims_math.hpp"
#include "compute/core/error.hpp"

#include <algorithm>

namespace deepvis {

Dims concat_output_dims(const ConcatParams& p, const std::vector<Dims>& inputs) {
  Dims out = inputs.at(0);
  const auto axis = static_cast<size_t>(p.axis);
  if (axis >= out.size()) throw Error("Concat axis " + std::to_string(p.axis) + " out of range for " + to_string(out));
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Dims& d = inputs[i];
    bool ok = d.size() == out.size();
    for (size_t k = 0; ok && k < d.size(); ++k) ok = k == axis || d[k] == out[k];
    if (!ok) throw Error("Concat inputs " + to_string(inputs[0]) + " and " + to_string(d) + " differ off the axis");
    out[axis] = dims_add(out[axis], d[axis]);
  }
  return out;
}

Dims flatten_output_dims(const FlattenParams& p, const Dims& x) {
  if (p.axis < 0 || p.axis > static_cast<int64_t>(x.size())) {
    throw Error("Flatten axis " + std::to_string(p.axis) + " out of range for " + to_string(x));
  }
  int64_t rows = 1;
  int64_t cols = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t& part = static_cast<int64_t>(i) < p.axis ? rows : cols;
    part = dims_mul(part, x[i]);
  }
  return {rows, cols};
}

Dims reshape_output_dims(const ReshapeParams& p, const Dims& x) {
  Dims out = p.shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0) {
      if (i >= x.size()) throw Error("Reshape copies dim " + std::to_string(i) + " that " + to_string(x) + " lacks");
      out[i] = x[i];
    }
    if (out[i] == -1) {
      if (infer >= 0) throw Error("Reshape shape has more than one -1");
      infer = static_cast<int>(i);
    } else if (out[i] < 0) {
      throw Error("Reshape shape has a negative dim");
    } else {
      known = dims_mul(known, out[i]);
    }
  }
  const int64_t total = numel(x);
  if (infer >= 0) {
    if (known == 0 || total % known != 0) throw Error("cannot reshape " + to_string(x) + " to the given shape");
    out[static_cast<size_t>(infer)] = total / known;
  }
  if (numel(out) != total) throw Error("cannot reshape " + to_string(x) + " to " + to_string(out));
  return out;
}

Dims pad_output_dims(const PadParams& p, const Dims& x) {
  if (p.pads_begin.size() != x.size() || p.pads_end.size() != x.size()) {
    throw Error("Pad has pads for " + std::to_string(p.pads_begin.size()) + " dims but the input is " + to_string(x));
  }
  Dims out = x;
  for (size_t i = 0; i < x.size(); ++i) {
    out[i] = dims_add(dims_add(out[i], p.pads_begin[i]), p.pads_end[i]);
    if (out[i] < 0) throw Error("Pad crops " + to_string(x) + " below zero size");
  }
  return out;
}

Dims squeeze_output_dims(const AxesParams& p, const Dims& x) {
  Dims out;
  for (size_t i = 0; i < x.size(); ++i) {
    const bool listed = std::find(p.axes.begin(), p.axes.end(), static_cast<int64_t>(i)) != p.axes.end();
    if (listed && x[i] != 1) {
      throw Error("Squeeze axis " + std::to_string(i) + " of " + to_string(x) + " is not of size 1");
    }
    if (!listed) out.push_back(x[i]);
  }
  for (int64_t a : p.axes) {
    if (a < 0 || a >= static_cast<int64_t>(x.size())) {
      throw Error("Squeeze axis " + std::to_string(a) + " is out of range for " + to_string(x));
    }
  }
  return out;
}

Dims unsqueeze_output_dims(const AxesParams& p, const Dims& x) {
  const size_t rank = x.size() + p.axes.size();
  Dims out;
  size_t next = 0;
  for (size_t i = 0; i < rank; ++i) {
    if (std::find(p.axes.begin(), p.axes.end(), static_cast<int64_t>(i)) != p.axes.end()) {
      out.push_back(1);
    } else {
      if (next >= x.size()) throw Error("Unsqueeze axes do not fit a " + std::to_string(x.size()) + "-D input");
      out.push_back(x[next++]);
    }
  }
  if (next != x.size()) throw Error("Unsqueeze axes are out of range for " + to_string(x));
  return out;
}

}  // namespace deepvis
