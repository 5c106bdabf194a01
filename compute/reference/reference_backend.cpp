#include "compute/core/kernel_dispatch.hpp"
#include "compute/reference/kernels.hpp"

namespace deepvis {

namespace reference {

std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) {
  DEEPVIS_KERNEL_FACTORIES(reference);
  return dispatch_kernel<Factories>(spec);
}

}  // namespace reference

namespace {

class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }
  bool supports(const KernelSpec& /*spec*/) const override { return true; }
  std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const override { return reference::make_kernel(spec); }
};

}  // namespace

std::shared_ptr<Backend> make_reference_backend() { return std::make_shared<ReferenceBackend>(); }

}  // namespace deepvis
