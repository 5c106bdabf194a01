#pragma once
// Copies of a blob in device memory for another thread to read while the engine computes the next frame: the
// live grid's GPU path, where the engine copies the selected layer after each forward and the UI thread builds
// the atlas from the copy straight into a GL texture. A copy is handed out as shared_ptr<const DeviceLayerCopy>;
// once every reader has let go, the ring copies a later frame into the same memory, so the steady state
// allocates nothing.
//
// Ordering is by CUDA events, never by waiting on the host: a reader's stream waits for the copy (wait_ready), and
// the ring's next copy into that memory waits for the reader's last kernel (mark_read).
#include "compute/core/tensor.hpp"

#include <cuda_runtime.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace deepvis::cuda {

class DeviceLayerCopy {
 public:
  // Device memory for a blob of `dims` and its two events. Throws deepvis::Error (out of memory, say).
  explicit DeviceLayerCopy(const Dims& dims);
  ~DeviceLayerCopy();
  DeviceLayerCopy(const DeviceLayerCopy&) = delete;
  DeviceLayerCopy& operator=(const DeviceLayerCopy&) = delete;

  // The copied values, in device memory. Read them only on a stream that wait_ready() has ordered.
  const Tensor& values() const { return values_; }
  // Makes `reader` (a stream of CudaContext's device) wait, on the device, until the copy is complete.
  void wait_ready(cudaStream_t reader) const;
  // Says the last read of values() has been enqueued on `reader`: a later copy into this memory waits for it.
  void mark_read(cudaStream_t reader) const;

 private:
  friend class DeviceLayerRing;
  Tensor values_;
  cudaEvent_t ready_ = nullptr;
  cudaEvent_t read_ = nullptr;
  mutable std::atomic<bool> read_pending_{false};  // mark_read recorded read_ since the last copy
};

class DeviceLayerRing {
 public:
  // Enqueues a copy of `blob` (in device memory, written on CudaContext's stream) on CudaContext's stream, into the
  // memory of a copy no reader holds any more (allocating only when there is none of the same dims). Throws
  // deepvis::Error on a host blob or a failed CUDA call.
  std::shared_ptr<const DeviceLayerCopy> copy(const Tensor& blob);

  // Copies allocated so far (for tests: a steady stream of frames keeps this small).
  std::size_t allocated() const { return slots_.size(); }

 private:
  std::vector<std::shared_ptr<DeviceLayerCopy>> slots_;
};

}  // namespace deepvis::cuda
