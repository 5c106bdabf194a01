#include "compute/core/tensor.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace deepvis {

int64_t numel(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (__builtin_mul_overflow(n, d, &n)) throw Error("dims " + to_string(dims) + " have too many elements");
  }
  return n;
}

void check_dims(const Dims& dims) {
  for (int64_t d : dims) {
    if (d < 0) throw Error("dims " + to_string(dims) + " are negative");
  }
  const bool huge_dim = std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d > kMaxTensorElements; });
  if (huge_dim || numel(dims) > kMaxTensorElements) {
    throw Error("dims " + to_string(dims) + " have more than 2^40 elements, beyond any tensor deepvis can hold");
  }
}

std::string to_string(const Dims& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "scalar" : s;
}

Tensor::Tensor(Dims dims) : dims_(std::move(dims)) {
  for (int64_t d : dims_) {
    if (d < 0) throw Error("negative tensor dimension in " + to_string(dims_));
  }
  if (numel() > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(sizeof(float)) - 64) {
    throw Error("a " + to_string(dims_) + " tensor is too large to allocate");
  }
  const size_t bytes = std::max<size_t>(64, (static_cast<size_t>(numel()) * sizeof(float) + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw Error("out of memory allocating a " + to_string(dims_) + " tensor");
  std::memset(p, 0, bytes);
  storage_ = std::shared_ptr<void>(p, std::free);
  data_ = static_cast<float*>(p);
}

Tensor::Tensor(Dims dims, const std::vector<float>& values) : Tensor(std::move(dims)) {
  if (static_cast<int64_t>(values.size()) != numel()) {
    throw Error("tensor " + to_string(dims_) + " given " + std::to_string(values.size()) + " values");
  }
  std::copy(values.begin(), values.end(), data_);
}

Tensor::Tensor(Dims dims, float* data, Device device, std::shared_ptr<void> keep_alive)
    : dims_(std::move(dims)), data_(data), device_(device), storage_(std::move(keep_alive)) {}

Tensor Tensor::reshaped(Dims dims) const {
  if (deepvis::numel(dims) != numel()) {
    throw Error("cannot view a " + to_string(dims_) + " tensor as " + to_string(dims));
  }
  if (layout_ != Layout::Plain && dims != dims_) {
    throw Error("cannot reshape a channel-blocked " + to_string(dims_) + " tensor; convert it to plain first");
  }
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

Tensor Tensor::with_layout(Layout layout) const {
  if (layout != Layout::Plain && (rank() != 4 || dims_[1] % channel_block(layout) != 0)) {
    throw Error("a " + to_string(dims_) + " tensor cannot be channel-blocked by " +
                std::to_string(channel_block(layout)));
  }
  Tensor t = *this;
  t.layout_ = layout;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dims_);
  t.layout_ = layout_;
  if (numel() > 0) std::memcpy(t.data_, data_, static_cast<size_t>(numel()) * sizeof(float));
  return t;
}

void Tensor::fill(float value) {
  std::fill(data_, data_ + numel(), value);
}

void Tensor::copy_from(const Tensor& other) {
  if (other.numel() != numel()) {
    throw Error("cannot copy a " + to_string(other.dims_) + " tensor into a " + to_string(dims_) + " tensor");
  }
  if (numel() > 0) std::memcpy(data_, other.data_, static_cast<size_t>(numel()) * sizeof(float));
}

}  // namespace deepvis
