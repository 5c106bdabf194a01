// The ONNX backend node tests on the CUDA backend (tests/onnx/conformance_suite.hpp), on a GPU: scripts/gpu-check
// bundles the node test data and points DEEPVIS_ONNX_NODE_TESTS at it. Skips, saying why, without a GPU.
#ifdef DEEPVIS_HAVE_CUDA

#include "tests/onnx/conformance_suite.hpp"
#include "tests/support/gpu_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace deepvis {

TEST_CASE("cuda: conformance node tests on the CUDA backend") {
  DEEPVIS_REQUIRE_GPU();
  const std::filesystem::path root = test::node_tests_dir();
  REQUIRE_MESSAGE(std::filesystem::is_directory(root), "no ONNX node tests at " << root.string());
  const std::string filter = test::node_test_filter();
  const test::SuiteResult r = test::run_suite(root, filter, {{"cuda", test::gpu()}});
  CHECK_MESSAGE(r.failures.empty(), r.failures.size() << " imported cases failed on the GPU (listed above)");
  if (filter.empty()) CHECK_MESSAGE(r.total.run >= 250, "only " << r.total.run << " cases ran");
}

}  // namespace deepvis

#endif  // DEEPVIS_HAVE_CUDA
