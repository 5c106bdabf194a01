#pragma once
// The layer a front end shows when the user names none, the same for the window, `render` and `record`: the
// card's first default layer that can be drawn, else the first convolution, else the first drawable layer.
#include "compute/core/net.hpp"
#include "compute/model/model_card.hpp"

#include <optional>
#include <string>

namespace deepvis::app {

// Whether a blob can be drawn as a grid of tiles: N, C, H, W or N, C (one tile per unit).
bool drawable_layer(const Dims& dims);

// The blob name of the default layer; empty when no layer can be drawn.
std::string default_layer(const Net& net, const std::optional<ModelCard>& card);

}  // namespace deepvis::app
