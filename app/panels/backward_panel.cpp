#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

namespace deepvis::app {

void draw_backward_panel(const Snapshot& snapshot, AppState& state, Commands& commands) {
  const EngineSnapshot& e = *snapshot.engine;
  if (!state.show_backward || !state.model_layout) return;
  place_next_panel(PanelSlot::Backward, state);
  if (ImGui::Begin("Backward", &state.show_backward)) {
    ImGui::TextUnformatted("mode");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    if (ImGui::BeginCombo("##mode", backward_view_name(state.backward))) {
      for (BackwardView v : {BackwardView::Off, BackwardView::Gradient, BackwardView::Deconv, BackwardView::Guided}) {
        if (ImGui::Selectable(backward_view_name(v), state.backward == v)) commands.backward = v;
      }
      ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextUnformatted("show");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    if (ImGui::BeginCombo("##display", backward_display_name(state.backward_display))) {
      for (BackwardDisplay d : {BackwardDisplay::Raw, BackwardDisplay::Norm, BackwardDisplay::NormBlur}) {
        if (ImGui::Selectable(backward_display_name(d), state.backward_display == d)) commands.backward_display = d;
      }
      ImGui::EndCombo();
    }
    if (e.settings.backward == BackwardView::Off) {
      ImGui::TextDisabled("off (b cycles the modes)");
    } else if (snapshot.backward_texture == 0) {
      ImGui::TextUnformatted("Waiting for a frame...");
    } else {
      ImGui::Text("%s of unit %d, %s", backward_view_name(e.settings.backward), e.settings.unit,
                  backward_display_name(e.settings.display));
      const auto w = static_cast<float>(e.backward_bgr.cols);
      const auto h = static_cast<float>(e.backward_bgr.rows);
      const float scale = fit_scale(w, h, ImGui::GetContentRegionAvail());
      ImGui::Image(texture_id(snapshot.backward_texture), ImVec2(w * scale, h * scale));
    }
  }
  report_panel_rect(state.panel_rects, RecordTarget::Backward);  // what R records when this panel is chosen
  ImGui::End();
}

}  // namespace deepvis::app
