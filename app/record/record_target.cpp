#include "app/record/record_target.hpp"

#include <imgui.h>

#include <cmath>

namespace deepvis::app {

const char* record_target_name(RecordTarget target) {
  switch (target) {
    case RecordTarget::Window: return "whole window";
    case RecordTarget::Input: return "Input";
    case RecordTarget::Grid: return "Activations";
    case RecordTarget::Unit: return "Selected unit";
    case RecordTarget::Backward: return "Backward";
    case RecordTarget::Optimization: return "Optimization";
  }
  return "?";
}

void report_panel_rect(PanelRects& rects, RecordTarget target) {
  const ImVec2 pos = ImGui::GetWindowPos();
  const ImVec2 size = ImGui::GetWindowSize();
  const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
  rects.at(target) = {true, pos.x * fb.x, pos.y * fb.y, size.x * fb.x, size.y * fb.y};
}

std::optional<cv::Rect> record_region(RecordTarget target, const PanelRects& rects, int framebuffer_width,
                                      int framebuffer_height) {
  const cv::Rect whole(0, 0, framebuffer_width, framebuffer_height);
  if (target == RecordTarget::Window) return whole;
  const PanelRect& r = rects.at(target);
  if (!r.valid) return std::nullopt;
  const auto x0 = static_cast<int>(std::floor(r.x));
  const auto y0 = static_cast<int>(std::floor(r.y));
  const auto x1 = static_cast<int>(std::ceil(r.x + r.width));
  const auto y1 = static_cast<int>(std::ceil(r.y + r.height));
  const cv::Rect clipped = cv::Rect(x0, y0, x1 - x0, y1 - y0) & whole;
  if (clipped.empty()) return std::nullopt;
  return clipped;
}

}  // namespace deepvis::app
