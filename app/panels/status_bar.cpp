#include "app/panels/panel_layout.hpp"
#include "app/panels/panels.hpp"
#include "app/panels/stage_times_text.hpp"

#include <imgui.h>

#include <string>

namespace deepvis::app {

namespace {

// The newest of the engine's and the capture's errors (each only counts up, so the larger count is not enough;
// prefer the engine's when both exist, it is usually the one the user just caused).
std::string last_error(const Snapshot& snapshot) {
  if (!snapshot.engine->error.empty()) return snapshot.engine->error;
  return snapshot.capture.error;
}

}  // namespace

void draw_status_bar(const Snapshot& snapshot, AppState& state, Commands& /*commands*/) {
  if (!state.show_status) return;
  const EngineSnapshot& e = *snapshot.engine;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float height = status_bar_height();
  ImGui::SetNextWindowPos(ImVec2(0, display.y - height));
  ImGui::SetNextWindowSize(ImVec2(display.x, height));
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus;
  if (ImGui::Begin("##status", nullptr, flags)) {
    ImGui::Text("ui %.0f fps", static_cast<double>(snapshot.fps));
    if (e.has_results()) {
      ImGui::SameLine();
      // The engine's rate means something only for live sources; a still image is computed once per change.
      const bool live = snapshot.capture.kind == SourceKind::Video || snapshot.capture.kind == SourceKind::Camera;
      if (live && e.engine_fps > 0.0) {
        ImGui::Text("| engine %.1f fps", e.engine_fps);
        ImGui::SameLine();
      } else {
        ImGui::TextUnformatted("|");
        ImGui::SameLine();
      }
      ImGui::TextUnformatted(stage_times_text(e.times, snapshot.texture_ms, snapshot.draw_ms).c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip(
            "Milliseconds per stage of the newest frame: capture (reading the source), preprocess, forward,\n"
            "backward view, grid (the engine's part of the grid), then on the UI thread the texture update\n"
            "and the drawing of the panels. The engine's stages add up to %.1f ms.\n"
            "The grid texture is %s.",
            e.times.total,
            snapshot.grid_on_gpu ? "drawn by CUDA straight into GL (interop)" : "built on the host and uploaded");
      }
      if (snapshot.latency_ms > 0.0) {
        ImGui::SameLine();
        ImGui::Text("| capture to screen %.1f ms", snapshot.latency_ms);
      }
      if (snapshot.grid_on_gpu) {
        ImGui::SameLine();
        ImGui::TextDisabled("(grid on GPU)");
      }
    }
    ImGui::SameLine();
    ImGui::Text("| %s%s", snapshot.capture.source.c_str(), snapshot.capture.paused ? " (paused)" : "");
    if (snapshot.frames_dropped > 0) {
      ImGui::SameLine();
      ImGui::Text("| %llu dropped", static_cast<unsigned long long>(snapshot.frames_dropped));
    }
    if (snapshot.recording.active) {
      const RecordingStatus& r = snapshot.recording;
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(1.0f, 0.3f, 0.3f, 1.0f), "| REC %s %s, %llu frames, %llu dropped", r.file.c_str(),
                         r.codec.c_str(), static_cast<unsigned long long>(r.frames),
                         static_cast<unsigned long long>(r.dropped));
    }
    const std::string error = last_error(snapshot);
    if (!error.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(ImVec4(1.0f, 0.55f, 0.45f, 1.0f), "| %s", error.c_str());
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", error.c_str());
    }
  }
  ImGui::End();
}

}  // namespace deepvis::app
