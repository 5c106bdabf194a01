#include "app/panels/panels.hpp"

#include "app/library_report.hpp"

#include <imgui.h>

namespace deepvis::app {

void draw_about_window(const Snapshot& /*snapshot*/, AppState& state, Commands& /*commands*/) {
  if (!state.show_about) return;
  if (ImGui::Begin("About deepvis", &state.show_about, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::Text("deepvis %s: real-time deep visualization for convnets", DEEPVIS_VERSION);
    ImGui::Separator();
    for (const auto& [library, version] : library_report()) {
      ImGui::Text("%-10s %s", library.c_str(), version.c_str());
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
