#include "app/panels/panels.hpp"
#include "app/panels/record_menu.hpp"

#include <imgui.h>

#include <cstdio>

namespace deepvis::app {

void draw_menu_bar(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open image, folder or video...", "Ctrl+O")) state.open_dialog = true;
    if (ImGui::MenuItem("Open model...", "Ctrl+M")) state.open_model_dialog = true;
    if (ImGui::MenuItem("Open camera...")) state.open_camera_dialog = true;
    if (ImGui::MenuItem("Camera / files", "C")) commands.switch_source = true;
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) commands.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    ImGui::MenuItem("Input", nullptr, &state.show_input);
    if (state.model_layout) {
      ImGui::MenuItem("Layers", nullptr, &state.show_layers);
      ImGui::MenuItem("Activations", nullptr, &state.show_grid);
      ImGui::MenuItem("Selected unit", nullptr, &state.show_unit);
      ImGui::MenuItem("Backward", nullptr, &state.show_backward);
      ImGui::MenuItem("Top-5", nullptr, &state.show_predictions);
      ImGui::MenuItem("Optimization (what the unit wants)", nullptr, &state.show_optimization);
      ImGui::MenuItem("Unit: optimized image (cached)", nullptr, &state.show_unit_optimized);
      ImGui::MenuItem("Layer gallery", nullptr, &state.show_gallery);
      if (ImGui::MenuItem("Optimize every unit of this layer")) commands.start_layer_gallery = true;
    }
    ImGui::MenuItem("Status bar", nullptr, &state.show_status);
    if (ImGui::MenuItem("Freeze input", "F", state.frozen)) commands.toggle_freeze = true;
    ImGui::EndMenu();
  }
  draw_record_menu(snapshot, state, commands);
  if (ImGui::BeginMenu("Help")) {
    ImGui::MenuItem("Keys", "H", &state.show_help);
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
