#include "app/panels/panels.hpp"

#include <imgui.h>

namespace deepvis::app {

void draw_menu_bar(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open image...", "Ctrl+O")) state.open_dialog = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) commands.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    ImGui::MenuItem("Input", nullptr, &state.show_input);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    ImGui::MenuItem("About deepvis", nullptr, &state.show_about);
    ImGui::EndMenu();
  }
  if (!state.status_message.empty()) {
    ImGui::Separator();
    ImGui::TextUnformatted(state.status_message.c_str());
  }
  // FPS readout, right-aligned.
  char fps[64];
  std::snprintf(fps, sizeof fps, "%.1f fps  %.2f ms", static_cast<double>(snapshot.fps),
                snapshot.fps > 0.0f ? 1000.0 / static_cast<double>(snapshot.fps) : 0.0);
  const float width = ImGui::CalcTextSize(fps).x + ImGui::GetStyle().ItemSpacing.x * 2.0f;
  ImGui::SameLine(ImGui::GetWindowWidth() - width);
  ImGui::TextUnformatted(fps);
  ImGui::EndMainMenuBar();
}

}  // namespace deepvis::app
