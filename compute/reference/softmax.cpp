// PLACEHOLDER: replaced by the real reference softmax kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec) {
  throw Error("reference: softmax kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
