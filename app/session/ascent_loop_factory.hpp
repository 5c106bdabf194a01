#pragma once
// The one place that chooses the optimizer loop (issue 17: one factory hands every caller the device loop when
// the net is on CUDA). The device loop runs what it supports (DeviceAscentRun::unsupported says what not); the
// host loop runs everything. Both take the same parameters and give the same records within float tolerance.
#include "compute/vis/ascent_loop.hpp"

#include <memory>
#include <string>

namespace deepvis::app {

// `why_host` (when given) receives why a net on the GPU steps on the host ("" when it does not, or the net is on
// the CPU). Throws deepvis::Error as AscentRun does for a bad layer, unit or params.
std::unique_ptr<vis::AscentLoop> make_ascent_loop(Net& net, const vis::AscentParams& params,
                                                  const vis::PixelSpace& space, const Tensor* start_image = nullptr,
                                                  std::string* why_host = nullptr);

}  // namespace deepvis::app
