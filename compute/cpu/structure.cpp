// PLACEHOLDER: replaced by the real cpu structure kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_structure_kernel(const KernelSpec& spec) {
  throw Error("cpu: structure kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
