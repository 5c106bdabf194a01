#include "compute/ops/reduce.hpp"

#include "compute/core/error.hpp"

#include <algorithm>

namespace deepvis {

namespace {

bool reduced(const ReduceParams& p, size_t axis) {
  return std::find(p.axes.begin(), p.axes.end(), static_cast<int64_t>(axis)) != p.axes.end();
}

}  // namespace

Dims reduce_output_dims(const ReduceParams& p, const Dims& x) {
  if (p.axes.empty()) throw Error("a reduction needs at least one axis");
  for (int64_t a : p.axes) {
    if (a < 0 || a >= static_cast<int64_t>(x.size())) {
      throw Error("reduction axis " + std::to_string(a) + " is out of range for " + to_string(x));
    }
  }
  Dims out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!reduced(p, i)) {
      out.push_back(x[i]);
    } else if (p.keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

std::vector<int64_t> reduce_owners(const ReduceParams& p, const Dims& x) {
  // The output's strides along the input's dims: zero on a reduced axis.
  std::vector<int64_t> stride(x.size(), 0);
  int64_t run = 1;
  for (size_t i = x.size(); i-- > 0;) {
    if (!reduced(p, i)) {
      stride[i] = run;
      run *= x[i];
    }
  }
  std::vector<int64_t> owner(static_cast<size_t>(numel(x)));
  std::vector<int64_t> index(x.size(), 0);
  for (size_t e = 0; e < owner.size(); ++e) {
    int64_t o = 0;
    for (size_t d = 0; d < x.size(); ++d) o += index[d] * stride[d];
    owner[e] = o;
    for (size_t d = x.size(); d-- > 0;) {
      if (++index[d] < x[d]) break;
      index[d] = 0;
    }
  }
  return owner;
}

}  // namespace deepvis
