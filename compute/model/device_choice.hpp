#pragma once
// Where a model computes, as --device and --tf32 say it. The window's jobs (live optimizer, per-unit images,
// gallery) load their models on the engine's choice, so one flag decides for all of them.
#include <string>

namespace deepvis {

struct DeviceChoice {
  std::string device = "auto";  // cpu, cuda or auto (the GPU when one is usable)
  bool tf32 = false;            // TF32 tensor cores on the GPU

  bool operator==(const DeviceChoice& o) const { return device == o.device && tf32 == o.tf32; }
  bool operator!=(const DeviceChoice& o) const { return !(*this == o); }
};

}  // namespace deepvis
