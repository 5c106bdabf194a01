// PLACEHOLDER: replaced by the real cpu linear kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec) {
  throw Error("cpu: linear kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
