#pragma once
// What the engine computes for each frame: the selected layer and unit, the backward view, the grid's
// normalization and colormap, and whether the input is frozen. The UI changes it only through EngineCommands.
#include "compute/image/preprocess.hpp"
#include "compute/vis/activation_grid.hpp"
#include "compute/vis/colormap.hpp"

#include <optional>
#include <string>

namespace deepvis::app {

// The backward view of the selected unit (spec §2); Off skips the backward pass.
enum class BackwardView { Off, Gradient, Deconv, Guided };
// How the input-space signal is shown: signed around gray, per-pixel L2 norm over channels, or that norm blurred.
enum class BackwardDisplay { Raw, Norm, NormBlur };

// "off", "gradient", "deconv", "guided"; parse throws deepvis::Error naming the value.
const char* backward_view_name(BackwardView view);
BackwardView parse_backward_view(const std::string& name);
// "raw", "norm", "norm-blur"; parse throws deepvis::Error naming the value.
const char* backward_display_name(BackwardDisplay display);
BackwardDisplay parse_backward_display(const std::string& name);
// The order `b` cycles through: off, gradient, deconv, guided, off, ...
BackwardView next_backward_view(BackwardView view);

struct EngineSettings {
  std::string layer;  // blob name; "" until a model is loaded (then the model's default layer)
  int unit = 0;       // channel of `layer`
  BackwardView backward = BackwardView::Off;
  BackwardDisplay display = BackwardDisplay::Raw;
  GridOptions grid;  // normalization and its fixed range
  Colormap colormap = Colormap::Gray;
  bool frozen = false;  // keep working on the current frame, ignore new ones
  bool lrn_passthrough = false;
  std::optional<CropMode> crop;  // how frames are fitted to the input, chosen in the window; nullopt: the model's
};

}  // namespace deepvis::app
