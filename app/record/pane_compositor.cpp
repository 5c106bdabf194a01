#include "app/record/pane_compositor.hpp"

#include "compute/core/error.hpp"

#include <epoxy/gl.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace deepvis::app {

const char* record_pane_name(RecordPane pane) {
  switch (pane) {
    case RecordPane::Input: return "input";
    case RecordPane::Grid: return "grid";
    case RecordPane::Unit: return "unit";
    case RecordPane::Backward: return "backward";
  }
  return "?";
}

std::vector<RecordPane> parse_record_panes(const std::string& list) {
  std::vector<RecordPane> panes;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    RecordPane pane{};
    if (name == "input") {
      pane = RecordPane::Input;
    } else if (name == "grid") {
      pane = RecordPane::Grid;
    } else if (name == "unit") {
      pane = RecordPane::Unit;
    } else if (name == "backward") {
      pane = RecordPane::Backward;
    } else {
      throw Error("unknown pane '" + name + "' in '" + list + "' (expected input, grid, unit, backward)");
    }
    if (std::find(panes.begin(), panes.end(), pane) != panes.end()) {
      throw Error("pane '" + name + "' given twice in '" + list + "'");
    }
    panes.push_back(pane);
  }
  if (panes.empty()) throw Error("no panes given (expected a list like input,grid,unit,backward)");
  return panes;
}

cv::Mat record_pane_image(const EngineSnapshot& snapshot, RecordPane pane) {
  switch (pane) {
    case RecordPane::Input: {
      if (snapshot.input_rgb.empty()) return cv::Mat();
      cv::Mat bgr;
      cv::cvtColor(snapshot.input_rgb, bgr, cv::COLOR_RGB2BGR);
      return bgr;
    }
    case RecordPane::Grid: return snapshot.grid_bgr;
    case RecordPane::Unit: return snapshot.unit_bgr;
    case RecordPane::Backward: return snapshot.backward_bgr;
  }
  return cv::Mat();
}

PaneLayout layout_panes(const std::vector<cv::Size>& image_sizes, int pane_height, int gap) {
  if (pane_height <= 0) throw Error("the pane height must be positive");
  PaneLayout layout;
  int x = 0;
  for (const cv::Size& size : image_sizes) {
    if (!layout.boxes.empty()) x += gap;
    const double aspect = size.height > 0 ? static_cast<double>(size.width) / size.height : 1.0;
    const int width = std::max(1, static_cast<int>(std::lround(pane_height * aspect)));
    layout.boxes.emplace_back(x, 0, width, pane_height);
    x += width;
  }
  layout.size = cv::Size(x + (x & 1), pane_height + (pane_height & 1));
  return layout;
}

cv::Rect fit_inside(cv::Size image, const cv::Rect& box) {
  if (image.width <= 0 || image.height <= 0) return box;
  const double scale =
      std::min(static_cast<double>(box.width) / image.width, static_cast<double>(box.height) / image.height);
  const int w = std::clamp(static_cast<int>(std::lround(image.width * scale)), 1, box.width);
  const int h = std::clamp(static_cast<int>(std::lround(image.height * scale)), 1, box.height);
  return {box.x + (box.width - w) / 2, box.y + (box.height - h) / 2, w, h};
}

PaneCompositor::PaneCompositor(std::vector<RecordPane> panes, PaneLayout layout)
    : panes_(std::move(panes)), layout_(std::move(layout)), target_(layout_.size.width, layout_.size.height) {
  if (layout_.boxes.size() != panes_.size()) throw Error("PaneCompositor: one box per pane expected");
  for (size_t i = 0; i < panes_.size(); ++i) uploaders_.push_back(std::make_unique<render::PboUploader>());
}

void PaneCompositor::draw(const EngineSnapshot& snapshot) {
  target_.bind();
  glClearColor(0.12f, 0.12f, 0.12f, 1.0f);  // the GUI's dark background between panes
  glClear(GL_COLOR_BUFFER_BIT);
  for (size_t i = 0; i < panes_.size(); ++i) {
    const cv::Mat image = record_pane_image(snapshot, panes_[i]);
    if (image.empty()) continue;
    uploaders_[i]->upload(image);
    const cv::Rect r = fit_inside(image.size(), layout_.boxes[i]);
    // GL's viewport origin is the bottom-left corner.
    glViewport(r.x, layout_.size.height - r.y - r.height, r.width, r.height);
    quad_.draw(uploaders_[i]->texture());
  }
  glViewport(0, 0, layout_.size.width, layout_.size.height);
  render::check_gl("drawing the record panes");
}

}  // namespace deepvis::app
