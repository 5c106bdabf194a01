#pragma once
// What every implementation of the optimizer's loop derives the same way from (Net, params): the target blob and
// position, and the start points. The host loop (ascent.hpp) and the device loop (compute/vis/cuda/device_ascent.hpp)
// both use these, so the same parameters and seed start both from the same pixels.
#include "compute/core/net.hpp"
#include "compute/vis/ascent_params.hpp"
#include "compute/vis/receptive_field.hpp"

#include <cstdint>

namespace deepvis::vis {

struct PixelSpace;

struct AscentTarget {
  int blob = -1;
  int64_t channels = 0, height = 0, width = 0;  // of the network input
  int64_t pos_y = 0, pos_x = 0;                 // the unit's position (conv layers)
  bool spatial = false;                         // the layer has more than one position
};

// Checks the layer, units and position against the net (whose batch must already be the number of units), and
// the input for an image. Throws deepvis::Error naming what is wrong.
AscentTarget resolve_ascent_target(const Net& net, const AscentParams& params);

// The part of the input the target unit sees (its receptive field at the unit's position, default the centre,
// clipped to the image), as the original shows a conv unit's optimized image; nullopt for units that see the whole
// image (fully connected ones) or whose field is unknown.
std::optional<ImageCrop> ascent_unit_crop(const Net& net, const AscentParams& params);

// (K, C, H, W) pixel-space start points, K = params.push_units.size(): every element starts from the same draw of
// params.seed, except with the diversity objective and a random start, where every element after the first draws
// its own (identical elements cannot separate). `start_image` (1, C, H, W, network space) for StartAt::Image.
Tensor ascent_start_points(const AscentParams& params, const PixelSpace& space, const AscentTarget& target,
                           const Tensor* start_image);

}  // namespace deepvis::vis
