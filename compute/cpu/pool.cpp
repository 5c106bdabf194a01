// PLACEHOLDER: replaced by the real cpu pool kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) {
  throw Error("cpu: pool kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
