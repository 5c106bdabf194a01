// PLACEHOLDER: replaced by the real reference structure kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_structure_kernel(const KernelSpec& spec) {
  throw Error("reference: structure kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
