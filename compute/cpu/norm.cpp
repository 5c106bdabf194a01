// PLACEHOLDER: replaced by the real cpu norm kernels before commit.
#include "compute/cpu/kernels.hpp"

namespace deepvis::cpu {

std::unique_ptr<Kernel> make_norm_kernel(const KernelSpec& spec) {
  throw Error("cpu: norm kernels not written yet (node '" + spec.node.name + "')");
}

}  // namespace deepvis::cpu
