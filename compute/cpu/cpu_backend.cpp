#include "compute/core/kernel_dispatch.hpp"
#include "compute/cpu/kernels.hpp"
#include "compute/cpu/layout_plan.hpp"

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
  explicit CpuBackend(Layout blocked) : blocked_(blocked) {}
  std::string name() const override { return "cpu"; }
  std::vector<Layout> plan_layouts(const Graph& graph) const override { return cpu::plan_layouts(graph, blocked_); }
  bool supports(const KernelSpec& /*spec*/) const override { return true; }
  std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const override { return cpu::make_kernel(spec); }

 private:
  Layout blocked_;
};

}  // namespace

std::shared_ptr<Backend> make_cpu_backend() {
  return make_cpu_backend(cpu::preferred_blocked_layout());
}

std::shared_ptr<Backend> make_cpu_backend(Layout blocked) {
  return std::make_shared<CpuBackend>(blocked);
}

}  // namespace deepvis
