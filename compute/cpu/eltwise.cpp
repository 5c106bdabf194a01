// PLACEHOLDER: replaced by the real cpu eltwise kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_eltwise_kernel(const KernelSpec& spec) {
  throw Error("cpu: eltwise kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
