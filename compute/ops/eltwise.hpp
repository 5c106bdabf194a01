#pragma once
// Activations: Relu, LeakyRelu, Clip (ReLU6 and friends), Sigmoid. Output dims = input dims.
#include "compute/core/backward_mode.hpp"

#include <limits>

namespace deepvis {

struct LeakyReluParams {
  float alpha = 0.01f;
};

struct ClipParams {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

}  // namespace deepvis
