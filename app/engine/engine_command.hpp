#pragma once
// Requests from the UI to the engine thread. They go through a queue and take effect before the next frame is
// computed; each one is small and idempotent, so the order the UI sent them in is all that matters.
#include "app/engine/engine_settings.hpp"

#include <optional>
#include <string>
#include <variant>

namespace deepvis::app {

struct LoadModel {  // imports on the engine thread; the layer and unit go to the model's defaults
  std::string path;
};
struct SelectLayer {  // blob or node name; an unknown name is reported and the selection kept
  std::string name;
};
struct SelectUnit {  // clamped to the layer's channels
  int unit = 0;
};
struct SetBackward {
  BackwardView view = BackwardView::Off;
};
struct SetBackwardDisplay {
  BackwardDisplay display = BackwardDisplay::Raw;
};
struct SetGridNorm {
  GridNorm norm = GridNorm::PerLayer;
  float fixed_lo = 0.0f;  // GridNorm::Fixed only
  float fixed_hi = 1.0f;
};
struct SetColormap {
  Colormap colormap = Colormap::Gray;
};
struct SetFrozen {
  bool frozen = false;
};
// How frames are fitted to the network's input: centre crop, stretch or the face; nullopt: the model's own (its
// card's, else the centre crop).
struct SetCrop {
  std::optional<CropMode> crop;
};
// Whether the grid may be left to the UI's GPU path: on a net computing on CUDA, snapshots then carry the selected
// layer as a device copy (EngineSnapshot::device_layer) instead of a host atlas. The UI turns it on when its GL
// context can share memory with CUDA, and off again when that path fails.
struct UseDeviceGrid {
  bool on = false;
};

using EngineCommand = std::variant<LoadModel, SelectLayer, SelectUnit, SetBackward, SetBackwardDisplay, SetGridNorm,
                                   SetColormap, SetFrozen, SetCrop, UseDeviceGrid>;

}  // namespace deepvis::app
