#pragma once
// Softmax. Opset >= 13: along `axis`. Opset < 13: the input is coerced to 2-D at `axis` (dims before it form
// the rows) and softmax runs over each row. Output dims = input dims.
#include <cstdint>

namespace deepvis {

struct SoftmaxParams {
  int64_t axis = 1;         // normalized, non-negative
  bool coerce_2d = false;   // opset < 13 semantics
};

}  // namespace deepvis
