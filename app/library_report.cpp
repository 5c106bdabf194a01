#include "app/library_report.hpp"

#include "compute/core/library_versions.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>

#ifdef DEEPVIS_HAVE_CUDA
#include "compute/cuda/device_query.hpp"
#endif

namespace deepvis::app {

namespace {

#ifdef DEEPVIS_HAVE_CUDA
std::string dotted(int cuda_version) {
  return std::to_string(cuda_version / 1000) + "." + std::to_string((cuda_version % 1000) / 10);
}

void append_cuda(std::vector<std::pair<std::string, std::string>>& rows) {
  const cuda::RuntimeInfo info = cuda::query_runtime();
  rows.emplace_back("CUDA", "runtime " + dotted(info.runtime_version) + ", driver " +
                                (info.driver_version ? dotted(info.driver_version) : std::string("none")));
  rows.emplace_back("cuDNN", std::to_string(info.cudnn_version / 10000) + "." +
                                 std::to_string((info.cudnn_version / 100) % 100) + "." +
                                 std::to_string(info.cudnn_version % 100));
  for (const auto& d : info.devices) {
    rows.emplace_back("GPU " + std::to_string(d.index), d.name + " (sm_" + std::to_string(d.compute_major) +
                                                            std::to_string(d.compute_minor) + ", " +
                                                            std::to_string(d.total_memory_bytes >> 20) + " MiB)");
  }
  if (!info.problem.empty()) rows.emplace_back("GPU", "none usable: " + info.problem);
}
#endif

}  // namespace

std::vector<std::pair<std::string, std::string>> library_report() {
  auto rows = compute_library_versions();
  rows.emplace_back("GLFW", glfwGetVersionString());
  rows.emplace_back("Dear ImGui", IMGUI_VERSION);
#ifdef DEEPVIS_HAVE_CUDA
  append_cuda(rows);
#else
  rows.emplace_back("CUDA", "not built (configure with DEEPVIS_CUDA=ON on a machine with nvcc and cuDNN)");
#endif
  return rows;
}

}  // namespace deepvis::app
