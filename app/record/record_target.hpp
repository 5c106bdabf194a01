#pragma once
// What R records: the whole window or one panel. Panels report where they were drawn each frame (their whole
// ImGui window, title bar included, in framebuffer pixels), and the recording reads back only that rectangle.
#include <opencv2/core/types.hpp>

#include <array>
#include <optional>

namespace deepvis::app {

enum class RecordTarget { Window, Input, Grid, Unit, Backward, Optimization };

inline constexpr std::array<RecordTarget, 6> kRecordTargets = {RecordTarget::Window,   RecordTarget::Input,
                                                               RecordTarget::Grid,     RecordTarget::Unit,
                                                               RecordTarget::Backward, RecordTarget::Optimization};

// "whole window", or the panel's title ("Input", "Activations", "Selected unit", "Backward", "Optimization").
const char* record_target_name(RecordTarget target);

// A panel's window in the frame being drawn, in framebuffer pixels, origin top-left; valid only when drawn.
struct PanelRect {
  bool valid = false;
  float x = 0.0f;
  float y = 0.0f;
  float width = 0.0f;
  float height = 0.0f;
};

// One rectangle per target (the Window entry stays unused). The frame loop clears them before drawing the panels.
struct PanelRects {
  std::array<PanelRect, kRecordTargets.size()> rects;
  PanelRect& at(RecordTarget target) { return rects[static_cast<size_t>(target)]; }
  const PanelRect& at(RecordTarget target) const { return rects[static_cast<size_t>(target)]; }
};

// For a panel, between its ImGui::Begin and ImGui::End (whether Begin returned true or the panel is collapsed):
// stores the current window's rectangle, scaled to framebuffer pixels.
void report_panel_rect(PanelRects& rects, RecordTarget target);

// The pixels a recording of `target` reads from a framebuffer_width x framebuffer_height framebuffer: all of it
// for the window; for a panel its rectangle rounded outwards to whole pixels and clipped to the framebuffer (a
// panel may hang over the window's edge). nullopt when the panel is not drawn (closed) or lies wholly outside.
std::optional<cv::Rect> record_region(RecordTarget target, const PanelRects& rects, int framebuffer_width,
                                      int framebuffer_height);

}  // namespace deepvis::app
