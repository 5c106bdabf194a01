#include "app/panels/panels.hpp"
#include "app/ui/key_bindings.hpp"

#include <imgui.h>

namespace deepvis::app {

// Generated from the key table, so it lists exactly the bindings that work.
void draw_help_overlay(const Snapshot& /*snapshot*/, AppState& state, Commands& /*commands*/) {
  if (!state.show_help) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(display.x * 0.5f, display.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.92f);
  if (ImGui::Begin("Keys (h to close)", &state.show_help,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings)) {
    if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg)) {
      for (const KeyBinding& binding : key_bindings()) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(key_names(binding).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(binding.description);
      }
      ImGui::EndTable();
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
