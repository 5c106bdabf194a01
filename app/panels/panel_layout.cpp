#include "app/panels/panel_layout.hpp"

#include <algorithm>
#include <cmath>

namespace deepvis::app {

float status_bar_height() {
  return ImGui::GetFrameHeight() + 8.0f;
}

void place_next_panel(PanelSlot slot, const AppState& state) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ImGui::GetFrameHeight();  // below the menu bar
  const float bottom = display.y - status_bar_height();
  ImVec2 pos;
  ImVec2 size;
  if (!state.model_layout) {
    pos = ImVec2(16, 40);
    size = ImVec2(560, 520);
  } else {
    const float left_w = 220.0f;
    const float mid_w = 300.0f;
    const float right_x = left_w + mid_w;
    const float right_w = std::max(200.0f, display.x - right_x);
    const float grid_h = std::max(200.0f, (bottom - top) * 0.66f);
    const float input_h = std::max(160.0f, (bottom - top) * 0.45f);
    switch (slot) {
      case PanelSlot::Layers:
        pos = ImVec2(0, top);
        size = ImVec2(left_w, bottom - top);
        break;
      case PanelSlot::Input:
        pos = ImVec2(left_w, top);
        size = ImVec2(mid_w, input_h);
        break;
      case PanelSlot::Unit:
        pos = ImVec2(left_w, top + input_h);
        size = ImVec2(mid_w, bottom - top - input_h);
        break;
      case PanelSlot::Grid:
        pos = ImVec2(right_x, top);
        size = ImVec2(right_w, grid_h);
        break;
      case PanelSlot::Backward:
        pos = ImVec2(right_x, top + grid_h);
        size = ImVec2(right_w / 2, bottom - top - grid_h);
        break;
      case PanelSlot::Predictions:
        pos = ImVec2(right_x + right_w / 2, top + grid_h);
        size = ImVec2(right_w / 2, bottom - top - grid_h);
        break;
    }
  }
  const ImGuiCond when = state.relayout ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
  ImGui::SetNextWindowPos(pos, when);
  ImGui::SetNextWindowSize(size, when);
}

float fit_scale(float width, float height, ImVec2 avail) {
  if (width <= 0.0f || height <= 0.0f) return 1.0f;
  const float fit = std::min(avail.x / width, avail.y / height);
  if (fit >= 1.0f) return std::floor(fit);
  return std::max(0.01f, fit);
}

}  // namespace deepvis::app
