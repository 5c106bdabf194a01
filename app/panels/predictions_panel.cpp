#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <string>

namespace deepvis::app {

void draw_predictions(const Snapshot& snapshot, AppState& state, Commands& /*commands*/) {
  const EngineSnapshot& e = *snapshot.engine;
  if (!state.show_predictions || !state.model_layout) return;
  place_next_panel(PanelSlot::Predictions, state);
  if (ImGui::Begin("Top-5", &state.show_predictions)) {
    if (e.top5.empty()) {
      ImGui::TextUnformatted("No predictions yet.");
    } else {
      for (const Prediction& p : e.top5) {
        const std::string label = p.label.empty() ? "#" + std::to_string(p.index) : p.label;
        char overlay[96];
        std::snprintf(overlay, sizeof overlay, "%.1f%%", 100.0 * static_cast<double>(p.probability));
        ImGui::ProgressBar(p.probability, ImVec2(90, 0), overlay);
        ImGui::SameLine();
        ImGui::TextUnformatted(label.c_str());
        if (ImGui::IsItemHovered()) {
          ImGui::SetTooltip("class %lld, value %.5g", static_cast<long long>(p.index), static_cast<double>(p.value));
        }
      }
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
