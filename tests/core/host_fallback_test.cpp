// The Net's fallback for nodes a backend does not support (Backend::supports / fallback, compute/core/
// host_fallback.hpp). The backend under test declines chosen ops and names the CPU backend as its fallback; the
// results must equal a run where nothing falls back, forward and backward in every mode, and the Net must say which
// nodes ran on the fallback. (On a GPU, tests/cuda/cuda_parity_test.cpp does the same with the CUDA backend.)
#include "compute/core/error.hpp"
#include "compute/core/net.hpp"
#include "tests/support/op_check.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace deepvis;
using namespace deepvis::test;

namespace {

class DecliningBackend final : public Backend {
 public:
  DecliningBackend(std::vector<OpKind> declined, bool with_fallback)
      : inner_(make_reference_backend()),
        declined_(std::move(declined)),
        fallback_(with_fallback ? make_cpu_backend(Layout::Plain) : nullptr) {}
  std::string name() const override { return "declining"; }
  bool supports(const KernelSpec& spec) const override {
    return std::find(declined_.begin(), declined_.end(), spec.node.kind) == declined_.end();
  }
  std::shared_ptr<const Backend> fallback() const override { return fallback_; }
  std::unique_ptr<Kernel> make_kernel(const KernelSpec& spec) const override { return inner_->make_kernel(spec); }

 private:
  std::shared_ptr<Backend> inner_;
  std::vector<OpKind> declined_;
  std::shared_ptr<const Backend> fallback_;
};

// conv -> relu -> transpose -> tanh, plus a residual Mul, so declined nodes sit between supported ones, read
// constants, and feed two readers.
Graph mixed_graph() {
  GraphBuilder b("mixed.onnx");
  const int x = b.input("x", {2, 3, 6, 5});
  const int w = b.constant("w", random_tensor({4, 3, 3, 3}, 1));
  ConvParams conv{{3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  const int c = b.node(OpKind::Conv, conv, {x, w}, "conv");
  const int r = b.node(OpKind::Relu, NoParams{}, {c}, "relu");
  const int t = b.node(OpKind::Transpose, TransposeParams{{0, 1, 3, 2}}, {r}, "transpose");
  const int h = b.node(OpKind::Tanh, SmoothParams{}, {t}, "tanh");
  const int slope = b.constant("slope", random_tensor({4, 1, 1}, 2, 0.1f, 0.3f));
  const int p = b.node(OpKind::PRelu, NoParams{}, {h, slope}, "prelu");
  b.node(OpKind::Mul, NoParams{}, {p, t}, "out");
  return b.build();
}

}  // namespace

TEST_CASE("host fallback: declined nodes run on the fallback and give the same results in every mode") {
  const Graph g = mixed_graph();
  Net want(g, make_reference_backend());
  Net got(g, std::make_shared<DecliningBackend>(std::vector<OpKind>{OpKind::Transpose, OpKind::PRelu}, true));
  CHECK(got.host_fallback_nodes() == std::vector<std::string>{"transpose", "prelu"});
  CHECK(want.host_fallback_nodes().empty());
  const double err = worst_error_everywhere(g, got, want, random_tensor({2, 3, 6, 5}, 3), {"out", "tanh"}, 4);
  CHECK(err <= 1e-5);
  // A re-plan (another batch) keeps the fallback.
  got.set_batch(1);
  CHECK(got.host_fallback_nodes().size() == 2);
}

TEST_CASE("host fallback: without a fallback, a declined node is an error naming it") {
  const Graph g = mixed_graph();
  try {
    Net net(g, std::make_shared<DecliningBackend>(std::vector<OpKind>{OpKind::Tanh}, false));
    FAIL("a declined node without a fallback must not plan");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.find("mixed.onnx") != std::string::npos);
    CHECK(what.find("'tanh' (Tanh)") != std::string::npos);
    CHECK(what.find("declining") != std::string::npos);
  }
}
