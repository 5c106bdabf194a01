#pragma once
// Names from a model (blob names such as "/features/features.1/Relu_output_0") as parts of file paths.
#include <string>

namespace deepvis {

// `name` made safe as one file name: characters outside [A-Za-z0-9._-] become '_', and "", "." and ".." get a
// leading '_' so the result never names a folder.
std::string safe_file_name(const std::string& name);

}  // namespace deepvis
