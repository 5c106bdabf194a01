#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>

namespace deepvis::app {

namespace {

// e / w for files, pause and single step for videos and cameras: the same commands as the keys.
void draw_source_controls(const CaptureStatus& capture, Commands& commands) {
  if (capture.kind == SourceKind::Files) {
    if (ImGui::SmallButton("< prev")) commands.file_step -= 1;
    ImGui::SameLine();
    if (ImGui::SmallButton("next >")) commands.file_step += 1;
    ImGui::SameLine();
  } else if (capture.kind == SourceKind::Video || capture.kind == SourceKind::Camera) {
    if (ImGui::SmallButton(capture.paused ? "play" : "pause")) commands.toggle_pause = true;
    ImGui::SameLine();
    if (capture.kind == SourceKind::Video && ImGui::SmallButton("step")) commands.step_frame = true;
    ImGui::SameLine();
  }
}

// The region the network's input was cropped from (centre, stretch or face), outlined over the shown image, so
// the user sees what the model looks at. Only when the results are of the image shown.
void draw_crop_box(const EngineSnapshot& engine, ImVec2 image_origin, float scale) {
  const cv::Rect2d& box = engine.input_crop;
  if (!engine.has_results() || box.width <= 0.0 || box.height <= 0.0) return;
  const auto at = [&](double x, double y) {
    return ImVec2(image_origin.x + static_cast<float>(x) * scale, image_origin.y + static_cast<float>(y) * scale);
  };
  ImDrawList* draw = ImGui::GetWindowDrawList();
  // A dark outline under a bright one keeps the box visible on light and dark images alike.
  draw->AddRect(at(box.x, box.y), at(box.x + box.width, box.y + box.height), IM_COL32(0, 0, 0, 200), 0.0f, 0, 3.0f);
  draw->AddRect(at(box.x, box.y), at(box.x + box.width, box.y + box.height), IM_COL32(255, 220, 0, 255), 0.0f, 0, 1.5f);
}

// How frames are fitted to the network's input: the model's own way (its card's), or one the user picks.
void draw_crop_choice(const EngineSnapshot& engine, const AppState& state, Commands& commands) {
  if (!engine.model) return;
  const std::string model_crop = std::string("model's (") + crop_mode_name(engine.model->crop) + ")";
  const std::string current = state.crop ? crop_mode_name(*state.crop) : model_crop;
  ImGui::SetNextItemWidth(130);
  if (ImGui::BeginCombo("crop", current.c_str())) {
    if (ImGui::Selectable(model_crop.c_str(), !state.crop)) {
      commands.set_crop = true;
      commands.crop = std::nullopt;
    }
    for (CropMode mode : {CropMode::Center, CropMode::Stretch, CropMode::Face}) {
      if (ImGui::Selectable(crop_mode_name(mode), state.crop == mode)) {
        commands.set_crop = true;
        commands.crop = mode;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
}

}  // namespace

void draw_input_panel(const Snapshot& snapshot, AppState& state, Commands& commands) {
  if (!state.show_input) return;
  place_next_panel(PanelSlot::Input, state);
  if (ImGui::Begin("Input", &state.show_input)) {
    draw_source_controls(snapshot.capture, commands);
    draw_crop_choice(*snapshot.engine, state, commands);
    if (snapshot.engine->settings.frozen) {
      ImGui::TextUnformatted("[frozen]");
      ImGui::SameLine();
    }
    if (snapshot.input_texture == 0) {
      ImGui::TextUnformatted("No image. Use File > Open, or drop a file on the window.");
    } else {
      ImGui::Text("%s  %dx%d", snapshot.input_name.c_str(), snapshot.input_width, snapshot.input_height);
      const ImVec2 avail = ImGui::GetContentRegionAvail();
      const auto w = static_cast<float>(snapshot.input_width);
      const auto h = static_cast<float>(snapshot.input_height);
      // Alone, the input is shown 1:1 when it fits (never enlarged); beside a model, small inputs are enlarged.
      const float scale =
          state.model_layout ? fit_scale(w, h, avail) : std::max(0.01f, std::min({1.0f, avail.x / w, avail.y / h}));
      ImGui::Image(texture_id(snapshot.input_texture), ImVec2(w * scale, h * scale));
      draw_crop_box(*snapshot.engine, ImGui::GetItemRectMin(), scale);
    }
  }
  report_panel_rect(state.panel_rects, RecordTarget::Input);  // what R records when this panel is chosen
  ImGui::End();
}

}  // namespace deepvis::app
