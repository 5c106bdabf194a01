// The ONNX backend node tests (libonnx-testdata) that the importer accepts, on the cpu and reference backends
// (tests/onnx/conformance_suite.hpp).
#include "compute/core/backend.hpp"
#include "tests/onnx/conformance_suite.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace deepvis {

TEST_CASE("onnx: conformance node tests on the cpu and reference backends") {
  const std::filesystem::path root = test::node_tests_dir();
  REQUIRE_MESSAGE(std::filesystem::is_directory(root), "libonnx-testdata is not installed (scripts/setup-deps)");
  const std::string filter = test::node_test_filter();
  const test::SuiteResult r =
      test::run_suite(root, filter, {{"cpu", make_cpu_backend()}, {"reference", make_reference_backend()}});
  CHECK_MESSAGE(r.failures.empty(), r.failures.size() << " imported cases failed (listed above)");
  // So that the test cannot pass by skipping everything.
  if (filter.empty()) CHECK_MESSAGE(r.total.run >= 415, "only " << r.total.run << " cases ran");
}

}  // namespace deepvis
