#include "app/capture/camera_size.hpp"
#include "app/panels/panels.hpp"
#include "compute/core/error.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <string>

namespace deepvis::app {

namespace {

// Common webcam modes; the camera grants the nearest it supports (the status bar says which).
constexpr const char* kSizes[] = {"640x480", "1280x720", "1920x1080"};

}  // namespace

// File > Open camera...: which webcam (OpenCV's device index) and the resolution to ask of it.
void draw_camera_dialog(const Snapshot& /*snapshot*/, AppState& state, Commands& commands) {
  CameraDialog& d = state.camera_dialog;
  if (state.open_camera_dialog) {
    ImGui::OpenPopup("Open camera");
    state.open_camera_dialog = false;
    // A draft of the last camera: Cancel leaves that one as it was.
    d = CameraDialog{state.camera_index, state.camera_size, ""};
  }
  if (!ImGui::BeginPopupModal("Open camera", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::SetNextItemWidth(120);
  if (ImGui::InputInt("device index", &d.index)) d.index = std::clamp(d.index, 0, 63);
  ImGui::SetNextItemWidth(120);
  ImGui::InputTextWithHint("resolution", "default", &d.size);
  ImGui::SameLine();
  if (ImGui::BeginCombo("##sizes", "", ImGuiComboFlags_NoPreview)) {
    if (ImGui::Selectable("camera's default")) d.size.clear();
    for (const char* size : kSizes) {
      if (ImGui::Selectable(size, d.size == size)) d.size = size;
    }
    ImGui::EndCombo();
  }
  if (!d.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.55f, 0.45f, 1.0f), "%s", d.error.c_str());
  if (ImGui::Button("Open")) {
    try {
      const cv::Size size = parse_camera_size(d.size);
      commands.open_camera = OpenCamera{d.index, size.width, size.height};  // apply_commands keeps it
      ImGui::CloseCurrentPopup();
    } catch (const Error& e) {
      d.error = e.what();  // a resolution that is not WxH: say so and keep the dialog open
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace deepvis::app
