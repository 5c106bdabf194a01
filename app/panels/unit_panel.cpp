#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace deepvis::app {

namespace {

struct MapStats {
  float lo = 0.0f;
  float hi = 0.0f;
  double mean = 0.0;
};

MapStats unit_stats(const EngineSnapshot& e) {
  const int64_t plane = static_cast<int64_t>(e.layout.map_height) * e.layout.map_width;
  const int64_t base = static_cast<int64_t>(e.settings.unit) * plane;
  MapStats s;
  if (plane <= 0 || base + plane > e.activations.numel()) return s;
  s.lo = s.hi = e.activations.at(base);
  double sum = 0.0;
  for (int64_t i = base; i < base + plane; ++i) {
    const float v = e.activations.at(i);
    s.lo = std::min(s.lo, v);
    s.hi = std::max(s.hi, v);
    sum += v;
  }
  s.mean = sum / static_cast<double>(plane);
  return s;
}

}  // namespace

void draw_unit_panel(const Snapshot& snapshot, AppState& state, Commands& /*commands*/) {
  const EngineSnapshot& e = *snapshot.engine;
  if (!state.show_unit || !state.model_layout) return;
  place_next_panel(PanelSlot::Unit, state);
  if (ImGui::Begin("Selected unit", &state.show_unit)) {
    if (!e.has_results() || snapshot.unit_texture == 0) {
      ImGui::TextUnformatted("No unit yet.");
    } else {
      const MapStats stats = unit_stats(e);
      ImGui::Text("%s/%s:%d", e.model->stem.c_str(), e.settings.layer.c_str(), e.settings.unit);
      ImGui::Text("min %.4g  max %.4g  mean %.4g", static_cast<double>(stats.lo), static_cast<double>(stats.hi),
                  stats.mean);
      ImGui::Checkbox("over the input", &state.overlay_unit);
      if (state.overlay_unit) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(100);
        ImGui::SliderFloat("alpha", &state.overlay_alpha, 0.0f, 1.0f, "%.2f");
      }
      const ImVec2 avail = ImGui::GetContentRegionAvail();
      if (state.overlay_unit && snapshot.network_input_texture != 0) {
        // The unit's map stretched over what the network saw: where in the image the unit responds.
        const auto w = static_cast<float>(e.network_input_rgb.cols);
        const auto h = static_cast<float>(e.network_input_rgb.rows);
        const float scale = fit_scale(w, h, avail);
        const ImVec2 size(w * scale, h * scale);
        ImGui::Image(texture_id(snapshot.network_input_texture), size);
        const ImVec2 a = ImGui::GetItemRectMin();
        const ImVec2 b(a.x + size.x, a.y + size.y);
        const auto alpha = static_cast<ImU32>(std::lround(std::clamp(state.overlay_alpha, 0.0f, 1.0f) * 255.0f));
        const TextureRegion& r = snapshot.unit_region;
        ImGui::GetWindowDrawList()->AddImage(texture_id(snapshot.unit_texture), a, b, ImVec2(r.u0, r.v0),
                                             ImVec2(r.u1, r.v1), IM_COL32(255, 255, 255, alpha));
      } else {
        const cv::Rect tile = e.layout.tile(e.settings.unit);
        const auto w = static_cast<float>(tile.width);
        const auto h = static_cast<float>(tile.height);
        const float scale = fit_scale(w, h, avail);
        const TextureRegion& r = snapshot.unit_region;
        ImGui::Image(texture_id(snapshot.unit_texture), ImVec2(w * scale, h * scale), ImVec2(r.u0, r.v0),
                     ImVec2(r.u1, r.v1));
      }
    }
  }
  report_panel_rect(state.panel_rects, RecordTarget::Unit);  // what R records when this panel is chosen
  ImGui::End();
}

}  // namespace deepvis::app
