// PLACEHOLDER: replaced by the real reference norm kernels before commit.
#include "compute/reference/kernels.hpp"

namespace deepvis::reference {

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  throw Error("reference: norm kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::reference
