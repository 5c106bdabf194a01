#pragma once
// The embedded Fashion-MNIST model as optimizer tests use it: its file, and its card's preprocessing (0..1 pixels,
// mean 0.28604, std 0.353024) as the optimizer's pixel space.
#include "compute/vis/ascent.hpp"

#include <string>

namespace deepvis::test {

inline std::string fashion_mnist_model() {
  return std::string(DEEPVIS_SOURCE_DIR) + "/models/fashion_mnist/fashion_mnist.onnx";
}

inline vis::PixelSpace fashion_mnist_space() {
  vis::PixelSpace s;
  s.gain.push_back((1.0f / 255.0f) / 0.353024f);
  s.offset.push_back(0.28604f * 255.0f);
  return s;
}

// The paper's preset `number`, shortened to `iterations`, for unit 3 of the second conv layer's Relu.
inline vis::AscentParams fashion_mnist_conv_unit(int number, int iterations) {
  vis::AscentParams p = vis::preset(number);
  p.max_iter = iterations;
  p.push_layer = "/relu2/Relu_output_0";
  p.push_units = {3};
  return p;
}

}  // namespace deepvis::test
