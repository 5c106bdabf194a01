#pragma once
// What every GPU test case shares: whether a GPU is usable (and why not), the CUDA backend, and where the source
// tree is (the GPU machine runs the tests from a copy of the checkout, not from the path they were built in).
#ifdef DEEPVIS_HAVE_CUDA

#include "compute/cuda/cuda_backend.hpp"
#include "compute/cuda/device_query.hpp"
#include "tests/support/skip.hpp"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace deepvis::test {

inline const std::string& gpu_problem() {
  static const std::string problem = cuda::query_runtime().problem;
  return problem;
}

inline std::shared_ptr<Backend> gpu() {
  static const std::shared_ptr<Backend> backend = cuda::make_cuda_backend();
  return backend;
}

inline std::filesystem::path source_root() {
  if (const char* env = std::getenv("DEEPVIS_SOURCE_DIR")) return env;
  if (std::filesystem::exists(std::filesystem::path(DEEPVIS_SOURCE_DIR) / "tests/fixtures")) return DEEPVIS_SOURCE_DIR;
  return std::filesystem::current_path();
}

}  // namespace deepvis::test

// Skips the calling test case, with the reason, when no GPU is usable (CI). CTest counts it as skipped.
#define DEEPVIS_REQUIRE_GPU() \
  if (!::deepvis::test::gpu_problem().empty()) DEEPVIS_SKIP("no usable GPU: " << ::deepvis::test::gpu_problem())

#endif  // DEEPVIS_HAVE_CUDA
