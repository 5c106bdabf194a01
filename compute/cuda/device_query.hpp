#pragma once
// What the CUDA runtime and cuDNN report about this machine. Built only when the CUDA backend is enabled.
#include <string>
#include <vector>

namespace deepvis::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int compute_major = 0;
  int compute_minor = 0;
  std::size_t total_memory_bytes = 0;
};

struct RuntimeInfo {
  int runtime_version = 0;  // e.g. 13000
  int driver_version = 0;   // 0 when no driver is loaded
  std::size_t cudnn_version = 0;
  std::vector<DeviceInfo> devices;
  std::string problem;  // why no device is usable (no driver, driver too old, ...), empty when fine
};

// Never throws: a machine without a GPU is normal, and the answer says why none is usable.
RuntimeInfo query_runtime();

}  // namespace deepvis::cuda
