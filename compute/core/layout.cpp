#include "compute/core/layout.hpp"

#include "compute/core/error.hpp"

#include <cstring>

namespace deepvis {

int64_t element_offset(const Dims& dims, Layout layout, int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t channels = dims[1], plane = dims[2] * dims[3];
  if (layout == Layout::Plain) return ((n * channels + c) * plane) + h * dims[3] + w;
  const int64_t block = channel_block(layout);
  return ((n * (channels / block) + c / block) * plane + h * dims[3] + w) * block + c % block;
}

void convert_layout(const Tensor& src, Tensor& dst) {
  if (src.dims() != dst.dims()) {
    throw Error("convert_layout: dims " + to_string(src.dims()) + " and " + to_string(dst.dims()) + " differ");
  }
  if (src.device() != Device::Cpu || dst.device() != Device::Cpu) {
    throw Error("convert_layout: both tensors must be on the host");
  }
  if (src.layout() == dst.layout()) {
    if (src.numel() > 0 && src.data() != dst.data()) {
      std::memcpy(dst.data(), src.data(), static_cast<size_t>(src.numel()) * sizeof(float));
    }
    return;
  }
  const Dims& d = src.dims();
  const int64_t planes = d[0] * d[1], pixels = d[2] * d[3];
  const float* s = src.data();
  float* t = dst.data();
  // Within one (n, c) plane consecutive pixels are 1 apart in plain memory and one channel group apart in blocked
  // memory, so each plane is one strided copy.
  const int64_t from_step = src.layout() == Layout::Plain ? 1 : channel_block(src.layout());
  const int64_t to_step = dst.layout() == Layout::Plain ? 1 : channel_block(dst.layout());
#pragma omp parallel for if (src.numel() > 65536)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / d[1], c = p % d[1];
    const float* from = s + element_offset(d, src.layout(), n, c, 0, 0);
    float* to = t + element_offset(d, dst.layout(), n, c, 0, 0);
    for (int64_t i = 0; i < pixels; ++i) to[i * to_step] = from[i * from_step];
  }
}

}  // namespace deepvis
