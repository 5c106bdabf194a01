#include "compute/core/kernel_dispatch.hpp"
#include "compute/cpu/kernels.hpp"

namespace deepvis {

namespace cpu {

std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) {
  DEEPVIS_KERNEL_FACTORIES(cpu);
  return dispatch_kernel<Factories>(spec);
}

}  // namespace cpu

namespace {

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  bool supports(const KernelSpec& /*spec*/) const override { return true; }
  std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const override { return cpu::make_kernel(spec); }
};

}  // namespace

std::shared_ptr<Backend> make_cpu_backend() { return std::make_shared<CpuBackend>(); }

}  // namespace deepvis
