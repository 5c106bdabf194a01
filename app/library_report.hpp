#pragma once
// Every library deepvis links, with its version, and the GPUs the CUDA backend sees (when built with CUDA).
#include <string>
#include <utility>
#include <vector>

namespace deepvis::app {

std::vector<std::pair<std::string, std::string>> library_report();

}  // namespace deepvis::app
