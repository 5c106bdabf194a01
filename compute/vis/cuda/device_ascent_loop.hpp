#pragma once
// DeviceAscentRun behind vis::AscentLoop, so the panel, the per-unit pane and the gallery step on the GPU when
// their net runs there. Unverified on a card until scripts/gpu-check runs it (issue 20).
#include "compute/vis/ascent_loop.hpp"
#include "compute/vis/cuda/device_ascent.hpp"

namespace deepvis::cuda {

class DeviceAscentLoop final : public vis::AscentLoop {
 public:
  DeviceAscentLoop(Net& net, const vis::AscentParams& params, const vis::PixelSpace& space, const Tensor* start_image)
      : run_(net, params, space, start_image) {}
  bool step() override { return run_.step(); }
  bool finished() override { return run_.finished(); }
  int iteration() const override { return run_.iteration(); }
  void update_params(const vis::AscentParams& params) override { run_.update_params(params); }
  const vis::AscentParams& params() const override { return run_.params(); }
  int units() const override { return run_.units(); }
  const vis::UnitRecord& record(int k) override { return run_.record(k); }
  Tensor x() override { return run_.x(); }
  int target_blob() const override { return run_.target_blob(); }
  std::string where() const override { return "GPU (" + run_.launch_note() + ")"; }

 private:
  DeviceAscentRun run_;
};

}  // namespace deepvis::cuda
