#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <cmath>
#include <string>

namespace deepvis::app {

namespace {

constexpr ImU32 kHighlight = IM_COL32(255, 0, 255, 255);  // magenta: absent from every colormap and the theme

float unit_value(const EngineSnapshot& e, const GridHit& hit) {
  const int64_t index = (static_cast<int64_t>(hit.channel) * e.layout.map_height + hit.y) * e.layout.map_width + hit.x;
  return index < e.activations.numel() ? e.activations.at(index) : 0.0f;
}

void draw_grid_controls(const EngineSnapshot& e, AppState& state, Commands& commands) {
  ImGui::TextUnformatted("range");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  if (ImGui::BeginCombo("##range", grid_norm_name(state.grid_norm))) {
    for (GridNorm norm : {GridNorm::PerLayer, GridNorm::PerTile, GridNorm::Fixed}) {
      if (ImGui::Selectable(grid_norm_name(norm), norm == state.grid_norm)) commands.grid_norm = norm;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("colors");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  if (ImGui::BeginCombo("##colors", colormap_name(state.colormap))) {
    for (Colormap map : {Colormap::Gray, Colormap::Viridis, Colormap::Jet}) {
      if (ImGui::Selectable(colormap_name(map), map == state.colormap)) commands.colormap = map;
    }
    ImGui::EndCombo();
  }
  if (state.grid_norm == GridNorm::Fixed) {
    ImGui::SetNextItemWidth(160);
    float range[2] = {state.fixed_lo, state.fixed_hi};
    if (ImGui::InputFloat2("lo, hi", range) && range[0] < range[1]) {
      state.fixed_lo = range[0];
      state.fixed_hi = range[1];
      commands.grid_norm = GridNorm::Fixed;
    }
  }
  if (!e.ranges.empty() && e.settings.grid.norm != GridNorm::PerTile) {
    ImGui::SameLine();
    ImGui::TextDisabled("%.3g .. %.3g", static_cast<double>(e.ranges.front().lo),
                        static_cast<double>(e.ranges.front().hi));
  }
}

// z: the selected unit's tile alone, as large as the panel allows.
void draw_zoomed_unit(const Snapshot& snapshot) {
  const EngineSnapshot& e = *snapshot.engine;
  const cv::Rect tile = e.layout.tile(e.settings.unit);
  ImGui::Text("unit %d, zoomed (z: whole layer)", e.settings.unit);
  const auto w = static_cast<float>(tile.width);
  const auto h = static_cast<float>(tile.height);
  const float scale = fit_scale(w, h, ImGui::GetContentRegionAvail());
  const TextureRegion& r = snapshot.unit_region;
  ImGui::Image(texture_id(snapshot.unit_texture), ImVec2(w * scale, h * scale), ImVec2(r.u0, r.v0), ImVec2(r.u1, r.v1));
}

}  // namespace

void draw_activation_grid(const Snapshot& snapshot, AppState& state, Commands& commands) {
  const EngineSnapshot& e = *snapshot.engine;
  if (!state.show_grid || !state.model_layout) return;
  place_next_panel(PanelSlot::Grid, state);
  if (ImGui::Begin("Activations", &state.show_grid)) {
    if (!e.has_results() || snapshot.grid_texture == 0) {
      ImGui::TextUnformatted(e.model ? "Waiting for a frame..." : "No model loaded.");
    } else {
      const GridLayout& layout = e.layout;
      ImGui::Text("%s  %s  unit %d", e.settings.layer.c_str(), to_string(e.activations.dims()).c_str(),
                  e.settings.unit);
      draw_grid_controls(e, state, commands);
      if (state.zoom) {
        draw_zoomed_unit(snapshot);
      } else {
        const auto w = static_cast<float>(layout.width);
        const auto h = static_cast<float>(layout.height);
        const float scale = fit_scale(w, h, ImGui::GetContentRegionAvail());
        const TextureRegion& r = snapshot.grid_region;
        ImGui::Image(texture_id(snapshot.grid_texture), ImVec2(w * scale, h * scale), ImVec2(r.u0, r.v0),
                     ImVec2(r.u1, r.v1));
        const ImVec2 origin = ImGui::GetItemRectMin();
        const bool hovered = ImGui::IsItemHovered();
        const bool clicked = ImGui::IsItemClicked();

        const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
        state.grid_rect = {true, origin.x * fb.x, origin.y * fb.y, w * scale * fb.x, h * scale * fb.y, scale * fb.x};

        // The selected tile, framed just outside its pixels so the tile itself stays untouched.
        const cv::Rect tile = layout.tile(e.settings.unit);
        const ImVec2 a(origin.x + static_cast<float>(tile.x) * scale - 2.0f,
                       origin.y + static_cast<float>(tile.y) * scale - 2.0f);
        const ImVec2 b(origin.x + static_cast<float>(tile.x + tile.width) * scale + 2.0f,
                       origin.y + static_cast<float>(tile.y + tile.height) * scale + 2.0f);
        ImGui::GetWindowDrawList()->AddRect(a, b, kHighlight, 0.0f, 0, 2.0f);

        if (hovered) {
          const ImVec2 mouse = ImGui::GetIO().MousePos;
          const auto ax = static_cast<int>(std::floor((mouse.x - origin.x) / scale));
          const auto ay = static_cast<int>(std::floor((mouse.y - origin.y) / scale));
          if (const std::optional<GridHit> hit = layout.unit_at(ax, ay)) {
            const std::string model = e.model ? e.model->stem : std::string();
            if (layout.map_height == 1 && layout.map_width == 1) {
              ImGui::SetTooltip("%s/%s:%d\nvalue %.5g", model.c_str(), e.settings.layer.c_str(), hit->channel,
                                static_cast<double>(unit_value(e, *hit)));
            } else {
              ImGui::SetTooltip("%s/%s:%d\n(y %d, x %d) = %.5g", model.c_str(), e.settings.layer.c_str(), hit->channel,
                                hit->y, hit->x, static_cast<double>(unit_value(e, *hit)));
            }
            if (clicked) commands.select_unit = hit->channel;
          }
        }
      }
    }
  }
  report_panel_rect(state.panel_rects, RecordTarget::Grid);  // what R records when this panel is chosen
  ImGui::End();
}

}  // namespace deepvis::app
