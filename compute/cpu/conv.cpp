// PLACEHOLDER: replaced by the real cpu conv kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) {
  throw Error("cpu: conv kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
