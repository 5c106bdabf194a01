#pragma once
// The optimizer loop as every caller steps it (the panel, the per-unit pane, the gallery), whichever loop runs
// underneath: AscentRun on the host, or the device loop (compute/vis/cuda/device_ascent.hpp) when the net is on
// the GPU. app/session/ascent_loop_factory.hpp picks one.
#include "compute/vis/ascent.hpp"

#include <memory>
#include <string>

namespace deepvis::vis {

class AscentLoop {
 public:
  virtual ~AscentLoop() = default;
  // One iteration for every unit still running; false once every unit has finished.
  virtual bool step() = 0;
  virtual bool finished() = 0;
  virtual int iteration() const = 0;  // the next ii to run
  // Regularizers and schedule from the next step (as AscentRun::update_params).
  virtual void update_params(const AscentParams& params) = 0;
  virtual const AscentParams& params() const = 0;
  virtual int units() const = 0;
  virtual const UnitRecord& record(int k) = 0;  // read from the device when it runs there
  virtual Tensor x() = 0;                       // (K, C, H, W) pixel space, on the host
  virtual int target_blob() const = 0;
  // Where it steps: "host", or "GPU (CUDA graph)" / "GPU (<why not graphed>)".
  virtual std::string where() const = 0;
};

// AscentRun behind the interface: the same loop, step for step.
class HostAscentLoop final : public AscentLoop {
 public:
  HostAscentLoop(Net& net, const AscentParams& params, const PixelSpace& space, const Tensor* start_image)
      : run_(net, params, space, start_image) {}
  bool step() override { return run_.step(); }
  bool finished() override { return run_.finished(); }
  int iteration() const override { return run_.iteration(); }
  void update_params(const AscentParams& params) override { run_.update_params(params); }
  const AscentParams& params() const override { return run_.params(); }
  int units() const override { return run_.units(); }
  const UnitRecord& record(int k) override { return run_.record(k); }
  Tensor x() override { return run_.x(); }
  int target_blob() const override { return run_.target_blob(); }
  std::string where() const override { return "host"; }

 private:
  AscentRun run_;
};

}  // namespace deepvis::vis
