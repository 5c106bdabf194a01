#pragma once
// The ONNX backend node tests (libonnx-testdata) as a suite any backend can run: every test folder the importer
// accepts, each data set against its expected outputs with the ONNX backend-test tolerance (rtol 1e-3, atol 1e-7).
// The cpu and reference backends run it in tests/onnx/onnx_conformance_test.cpp, the CUDA backend in
// tests/cuda/cuda_conformance_test.cpp (on the GPU machine, from the copy scripts/gpu-check bundles).
#include "compute/core/backend.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deepvis::test {

struct Tally {
  int run = 0;
  int passed = 0;
  int skipped = 0;
};

// The op types of a test model, sorted and joined: the per-op summary key.
struct SuiteResult {
  Tally total;
  std::vector<std::string> failures;
};

using NamedBackends = std::vector<std::pair<std::string, std::shared_ptr<Backend>>>;

// Runs every test folder under `root` whose name contains `filter` on each backend; prints the per-op summary.
SuiteResult run_suite(const std::filesystem::path& root, const std::string& filter, const NamedBackends& backends);

// DEEPVIS_ONNX_NODE_TESTS, else Debian's /usr/share/libonnx-testdata/data/node.
std::filesystem::path node_tests_dir();
// DEEPVIS_ONNX_TEST_FILTER=substring restricts a run to matching test folders (while debugging).
std::string node_test_filter();

}  // namespace deepvis::test
