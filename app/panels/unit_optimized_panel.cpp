// The per-unit pane, like the original toolbox's: what the selected unit "wants" (its optimized image), computed
// in the background and cached on disk, with a progress bar while it computes, and the button that optimizes
// every unit of the layer into the gallery.
#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <cstdio>

namespace deepvis::app {

namespace {

void draw_status(const Snapshot& snapshot) {
  const UnitImageStatus& s = snapshot.unit_image;
  switch (s.state) {
    case UnitImageState::Idle: ImGui::TextUnformatted("Not computed."); break;
    case UnitImageState::Loading: ImGui::TextUnformatted("Loading the model..."); break;
    case UnitImageState::Computing: {
      char text[64];
      std::snprintf(text, sizeof text, "%d / %d", s.iteration, s.total);
      ImGui::ProgressBar(s.total > 0 ? static_cast<float>(s.iteration) / static_cast<float>(s.total) : 0.0f,
                         ImVec2(-1, 0), text);
      break;
    }
    case UnitImageState::Ready: break;
    case UnitImageState::Failed: ImGui::TextWrapped("Failed: %s", s.error.c_str()); break;
  }
  if (!s.note.empty()) ImGui::TextWrapped("%s", s.note.c_str());
}

// The image, cropped to the unit's receptive field unless the full canvas is asked for (the original shows a
// conv unit's image cropped); the crop is a texture region, so toggling re-uploads nothing.
void draw_unit_image(const UnitImage& image, unsigned texture, AppState& state) {
  const auto cols = static_cast<float>(image.pixels_rgb.cols), rows = static_cast<float>(image.pixels_rgb.rows);
  ImVec2 uv0(0, 0), uv1(1, 1);
  float w = cols, h = rows;
  if (image.crop) {
    ImGui::Checkbox("full canvas", &state.unit_image_full_canvas);
    ImGui::SameLine();
    const vis::ImageCrop& c = *image.crop;
    ImGui::TextDisabled("field: rows %lld-%lld, cols %lld-%lld", static_cast<long long>(c.y0),
                        static_cast<long long>(c.y0 + c.height - 1), static_cast<long long>(c.x0),
                        static_cast<long long>(c.x0 + c.width - 1));
    if (!state.unit_image_full_canvas) {
      uv0 = ImVec2(static_cast<float>(c.x0) / cols, static_cast<float>(c.y0) / rows);
      uv1 = ImVec2(static_cast<float>(c.x0 + c.width) / cols, static_cast<float>(c.y0 + c.height) / rows);
      w = static_cast<float>(c.width);
      h = static_cast<float>(c.height);
    }
  }
  const ImVec2 avail(ImGui::GetContentRegionAvail().x,
                     ImGui::GetContentRegionAvail().y - ImGui::GetFrameHeight() * 1.5f);
  const float scale = fit_scale(w, h, avail);
  ImGui::Image(texture_id(texture), ImVec2(w * scale, h * scale), uv0, uv1);
}

}  // namespace

void draw_unit_optimized_panel(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!state.show_unit_optimized || !state.model_layout) return;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(display.x - 300.0f, ImGui::GetFrameHeight() + 30.0f), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(280, 360), ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Unit: optimized image", &state.show_unit_optimized)) {
    const UnitImageStatus& s = snapshot.unit_image;
    ImGui::TextUnformatted(s.id.empty() ? "(no unit)" : s.id.c_str());
    ImGui::SetNextItemWidth(90);
    ImGui::SliderInt("preset", &state.unit_image_preset, 1, 4);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    ImGui::DragInt("iterations", &state.unit_image_iters, 5.0f, 1, 5000);
    ImGui::Checkbox("compute on select", &state.unit_image_auto);
    if (!state.unit_image_auto) {
      ImGui::SameLine();
      if (ImGui::Button("Compute")) commands.compute_unit_image = true;
    }
    draw_status(snapshot);
    if (s.state == UnitImageState::Ready && s.image && snapshot.unit_image_texture != 0) {
      ImGui::Text("best %.4g at %d, %s%s", s.image->best_obj, s.image->best_ii, s.image->meta_result.c_str(),
                  s.image->from_disk ? " (cached)" : "");
      draw_unit_image(*s.image, snapshot.unit_image_texture, state);
    }
    const bool gallery_running =
        snapshot.gallery.state == GalleryState::Loading || snapshot.gallery.state == GalleryState::Running;
    if (gallery_running) {
      if (ImGui::Button("Cancel layer gallery")) commands.cancel_layer_gallery = true;
    } else if (ImGui::Button("Optimize every unit of this layer")) {
      commands.start_layer_gallery = true;
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
