// PLACEHOLDER: replaced by the real reference pool kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_pool_kernel(const KernelSpec& spec) {
  throw Error("reference: pool kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
