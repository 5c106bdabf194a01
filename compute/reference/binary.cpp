// PLACEHOLDER: replaced by the real reference binary kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_binary_kernel(const KernelSpec& spec) {
  throw Error("reference: binary kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
