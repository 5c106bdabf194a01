#pragma once
// "C" or "C:Y:X": a unit of a layer (channel, and for conv layers an optional spatial position).
#include "compute/core/tensor.hpp"

#include <optional>
#include <string>

namespace deepvis::app {

struct UnitSpec {
  int64_t channel = 0;
  std::optional<int64_t> y;
  std::optional<int64_t> x;
};

// Throws CommandError(kExitUsage) when malformed.
UnitSpec parse_unit_spec(const std::string& text);
// Throws CommandError(kExitUsage) naming the layer when the unit is outside `dims` (N,C[,H,W]).
void check_unit(const UnitSpec& unit, const Dims& dims, const std::string& layer);

}  // namespace deepvis::app
