// The layer gallery: every unit of a layer optimized as one batched job, with a progress bar and ETA, the units'
// images filling a grid as their batches finish (hover for the id, click to select the unit), and the HTML export.
#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <cstdio>

namespace deepvis::app {

namespace {

const char* state_name(GalleryState s) {
  switch (s) {
    case GalleryState::Idle: return "idle";
    case GalleryState::Loading: return "loading the model";
    case GalleryState::Running: return "running";
    case GalleryState::Done: return "done";
    case GalleryState::Cancelled: return "cancelled";
    case GalleryState::Failed: return "failed";
  }
  return "";
}

void draw_progress(const LayerGalleryStatus& g, Commands& commands) {
  const GalleryProgress& p = g.progress;
  const bool running = g.state == GalleryState::Loading || g.state == GalleryState::Running;
  const float fraction =
      p.units_total > 0 ? static_cast<float>(p.units_done) / static_cast<float>(p.units_total) : 0.0f;
  char text[128];
  std::snprintf(text, sizeof text, "%d / %d units, batch %d/%d, it %d/%d, ETA %.0f s", p.units_done, p.units_total,
                p.batch + 1, p.batches, p.iteration, p.max_iter, p.eta_s);
  ImGui::ProgressBar(fraction, ImVec2(-1, 0), running ? text : state_name(g.state));
  if (running && ImGui::Button("Cancel")) commands.cancel_layer_gallery = true;
  if (g.state == GalleryState::Failed) ImGui::TextWrapped("%s", g.error.c_str());
}

}  // namespace

void draw_layer_gallery_panel(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!state.show_gallery) return;
  const LayerGalleryStatus& g = snapshot.gallery;
  ImGui::SetNextWindowSize(ImVec2(520, 520), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Layer gallery", &state.show_gallery)) {
    ImGui::Text("%s/%s  (%s)", g.model_stem.c_str(), g.layer.c_str(), state_name(g.state));
    draw_progress(g, commands);
    ImGui::SetNextItemWidth(60);
    ImGui::InputInt("batch", &state.gallery_batch, 0);
    ImGui::SameLine();
    if (ImGui::Button("Run on the selected layer")) commands.start_layer_gallery = true;
    char dir[512];
    std::snprintf(dir, sizeof dir, "%s", state.gallery_dir.c_str());
    ImGui::SetNextItemWidth(220);
    if (ImGui::InputText("##dir", dir, sizeof dir)) state.gallery_dir = dir;
    ImGui::SameLine();
    const bool has_units = g.gallery && !g.gallery->units.empty();
    if (ImGui::Button("Export HTML") && has_units) commands.export_gallery = state.gallery_dir;

    if (has_units && g.atlas && snapshot.gallery_texture != 0) {
      const GalleryAtlas& atlas = *g.atlas;
      const auto w = static_cast<float>(atlas.rgb.cols);
      const auto h = static_cast<float>(atlas.rgb.rows);
      const float scale = fit_scale(w, h, ImGui::GetContentRegionAvail());
      ImGui::Image(texture_id(snapshot.gallery_texture), ImVec2(w * scale, h * scale));
      if (ImGui::IsItemHovered()) {
        // Which cell is under the mouse: its unit's id, and a click selects it.
        const ImVec2 origin = ImGui::GetItemRectMin();
        const ImVec2 mouse = ImGui::GetIO().MousePos;
        const float cell = static_cast<float>(atlas.tile + atlas.gap) * scale;
        const int col = static_cast<int>((mouse.x - origin.x) / cell);
        const int row = static_cast<int>((mouse.y - origin.y) / cell);
        const int index = row * atlas.cols + col;
        if (col >= 0 && col < atlas.cols && index >= 0 && index < static_cast<int>(g.gallery->units.size())) {
          const GalleryUnit& u = g.gallery->units[static_cast<size_t>(index)];
          ImGui::SetTooltip("%s\nbest %.4g at %d, %s", u.id.c_str(), u.best_obj, u.best_ii, u.meta_result.c_str());
          if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && snapshot.engine->settings.layer == g.gallery->layer) {
            commands.select_unit = static_cast<int>(u.unit);
          }
        }
      }
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
