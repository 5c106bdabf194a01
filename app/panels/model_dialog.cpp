#include "app/panels/panels.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

namespace deepvis::app {

// A path field, like the Open dialog; dropping an .onnx file on the window works too.
void draw_model_dialog(const Snapshot& /*snapshot*/, AppState& state, Commands& commands) {
  if (state.open_model_dialog) {
    ImGui::OpenPopup("Open model");
    state.open_model_dialog = false;
  }
  if (!ImGui::BeginPopupModal("Open model", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted("Path of an ONNX model (its card <model>.deepvis.json is read too):");
  ImGui::SetNextItemWidth(480);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool entered = ImGui::InputText("##model", &state.open_model_path, ImGuiInputTextFlags_EnterReturnsTrue);
  if ((ImGui::Button("Open") || entered) && !state.open_model_path.empty()) {
    commands.open_model = state.open_model_path;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace deepvis::app
