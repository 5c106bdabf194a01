// PLACEHOLDER: replaced by the real reference eltwise kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec) {
  throw Error("reference: eltwise kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
