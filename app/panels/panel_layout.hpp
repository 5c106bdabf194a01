#pragma once
// Where panels start (ImGuiCond_FirstUseEver: the user's own arrangement, kept in imgui.ini, wins afterwards).
// With a model: layers on the left, input and selected unit beside them, the grid top right, backward view and
// top-5 below it. Without one: the input alone, large.
#include "app/ui/ui_commands.hpp"
#include "app/ui/ui_snapshot.hpp"
#include "app/ui/ui_state.hpp"

#include <imgui.h>

#include <cstdint>

namespace deepvis::app {

enum class PanelSlot { Layers, Input, Grid, Unit, Backward, Predictions };

// Call before ImGui::Begin of a panel. With state.relayout the default is applied even to a panel already shown.
void place_next_panel(PanelSlot slot, const AppState& state);

// Height of the status bar along the bottom edge.
float status_bar_height();

// The largest size of an image of `width` x `height` that fits `avail`: a whole multiple when it is at least 1:1
// (so enlarged pixels stay equal squares), else scaled down keeping the aspect ratio. Returns the scale.
float fit_scale(float width, float height, ImVec2 avail);

// An ImGui texture id from a GL texture name.
inline ImTextureID texture_id(unsigned texture) {
  return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(texture));
}

}  // namespace deepvis::app
