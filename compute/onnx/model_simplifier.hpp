#pragma once
// Simplification of a checked, shape-inferred ModelProto before conversion: constant folding (fold_constants.hpp),
// an If whose condition folds replaced by its taken branch, and nodes that no graph output needs dropped. Repeated
// with ONNX shape inference in between until nothing changes, so a Shape of a tensor whose dims only became known
// after an earlier fold folds too. The result is still a valid ONNX model (`deepvis info --simplified` writes it).
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace deepvis::onnx_internal {

struct SimplifyCounts {
  int folded = 0;       // nodes evaluated at import and replaced by their values
  int inlined_ifs = 0;  // If nodes replaced by their taken branch
  int dead = 0;         // nodes that no graph output needs
  int batch_fixed = 0;  // folded values that held the symbolic batch and were written as the import batch (1),
                        // other than Reshape targets (which copy dim 0 instead)
};

SimplifyCounts simplify_model(onnx::ModelProto& model, int64_t opset, const std::string& source);

}  // namespace deepvis::onnx_internal
