#include "compute/vis/cuda/device_layer_ring.hpp"

#include "compute/core/error.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"

#include <string>

namespace deepvis::cuda {

namespace {

constexpr const char* kWhere = "device layer copy";

}  // namespace

DeviceLayerCopy::DeviceLayerCopy(const Dims& dims) : values_(device_tensor(dims, kWhere)) {
  DEEPVIS_CUDA_CALL(kWhere, cudaEventCreateWithFlags, &ready_, cudaEventDisableTiming);
  const cudaError_t status = cudaEventCreateWithFlags(&read_, cudaEventDisableTiming);
  if (status != cudaSuccess) {
    cudaEventDestroy(ready_);
    check_cuda(status, "cudaEventCreateWithFlags", kWhere);
  }
}

DeviceLayerCopy::~DeviceLayerCopy() {
  // The memory goes with values_: a reader's kernels must be done with it first.
  if (read_pending_.load(std::memory_order_acquire)) cudaEventSynchronize(read_);
  // Destroying an event a stream still waits for is allowed: the wait completes as recorded.
  cudaEventDestroy(ready_);
  cudaEventDestroy(read_);
}

void DeviceLayerCopy::wait_ready(cudaStream_t reader) const {
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamWaitEvent, reader, ready_, 0);
}

void DeviceLayerCopy::mark_read(cudaStream_t reader) const {
  DEEPVIS_CUDA_CALL(kWhere, cudaEventRecord, read_, reader);
  read_pending_.store(true, std::memory_order_release);
}

std::shared_ptr<const DeviceLayerCopy> DeviceLayerRing::copy(const Tensor& blob) {
  if (blob.device() != Device::Cuda) {
    throw Error(std::string(kWhere) + ": the blob must be in device memory, got one on the host");
  }
  // A slot no reader holds: use_count 1 is the ring's own reference (readers drop theirs after mark_read).
  std::shared_ptr<DeviceLayerCopy>* chosen = nullptr;
  std::shared_ptr<DeviceLayerCopy>* free_other = nullptr;
  for (std::shared_ptr<DeviceLayerCopy>& slot : slots_) {
    if (slot.use_count() != 1) continue;
    // The reader's release (mark_read, then dropping its reference) happens before what follows here.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (slot->values_.dims() == blob.dims()) {
      chosen = &slot;
      break;
    }
    if (free_other == nullptr) free_other = &slot;
  }
  if (chosen == nullptr && free_other != nullptr) {
    // Another layer's copy nobody reads: its memory goes, one of the new dims takes its place.
    *free_other = std::make_shared<DeviceLayerCopy>(blob.dims());
    chosen = free_other;
  }
  if (chosen == nullptr) {
    slots_.push_back(std::make_shared<DeviceLayerCopy>(blob.dims()));
    chosen = &slots_.back();
  }
  DeviceLayerCopy& copy = **chosen;
  const cudaStream_t stream = CudaContext::instance().stream();
  if (copy.read_pending_.exchange(false, std::memory_order_acquire)) {
    DEEPVIS_CUDA_CALL(kWhere, cudaStreamWaitEvent, stream, copy.read_, 0);
  }
  const auto bytes = static_cast<std::size_t>(blob.numel()) * sizeof(float);
  if (bytes > 0) {
    DEEPVIS_CUDA_CALL(kWhere, cudaMemcpyAsync, copy.values_.data(), blob.data(), bytes, cudaMemcpyDeviceToDevice,
                      stream);
  }
  DEEPVIS_CUDA_CALL(kWhere, cudaEventRecord, copy.ready_, stream);
  return *chosen;
}

}  // namespace deepvis::cuda
