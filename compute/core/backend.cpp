#include "compute/core/backend.hpp"

#include "compute/core/error.hpp"
#include "compute/core/layout.hpp"

namespace deepvis {

void Backend::copy(const Tensor& src, Tensor& dst) const {
  if (src.device() != Device::Cpu || dst.device() != Device::Cpu) {
    throw Error("the " + name() + " backend cannot copy device tensors");
  }
  if (src.layout() != dst.layout()) {
    convert_layout(src, dst);
    return;
  }
  dst.copy_from(src);
}

std::vector<Layout> Backend::plan_layouts(const Graph& graph) const {
  return std::vector<Layout>(graph.blobs.size(), Layout::Plain);
}

void Backend::add_into(Tensor& dst, const Tensor& src) const {
  float* d = dst.data();
  const float* s = src.data();
  const int64_t n = dst.numel();
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) d[i] += s[i];
}

void Backend::fill(Tensor& t, float value) const {
  t.fill(value);
}

}  // namespace deepvis
