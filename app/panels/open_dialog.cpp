#include "app/panels/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace deepvis::app {

// ImGui has no native file dialog; a path field keeps the dependency list short. Drag-and-drop also works.
void draw_open_dialog(const Snapshot& /*snapshot*/, AppState& state, Commands& commands) {
  if (state.open_dialog) {
    ImGui::OpenPopup("Open");
    state.open_dialog = false;
  }
  if (!ImGui::BeginPopupModal("Open", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted("Path of an image, a folder of images, or a video file:");
  ImGui::SetNextItemWidth(480);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool entered = ImGui::InputText("##path", &state.open_path, ImGuiInputTextFlags_EnterReturnsTrue);
  if ((ImGui::Button("Open") || entered) && !state.open_path.empty()) {
    commands.open_image = state.open_path;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace deepvis::app
