#pragma once
// From bytes to a checked ModelProto: protobuf parse, opset check, external data, the ONNX checker, shape
// inference, simplification (constant folding, If branches, dead nodes), and the op-support check of what is left,
// which lists every unsupported op at once. Every failure is a deepvis::Error naming `source`.
#include "compute/onnx/model_simplifier.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace deepvis::onnx_internal {

inline constexpr int64_t kMinOpset = 1;
inline constexpr int64_t kMaxOpset = 17;

struct LoadedModel {
  onnx::ModelProto model;  // simplified (model_simplifier.hpp)
  int64_t opset = 0;       // of the default domain
  int nodes_in_file = 0;   // before simplification
  SimplifyCounts simplified;
};

LoadedModel load_model(const std::string& bytes, const std::string& source, const std::filesystem::path& model_dir);

}  // namespace deepvis::onnx_internal
