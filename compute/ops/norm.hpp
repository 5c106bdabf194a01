#pragma once
// LRN across channels, and inference BatchNormalization (inputs X, scale, B, mean, var).
// Output dims = input dims.
#include <cstdint>

namespace deepvis {

struct LrnParams {
  int64_t size = 5;
  float alpha = 1e-4f;
  float beta = 0.75f;
  float bias = 1.0f;
};

struct BatchNormParams {
  float epsilon = 1e-5f;
};

}  // namespace deepvis
