#include "app/panels/panels.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdint>

namespace deepvis::app {

void draw_input_panel(const Snapshot& snapshot, AppState& state, Commands& /*commands*/) {
  if (!state.show_input) return;
  ImGui::SetNextWindowPos(ImVec2(16, 40), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(560, 520), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Input", &state.show_input)) {
    if (snapshot.input_texture == 0) {
      ImGui::TextUnformatted("No image. Use File > Open image, or drop a file on the window.");
    } else {
      ImGui::Text("%s  %dx%d", snapshot.input_name.c_str(), snapshot.input_width, snapshot.input_height);
      // Show 1:1 when it fits, else scale down to fit, keeping the aspect ratio.
      const ImVec2 avail = ImGui::GetContentRegionAvail();
      const float w = static_cast<float>(snapshot.input_width);
      const float h = static_cast<float>(snapshot.input_height);
      const float scale = std::max(0.01f, std::min({1.0f, avail.x / w, avail.y / h}));
      const auto texture = reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(snapshot.input_texture));
      ImGui::Image(texture, ImVec2(w * scale, h * scale));
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
