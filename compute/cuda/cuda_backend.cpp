#include "compute/cuda/cuda_backend.hpp"

#include "compute/core/kernel_dispatch.hpp"
#include "compute/cuda/basic_ops.hpp"
#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"
#include "compute/cuda/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

namespace deepvis::cuda {

std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) {
  DEEPVIS_KERNEL_FACTORIES(cuda);
  return dispatch_kernel<Factories>(spec);
}

CudaOptions cuda_options_from_env() {
  CudaOptions options;
  options.tf32 = env_flag("DEEPVIS_CUDA_TF32");
  options.sync_each_node = env_flag("DEEPVIS_CUDA_SYNC");
  if (const char* withheld = std::getenv("DEEPVIS_CUDA_WITHHOLD")) {
    std::string list = withheld;
    for (size_t at = 0; at <= list.size();) {
      const size_t comma = std::min(list.find(',', at), list.size());
      const std::string name = list.substr(at, comma - at);
      if (!name.empty()) {
        const std::optional<OpKind> kind = op_from_name(name);
        if (!kind) throw Error("DEEPVIS_CUDA_WITHHOLD: '" + name + "' is not an op deepvis runs");
        options.withheld.push_back(*kind);
      }
      at = comma + 1;
    }
  }
  return options;
}

namespace {

// Messages' prefixes, made once: the copies below run on every forward and backward.
const std::string kWhere = "cuda backend";
const std::string kCopyWhere = "cuda backend copy";
const std::string kAddWhere = "cuda backend add_into";
const std::string kFillWhere = "cuda backend fill";

// Runs a family kernel and, when asked, waits for it so that an asynchronous fault is reported with its node.
class CheckedKernel final : public Kernel {
 public:
  CheckedKernel(std::unique_ptr<Kernel> inner, std::string where)
      : inner_(std::move(inner)), where_(std::move(where)) {}

  void forward(const ForwardArgs& args) override {
    inner_->forward(args);
    after("forward");
  }
  void backward(const BackwardArgs& args) override {
    inner_->backward(args);
    after("backward");
  }

 private:
  void after(const char* pass) const {
    const CudaContext& ctx = CudaContext::instance();
    if (ctx.sync_each_node()) ctx.synchronize(where_ + " " + pass);
  }

  std::unique_ptr<Kernel> inner_;
  std::string where_;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaOptions& options)
      : ctx_(CudaContext::instance()), withheld_(options.withheld), host_(make_cpu_backend(Layout::Plain)) {
    ctx_.set_tf32(options.tf32);
    ctx_.set_sync_each_node(options.sync_each_node);
  }

  std::string name() const override { return "cuda"; }
  Device device() const override { return Device::Cuda; }

  Tensor allocate(const Dims& dims) const override { return device_tensor(dims, kWhere); }

  Tensor upload(const Tensor& host) const override {
    if (host.device() == Device::Cuda) return host;
    return device_copy_of(host, kWhere);
  }

  void copy(const Tensor& src, Tensor& dst) const override {
    if (src.numel() != dst.numel()) {
      throw Error("cannot copy a " + to_string(src.dims()) + " tensor into a " + to_string(dst.dims()) + " tensor");
    }
    if (src.device() == Device::Cpu && dst.device() == Device::Cpu) {
      dst.copy_from(src);
      return;
    }
    const auto bytes = static_cast<std::size_t>(src.numel()) * sizeof(float);
    if (bytes == 0) return;
    DEEPVIS_CUDA_CALL(kCopyWhere, cudaMemcpyAsync, dst.data(), src.data(), bytes, cudaMemcpyDefault, ctx_.stream());
    // The host side of a transfer may be read or freed as soon as we return.
    if (src.device() == Device::Cpu || dst.device() == Device::Cpu) ctx_.synchronize(kCopyWhere);
  }

  void add_into(Tensor& dst, const Tensor& src) const override {
    add_into_async(dst.data(), src.data(), dst.numel(), ctx_.stream(), kAddWhere);
  }

  void fill(Tensor& t, float value) const override {
    if (value == 0.0f && !std::signbit(value)) {
      const auto bytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
      if (bytes > 0) DEEPVIS_CUDA_CALL(kFillWhere, cudaMemsetAsync, t.data(), 0, bytes, ctx_.stream());
      return;
    }
    fill_async(t.data(), t.numel(), value, ctx_.stream(), kFillWhere);
  }

  void synchronize() const override { ctx_.synchronize("synchronize"); }

  // Every op has a CUDA kernel (dispatch_kernel's switch is exhaustive); only withheld ones are declined.
  bool supports(const KernelSpec& spec) const override {
    return std::find(withheld_.begin(), withheld_.end(), spec.node.kind) == withheld_.end();
  }

  std::shared_ptr<const Backend> fallback() const override { return host_; }

  std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const override {
    return std::make_unique<CheckedKernel>(cuda::make_kernel(spec), node_where(spec.node));
  }

 private:
  CudaContext& ctx_;
  std::vector<OpKind> withheld_;
  std::shared_ptr<const Backend> host_;
};

}  // namespace

std::shared_ptr<Backend> make_cuda_backend(const CudaOptions& options) {
  return std::make_shared<CudaBackend>(options);
}

}  // namespace deepvis::cuda
