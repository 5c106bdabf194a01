#include "app/panels/record_menu.hpp"

#include <imgui.h>

namespace deepvis::app {

void draw_record_menu(const Snapshot& snapshot, const AppState& state, Commands& commands) {
  if (!ImGui::BeginMenu("Record")) return;
  ImGui::TextDisabled("R records:");
  for (RecordTarget target : kRecordTargets) {
    if (ImGui::MenuItem(record_target_name(target), nullptr, state.record_target == target)) {
      commands.record_target = target;
    }
  }
  ImGui::Separator();
  if (ImGui::MenuItem(snapshot.recording.active ? "Stop recording" : "Start recording", "R")) {
    commands.toggle_recording = true;
  }
  if (ImGui::MenuItem("Screenshot", "Ctrl+S")) commands.screenshot = true;
  ImGui::EndMenu();
}

}  // namespace deepvis::app
