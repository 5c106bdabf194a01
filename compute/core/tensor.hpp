#pragma once
// A shaped fp32 buffer. No gradient inside: a backward run returns its own gradients, so two views of the
// same network can coexist. Copies share storage (like a handle); clone() makes a deep copy.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deepvis {

using Dims = std::vector<int64_t>;

// Throws deepvis::Error when the count overflows int64: dims read from a corrupt file can claim anything.
int64_t numel(const Dims& dims);

// More elements than any tensor deepvis could hold (4 TiB of fp32). Dims beyond it come from a corrupt file, and
// holding every blob below it keeps the sums and products of dims that import computes far from overflow.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 40;
// Throws deepvis::Error unless every dim is non-negative and every dim and the count at most kMaxTensorElements
// (a zero dim must not let another one be anything).
void check_dims(const Dims& dims);
std::string to_string(const Dims& dims);  // "1x3x224x224"

enum class Device { Cpu, Cuda };

// How a 4-D (N, C, H, W) tensor's elements lie in memory. Plain is NCHW. Blocked8 and Blocked16 are oneDNN's
// nChw8c and nChw16c: channels in groups of 8 or 16, the group innermost, which oneDNN's convolutions read and
// write without a reorder. A blocked tensor always has C a multiple of its group, so it holds exactly numel()
// elements and any elementwise loop works on it unchanged; only code that indexes by (n, c, h, w) must care.
enum class Layout : uint8_t { Plain = 0, Blocked8 = 8, Blocked16 = 16 };
inline int channel_block(Layout layout) {
  return static_cast<int>(layout);
}

class Tensor {
 public:
  Tensor() = default;
  // A zero-filled CPU tensor, 64-byte aligned (what oneDNN prefers).
  explicit Tensor(Dims dims);
  Tensor(Dims dims, const std::vector<float>& values);
  // Wraps memory owned elsewhere (a device buffer, an arena slice); `keep_alive` owns it.
  Tensor(Dims dims, float* data, Device device, std::shared_ptr<void> keep_alive);

  const Dims& dims() const { return dims_; }
  int64_t dim(int i) const { return dims_.at(static_cast<size_t>(i)); }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t numel() const { return deepvis::numel(dims_); }
  bool empty() const { return data_ == nullptr; }
  Device device() const { return device_; }
  Layout layout() const { return layout_; }
  // The same storage, read in another layout (no data moves; see compute/core/layout.hpp to convert).
  Tensor with_layout(Layout layout) const;

  float* data() { return data_; }
  const float* data() const { return data_; }
  float& at(int64_t i) { return data_[i]; }
  float at(int64_t i) const { return data_[i]; }

  // Same storage, other dims with the same element count.
  Tensor reshaped(Dims dims) const;
  Tensor clone() const;
  void fill(float value);
  void copy_from(const Tensor& other);  // same element count; dims are kept

 private:
  Dims dims_;
  float* data_ = nullptr;
  Device device_ = Device::Cpu;
  Layout layout_ = Layout::Plain;
  std::shared_ptr<void> storage_;
};

}  // namespace deepvis
