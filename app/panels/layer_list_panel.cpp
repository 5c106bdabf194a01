#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <string>

namespace deepvis::app {

void draw_layer_list(const Snapshot& snapshot, AppState& state, Commands& commands) {
  const EngineSnapshot& engine = *snapshot.engine;
  if (!state.show_layers || !state.model_layout) return;
  place_next_panel(PanelSlot::Layers, state);
  if (ImGui::Begin("Layers", &state.show_layers)) {
    if (!engine.model) {
      if (state.model_path.empty()) {
        ImGui::TextWrapped("No model. File > Open model...");
      } else if (engine.error_count > 0 && engine.commands_applied > 0) {
        ImGui::TextWrapped("No model: %s", engine.error.c_str());
      } else {
        ImGui::TextWrapped("Loading %s ...", state.model_path.c_str());
      }
    } else {
      ImGui::TextWrapped("%s", engine.model->name.c_str());
      ImGui::TextDisabled("u / o: previous / next");
      ImGui::Separator();
      for (const LayerInfo& layer : engine.model->layers) {
        const bool selected = layer.name == state.layer;
        const std::string label = layer.name + "  " + layer.op + " " + to_string(layer.dims);
        if (ImGui::Selectable(label.c_str(), selected)) commands.select_layer = layer.name;
        if (selected && ImGui::IsWindowAppearing()) ImGui::SetScrollHereY();
      }
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
