#pragma once
// From bytes to a checked ModelProto: protobuf parse, opset and op-support checks, external data, the ONNX
// checker and shape inference. Every failure is a deepvis::Error naming `source`.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace deepvis::onnx_internal {

inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 17;

struct LoadedModel {
  onnx::ModelProto model;
  int64_t opset = 0;  // of the default domain
};

LoadedModel load_model(const std::string& bytes, const std::string& source, const std::filesystem::path& model_dir);

}  // namespace deepvis::onnx_internal
