#pragma once
// Versions of the libraries the engine links, for `deepvis info` and bug reports.
#include <string>
#include <utility>
#include <vector>

namespace deepvis {

// (library, version) pairs for the compute dependencies: oneDNN, ONNX, protobuf, OpenCV.
std::vector<std::pair<std::string, std::string>> compute_library_versions();

}  // namespace deepvis
