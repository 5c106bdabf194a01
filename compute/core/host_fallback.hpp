#pragma once
// A node a device backend does not support runs on its fallback host backend (Backend::fallback): this kernel copies
// the node's inputs to host tensors, runs the host backend's kernel on them, and copies the result back; backward
// does the same with the signal. The copies synchronize the device, so such a node costs a round trip and keeps the
// step from being captured as a CUDA graph (capture fails and the work runs eagerly); Net::host_fallback_nodes()
// lists these nodes so that `deepvis info` and the benchmarks can say so.
#include "compute/core/backend.hpp"

#include <memory>

namespace deepvis {

// `spec` must be all plain (device backends keep plain layouts). Throws deepvis::Error naming the node when the
// host backend cannot build it either.
std::unique_ptr<Kernel> make_host_fallback_kernel(const KernelSpec& spec, const Backend& device,
                                                  std::shared_ptr<const Backend> host);

}  // namespace deepvis
