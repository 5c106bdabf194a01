// PLACEHOLDER: replaced by the real cpu softmax kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_softmax_kernel(const KernelSpec& spec) {
  throw Error("cpu: softmax kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
