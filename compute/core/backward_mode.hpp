#pragma once
// How a signal flows back from a unit to the input (shared/spec/deep-visualization.md §2). Only rectifiers
// (Relu, LeakyRelu, Clip) differ by mode; every other op, max-pool switches included, is the same in all modes.
#include "compute/core/host_device.hpp"

namespace deepvis {

enum class BackwardMode { Gradient, Deconv, Guided };

struct BackwardOptions {
  // Deconv through LRN: pass the signal unchanged instead of backpropagating (the original offered both).
  bool lrn_passthrough_in_deconv = false;
};

// The one rule, used by every backend and the reference: what a rectifier passes back, given the signal g and
// the rectifier's forward slope at its input (1 or 0 for Relu, alpha for a negative LeakyRelu input,
// 0 outside Clip's range).
//   Gradient: the exact derivative, slope * g.
//   Deconv:   max(g, 0), whatever the forward input was (Zeiler & Fergus).
//   Guided:   the derivative, and only where the signal is positive (Springenberg et al.).
template <typename T>
DEEPVIS_HOST_DEVICE inline T rectifier_backward(BackwardMode mode, T slope, T g) {
  switch (mode) {
    case BackwardMode::Deconv: return g > T(0) ? g : T(0);
    case BackwardMode::Guided: return slope * (g > T(0) ? g : T(0));  // branch-free: vectorizes
    case BackwardMode::Gradient:
    default: return slope * g;
  }
}

}  // namespace deepvis
