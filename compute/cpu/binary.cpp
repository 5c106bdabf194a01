// PLACEHOLDER: replaced by the real cpu binary kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) {
  throw Error("cpu: binary kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
