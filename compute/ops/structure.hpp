#pragma once
// Ops that move data without arithmetic: Concat, Flatten, Reshape, Squeeze, Unsqueeze, Pad (constant mode here; its
// reflect and edge modes run as rearrangements, compute/ops/rearrange.hpp).
#include "compute/core/tensor.hpp"

#include <vector>

namespace deepvis {

struct ConcatParams {
  int64_t axis = 1;  // normalized to be non-negative at import
};

struct FlattenParams {
  int64_t axis = 1;  // normalized, 0..rank
};

struct ReshapeParams {
  Dims shape;  // ONNX semantics: 0 copies the input dim, -1 is inferred (allowzero = 0)
};

// Squeeze (axes of the input, each of size 1) and Unsqueeze (axes of the output): normalized and sorted at import.
struct AxesParams {
  Dims axes;
};

enum class PadMode { Constant, Reflect, Edge };

struct PadParams {
  Dims pads_begin;  // one per input dim; negative crops
  Dims pads_end;
  float value = 0.0f;  // constant mode
  PadMode mode = PadMode::Constant;
};

Dims concat_output_dims(const ConcatParams& p, const std::vector<Dims>& inputs);
Dims flatten_output_dims(const FlattenParams& p, const Dims& x);
Dims reshape_output_dims(const ReshapeParams& p, const Dims& x);
Dims pad_output_dims(const PadParams& p, const Dims& x);
Dims squeeze_output_dims(const AxesParams& p, const Dims& x);
Dims unsqueeze_output_dims(const AxesParams& p, const Dims& x);

}  // namespace deepvis
