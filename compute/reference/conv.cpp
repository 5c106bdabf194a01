// PLACEHOLDER: replaced by the real reference conv kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_conv_kernel(const KernelSpec& spec) {
  throw Error("reference: conv kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
