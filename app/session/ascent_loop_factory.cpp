#include "app/session/ascent_loop_factory.hpp"

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/vis/cuda/device_ascent_loop.hpp"
#endif

namespace deepvis::app {

std::unique_ptr<vis::AscentLoop> make_ascent_loop(Net& net, const vis::AscentParams& params,
                                                  const vis::PixelSpace& space, const Tensor* start_image,
                                                  std::string* why_host) {
  if (why_host) why_host->clear();
#ifdef DEEPVIS_HAVE_CUDA
  if (net.backend().device() == Device::Cuda) {
    const std::string unsupported = cuda::DeviceAscentRun::unsupported(params);
    if (unsupported.empty()) return std::make_unique<cuda::DeviceAscentLoop>(net, params, space, start_image);
    if (why_host) *why_host = "the GPU loop does not run " + unsupported + "; stepping on the host";
  }
#endif
  return std::make_unique<vis::HostAscentLoop>(net, params, space, start_image);
}

}  // namespace deepvis::app
