// PLACEHOLDER: replaced by the real reference linear kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_linear_kernel(const KernelSpec& spec) {
  throw Error("reference: linear kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
