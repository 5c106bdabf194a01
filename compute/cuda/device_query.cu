#include "compute/cuda/device_query.hpp"

#include <cuda_runtime.h>
#include <cudnn.h>

namespace deepvis::cuda {

RuntimeInfo query_runtime() {
  RuntimeInfo info;
  cudaRuntimeGetVersion(&info.runtime_version);
  if (cudaDriverGetVersion(&info.driver_version) != cudaSuccess) info.driver_version = 0;
  info.cudnn_version = cudnnGetVersion();

  if (info.driver_version == 0) {
    info.problem = "no NVIDIA driver is loaded (no GPU on this machine?)";
    return info;
  }
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    info.problem = cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return info;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    info.devices.push_back({i, prop.name, prop.major, prop.minor, prop.totalGlobalMem});
  }
  if (info.devices.empty()) info.problem = "no CUDA device found";
  return info;
}

}  // namespace deepvis::cuda
